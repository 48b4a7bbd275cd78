"""The built-in PISTE adapter against the Chorus Pro simulator on a real local port: OAuth2 token,
`cpro-account`, `deposer/flux` with IN_DP_E2_CII_FACTURX, the flow report and the status history
polled with backoff, every exchange recorded (never a secret), Chorus down retried, never a double
deposit."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from simulators.chorus_pro import ChorusProState, build_app, serving
from tests.apps import RunningServices, run_services
from tests.billing.chorus_helpers import CONNECTOR, emitted, invoice_for_chorus
from tests.billing.helpers import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bench:
    billing: RunningServices
    chorus: ChorusProState
    url: str

    async def tell(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.request(method, path, **kwargs)

    async def transmission(self, invoice_id: str) -> dict[str, Any]:
        return (await self.billing.client.get(f"/v1/chorus/transmissions/{invoice_id}")).json()


@pytest.fixture
async def bench(pg_url: str) -> AsyncIterator[Bench]:
    port = free_port()
    state = ChorusProState(delay_s=3.0)
    url = f"http://127.0.0.1:{port}"
    settings = BillingSettings(
        database_url=pg_url,
        retry_delay_ms=100,
        relay_poll_interval_s=0.05,
        chorus_api_url=url,
        chorus_oauth_url=f"{url}/api/oauth/token",
        chorus_client_id=state.client_id,
        chorus_client_secret=state.client_secret,
        chorus_login=state.login,
        chorus_password=state.password,
        chorus_timeout_s=1.0,
        chorus_job_interval_s=0.1,
        chorus_retry_base_s=0.2,
        chorus_retry_max_s=0.5,
        chorus_poll_base_s=0.1,
        chorus_poll_max_s=0.3,
    )
    async with serving(build_app(state), port=port), run_services([(DEFINITION, settings)]) as running:
        yield Bench(running, state, url)


async def reached(
    bench: Bench, invoice_id: str, what: str, probe: Any, timeout: float = 15.0
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        state = await bench.transmission(invoice_id)
        return state if probe(state) else None

    return await eventually(check, timeout=timeout)


async def test_an_invoice_is_deposited_made_available_and_followed_through_the_simulator(
    bench: Bench,
) -> None:
    invoice = await invoice_for_chorus(bench.billing)
    state = await reached(bench, invoice["id"], "made available", lambda s: s["due_date"] is not None)
    assert state["stage"] == "deposited" and state["chorus_status"] == "MISE_A_DISPOSITION"
    assert state["flux_number"].startswith("CPP") and state["chorus_invoice_id"]
    operations = [e["operation"] for e in state["exchanges"]]
    assert operations[:2] == ["oauth/token", "cpro/factures/v1/deposer/flux"]
    assert "cpro/transverses/v1/consulterCRDetaille" in operations
    assert "cpro/factures/v1/consulter/historique" in operations
    assert bench.chorus.deposits == {invoice["number"]: 1}
    recorded = str(state["exchanges"]) + str(state["history"])
    for secret in (bench.chorus.client_secret, bench.chorus.password, *bench.chorus.tokens):
        assert secret not in recorded
    assert [e["number"] for e in await emitted(bench.billing, "billing.invoice.transmitted")] == [
        invoice["number"]
    ]
    assert [e["transmitted_by"] for e in await emitted(bench.billing, "billing.invoice.transmitted")] == [
        "piste"
    ]

    # The member's payment order arrives later: the poller picks it up.
    await bench.tell(
        "POST", f"/admin/invoices/{invoice['number']}/statuses", json={"statut": "MISE_EN_PAIEMENT"}
    )
    await reached(bench, invoice["id"], "payment ordered", lambda s: s["chorus_status"] == "MISE_EN_PAIEMENT")


async def test_chorus_down_is_retried_with_backoff_visible_in_the_history(bench: Bench) -> None:
    await bench.tell("PUT", "/admin/mode", json={"mode": "ok", "fail_next": 2})
    invoice = await invoice_for_chorus(bench.billing)
    state = await reached(bench, invoice["id"], "deposited", lambda s: s["flux_number"] is not None)
    failures = [h for h in state["history"] if h["kind"] == "failed"]
    assert len(failures) >= 1 and "503" in failures[0]["detail"]
    assert any(e["http_status"] == 503 for e in state["exchanges"])
    assert bench.chorus.deposits == {invoice["number"]: 1}


async def test_a_lost_answer_never_leads_to_a_second_deposit(bench: Bench) -> None:
    # The deposit is taken but the answer never comes back (timeout): the retry finds it on Chorus.
    await bench.tell("PUT", "/admin/mode", json={"mode": "lost", "delay_s": 3})
    invoice = await invoice_for_chorus(bench.billing)
    await reached(
        bench, invoice["id"], "a failed attempt", lambda s: any(h["kind"] == "failed" for h in s["history"])
    )
    await bench.tell("PUT", "/admin/mode", json={"mode": "ok"})
    state = await reached(bench, invoice["id"], "made available", lambda s: s["due_date"] is not None)
    assert bench.chorus.deposits == {invoice["number"]: 1}
    assert "cpro/factures/v1/rechercher/fournisseur" in [e["operation"] for e in state["exchanges"]]


async def test_the_returns_come_back_through_the_poller(bench: Bench) -> None:
    invoice = await invoice_for_chorus(bench.billing)
    await reached(bench, invoice["id"], "deposited", lambda s: s["chorus_invoice_id"] is not None)
    await bench.tell(
        "POST",
        f"/admin/invoices/{invoice['number']}/statuses",
        json={"statut": "SUSPENDUE", "commentaire": "pièce justificative manquante"},
    )
    await reached(bench, invoice["id"], "suspended", lambda s: s["stage"] == "suspended")
    await bench.billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/documents",
        json={
            "comment": "attestation de service fait",
            "documents": [{"filename": "sf.pdf", "content_base64": "JVBERg=="}],
        },
    )
    state = await reached(bench, invoice["id"], "completed", lambda s: s["chorus_status"] == "COMPLETEE")
    assert "cpro/factures/v1/completer" in [e["operation"] for e in state["exchanges"]]
    held = (await bench.tell("GET", "/admin/state")).json()["invoices"][invoice["number"]]
    assert held["documents"] == ["sf.pdf"]
    returned = await emitted(bench.billing, "billing.invoice.returned")
    assert [(r["status"], r["reason"]) for r in returned] == [("SUSPENDUE", "pièce justificative manquante")]
    # The connector sees nothing to do: the built-in adapter has it in hand.
    assert (await bench.billing.client.get("/v1/chorus/transmissions", headers=CONNECTOR)).json() == []


async def test_wrong_credentials_are_refused_by_the_simulator(bench: Bench) -> None:
    async with httpx.AsyncClient(base_url=bench.url) as client:
        token = await client.post(
            "/api/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
        assert token.status_code == 401
        no_token = await client.post("/cpro/factures/v1/deposer/flux", json={})
        assert no_token.status_code == 401


async def test_a_recycler_fixed_by_staff_is_deposited_again_under_the_same_number(bench: Bench) -> None:
    invoice = await invoice_for_chorus(bench.billing)
    await reached(bench, invoice["id"], "made available", lambda s: s["due_date"] is not None)
    await bench.tell(
        "POST",
        f"/admin/invoices/{invoice['number']}/statuses",
        json={"statut": "A_RECYCLER", "commentaire": "SIRET du destinataire erroné"},
    )
    await reached(bench, invoice["id"], "to recycle", lambda s: s["stage"] == "to_recycle")
    await bench.billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/routing",
        json={
            "buyer_siret": "20004461800029",
            "service_code": "SERV-NUM",
            "commitment_number": invoice["commitment_number"],
            "reason": "SIRET de facturation corrigé",
        },
    )
    state = await reached(
        bench,
        invoice["id"],
        "redeposited",
        lambda s: [h["kind"] for h in s["history"]].count("deposited") == 2,
    )
    assert state["number"] == invoice["number"]
    assert bench.chorus.deposits == {invoice["number"]: 2}  # the same number, deposited again on purpose


async def test_rejetee_then_replaced_the_new_invoice_goes_out_under_a_new_number(bench: Bench) -> None:
    invoice = await invoice_for_chorus(bench.billing)
    await reached(bench, invoice["id"], "made available", lambda s: s["due_date"] is not None)
    await bench.tell(
        "POST",
        f"/admin/invoices/{invoice['number']}/statuses",
        json={"statut": "REJETEE", "commentaire": "engagement clos"},
    )
    await reached(bench, invoice["id"], "rejected", lambda s: s["stage"] == "rejected")
    replaced = await bench.billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/replace", json={"reason": "engagement clos"}
    )
    new = replaced.json()
    await reached(bench, new["new_invoice_id"], "made available", lambda s: s["due_date"] is not None)
    assert bench.chorus.deposits == {invoice["number"]: 1, new["new_invoice_number"]: 1}


async def test_an_expired_token_is_renewed_once_and_the_work_goes_on(bench: Bench) -> None:
    invoice = await invoice_for_chorus(bench.billing)
    await reached(bench, invoice["id"], "made available", lambda s: s["due_date"] is not None)
    bench.chorus.tokens.clear()  # PISTE forgot every token: the next call answers 401
    await bench.tell(
        "POST", f"/admin/invoices/{invoice['number']}/statuses", json={"statut": "MISE_EN_PAIEMENT"}
    )
    state = await reached(
        bench, invoice["id"], "payment ordered", lambda s: s["chorus_status"] == "MISE_EN_PAIEMENT"
    )
    statuses = [(e["operation"], e["http_status"]) for e in state["exchanges"]]
    unauthorized = statuses.index(("cpro/factures/v1/consulter/historique", 401))
    assert statuses[unauthorized + 1] == ("oauth/token", 200)
