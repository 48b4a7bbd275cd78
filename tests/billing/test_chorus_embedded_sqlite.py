"""Both run modes: the embedded mode (SQLite) takes a member invoice from issue to made available to
paid, through the connector API and through the PISTE adapter and the Chorus Pro simulator."""

from __future__ import annotations

from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from simulators.chorus_pro import ChorusProState, build_app, serving
from tests.apps import run_services
from tests.billing.chorus_helpers import deposit, emitted, invoice_for_chorus, report
from tests.billing.helpers import eventually
from tests.billing.test_chorus_piste_simulator import free_port


async def paid_in_full(running, invoice: dict) -> dict:  # type: ignore[no-untyped-def]
    answer = await running.client.post(
        "/v1/payments",
        json={
            "invoice_number": invoice["number"],
            "amount": invoice["total_incl_tax"],
            "paid_on": "2027-02-20",
            "reference": f"TRESOR-{invoice['number']}",
        },
    )
    assert answer.status_code == 201, answer.text
    return (await running.client.get(f"/v1/members-balances/{invoice['buyer']['member_id']}")).json()


async def test_issue_made_available_paid_through_the_connector_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = BillingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db", retry_delay_ms=100)
    async with run_services([(DEFINITION, settings)]) as running:
        invoice = await invoice_for_chorus(running)
        await deposit(running, invoice["id"])
        made = await report(running, invoice["id"], ("MISE_A_DISPOSITION", "2027-01-31T09:00:00+01:00"))
        assert made.json()["due_date"] == "2027-03-02"
        balance = await paid_in_full(running, invoice)
        assert balance["balance"] == "0.00" and balance["invoices"][0]["due_date"] == "2027-03-02"
        assert len(await emitted(running, "billing.invoice.paid")) == 1
        assert (await running.client.post("/v1/dunning/run", json={"on": "2027-04-01"})).json()[
            "reminders"
        ] == 0


async def test_issue_made_available_paid_through_the_simulator_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port, state = free_port(), ChorusProState()
    url = f"http://127.0.0.1:{port}"
    settings = BillingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db",
        retry_delay_ms=100,
        chorus_api_url=url,
        chorus_oauth_url=f"{url}/api/oauth/token",
        chorus_client_id=state.client_id,
        chorus_client_secret=state.client_secret,
        chorus_login=state.login,
        chorus_password=state.password,
        chorus_job_interval_s=0.1,
        chorus_poll_base_s=0.1,
        chorus_poll_max_s=0.2,
    )
    async with serving(build_app(state), port=port), run_services([(DEFINITION, settings)]) as running:
        invoice = await invoice_for_chorus(running)

        async def due() -> str | None:
            return (await running.client.get(f"/v1/chorus/transmissions/{invoice['id']}")).json()["due_date"]

        assert await eventually(due, timeout=15) is not None
        balance = await paid_in_full(running, invoice)
        assert balance["balance"] == "0.00" and balance["invoices"][0]["due_date_is_provisional"] is False
        assert state.deposits == {invoice["number"]: 1}
