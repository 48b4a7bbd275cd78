"""The connector API: an external connector lists the invoices waiting for Chorus Pro, claims one (two
never send the same), reports the deposit and each status; the legal due date follows availability;
staff answer the returns (A_RECYCLER, SUSPENDUE, REJETEE)."""

from __future__ import annotations

import asyncio
import base64

from shared.security.principal import Role
from tests.apps import RunningServices, bearer
from tests.billing.chorus_helpers import CONNECTOR, claim, deposit, emitted, invoice_for_chorus, report


async def test_a_deposited_invoice_made_available_gets_its_legal_due_date(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    waiting = await billing.client.get("/v1/chorus/transmissions", headers=CONNECTOR)
    assert [w["number"] for w in waiting.json()] == [invoice["number"]]
    assert waiting.json()[0]["facturx_url"] == f"/v1/chorus/transmissions/{invoice['id']}/facturx.pdf"
    pdf = await billing.client.get(waiting.json()[0]["facturx_url"], headers=CONNECTOR)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    deposited = await deposit(billing, invoice["id"])
    assert deposited["stage"] == "deposited" and deposited["flux_number"].startswith("CPP")
    assert (await billing.client.get("/v1/chorus/transmissions", headers=CONNECTOR)).json() == []

    answer = await report(
        billing,
        invoice["id"],
        ("DEPOSEE", "2027-01-20T10:00:00+01:00"),
        ("EN_COURS_ACHEMINEMENT", "2027-01-20T10:05:00+01:00"),
        ("MISE_A_DISPOSITION", "2027-01-31T09:00:00+01:00", "mise à disposition du destinataire"),
    )
    body = answer.json()
    assert answer.status_code == 200, answer.text
    assert (body["chorus_status"], body["made_available_on"], body["due_date"]) == (
        "MISE_A_DISPOSITION",
        "2027-01-31",
        "2027-03-02",
    )
    assert [h["kind"] for h in body["history"]] == ["claimed", "deposited", "status", "status", "status"]
    assert [e["due_date"] for e in await emitted(billing, "billing.invoice.made_available")] == ["2027-03-02"]
    assert [e["flux_number"] for e in await emitted(billing, "billing.invoice.transmitted")] == [
        deposited["flux_number"]
    ]
    balance = (await billing.client.get(f"/v1/members-balances/{invoice['buyer']['member_id']}")).json()
    assert balance["invoices"][0]["due_date"] == "2027-03-02"
    assert balance["invoices"][0]["due_date_is_provisional"] is False


async def test_duplicate_and_out_of_order_reports_do_not_corrupt_the_state(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    await deposit(billing, invoice["id"])
    await report(billing, invoice["id"], ("MISE_EN_PAIEMENT", "2027-02-25T12:00:00+01:00"))
    await report(billing, invoice["id"], ("MISE_A_DISPOSITION", "2027-01-31T09:00:00+01:00"))
    again = await report(
        billing,
        invoice["id"],
        ("MISE_A_DISPOSITION", "2027-01-31T09:00:00+01:00"),
        ("DEPOSEE", "2027-01-20T10:00:00+01:00"),
        ("MISE_EN_PAIEMENT", "2027-02-25T12:00:00+01:00"),
    )
    body = again.json()
    assert (body["chorus_status"], body["due_date"]) == ("MISE_EN_PAIEMENT", "2027-03-02")
    assert [h["status"] for h in body["history"] if h["kind"] == "status"] == [
        "MISE_EN_PAIEMENT",
        "MISE_A_DISPOSITION",
        "DEPOSEE",
    ]
    assert len(await emitted(billing, "billing.invoice.made_available")) == 1


async def test_bad_reports_answer_4xx_naming_the_problem(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    unknown = await report(
        billing, "5b2ef5a4-1111-4c1c-9d59-000000000000", ("DEPOSEE", "2027-01-20T10:00:00Z")
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    never = await report(billing, invoice["id"], ("MISE_A_DISPOSITION", "2027-01-31T09:00:00Z"))
    assert never.status_code == 409 and "never deposited" in never.json()["detail"]
    await deposit(billing, invoice["id"])
    bogus = await report(billing, invoice["id"], ("PAYEE", "2027-01-31T09:00:00Z"))
    assert bogus.status_code == 422 and bogus.json()["errors"][0]["field"] == "statuses.0.status"
    impossible = await report(
        billing,
        invoice["id"],
        ("MISE_A_DISPOSITION", "2027-01-31T09:00:00Z"),
        ("COMPLETEE", "2027-02-01T09:00:00Z"),
    )
    assert impossible.status_code == 409 and "never suspended" in impossible.json()["detail"]
    # Nothing of the refused batch was kept.
    state = (await billing.client.get(f"/v1/chorus/transmissions/{invoice['id']}")).json()
    assert state["chorus_status"] is None and state["due_date"] is None


async def test_two_connectors_claiming_at_once_never_both_get_the_invoice(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    answers = await asyncio.gather(*(claim(billing, invoice["id"], f"conn-{n}") for n in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    winner = next(a for a in answers if a.status_code == 200).json()
    state = (await billing.client.get(f"/v1/chorus/transmissions/{invoice['id']}")).json()
    assert state["stage"] == "claimed" and state["attempts"] == 1
    assert [h["kind"] for h in state["history"]] == ["claimed"]
    # Only the holder may report; a failure puts the invoice back in the queue.
    stranger = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/outcome",
        json={"claim_id": "not-mine", "outcome": "deposited", "flux_number": "CPP1"},
        headers=CONNECTOR,
    )
    assert stranger.status_code == 409
    failed = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/outcome",
        json={"claim_id": winner["claim_id"], "outcome": "failed", "reason": "Chorus Pro: 503"},
        headers=CONNECTOR,
    )
    assert failed.json()["stage"] == "waiting" and failed.json()["history"][-1]["detail"] == "Chorus Pro: 503"


async def test_a_missing_service_code_blocks_the_transmission_until_staff_fix_it(
    billing: RunningServices,
) -> None:
    invoice = await invoice_for_chorus(billing, service_code=None)
    refused = await claim(billing, invoice["id"])
    assert refused.status_code == 422
    assert "requires a service code" in refused.json()["detail"]
    state = (await billing.client.get(f"/v1/chorus/transmissions/{invoice['id']}")).json()
    assert state["stage"] == "blocked" and "service code" in state["blocked_reason"]
    assert (await billing.client.get("/v1/chorus/transmissions", headers=CONNECTOR)).json() == []
    staff = await billing.client.get("/v1/chorus/transmissions/needing-staff", params={"stage": "blocked"})
    assert [(t["number"], t["stage"]) for t in staff.json()] == [(invoice["number"], "blocked")]
    assert (
        await billing.client.get("/v1/chorus/transmissions/needing-staff", params={"stage": "suspended"})
    ).json() == []
    fixed = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/routing",
        json={
            "buyer_siret": "20004461800011",
            "service_code": "SERV-FIN",
            "commitment_number": invoice["commitment_number"],  # the whole routing is given
            "reason": "code service du membre",
        },
    )
    assert fixed.json()["stage"] == "waiting"
    assert (await claim(billing, invoice["id"])).json()["service_code"] == "SERV-FIN"


async def test_a_recycler_then_fixed_routing_is_resent_under_the_same_number(
    billing: RunningServices,
) -> None:
    invoice = await invoice_for_chorus(billing)
    await deposit(billing, invoice["id"])
    returned = await report(
        billing,
        invoice["id"],
        ("A_RECYCLER", "2027-01-21T10:00:00+01:00", "code service inconnu du destinataire"),
    )
    assert returned.json()["stage"] == "to_recycle"
    assert [(e["status"], e["reason"]) for e in await emitted(billing, "billing.invoice.returned")] == [
        ("A_RECYCLER", "code service inconnu du destinataire")
    ]
    fixed = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/routing",
        json={
            "buyer_siret": "20004461800029",
            "service_code": "SERV-FIN",
            "commitment_number": "EJ-2027-1",
            "reason": "code service corrigé",
        },
    )
    assert fixed.status_code == 200 and fixed.json()["stage"] == "waiting"
    claimed = (await claim(billing, invoice["id"])).json()
    assert (claimed["number"], claimed["buyer_siret"], claimed["commitment_number"]) == (
        invoice["number"],
        "20004461800029",
        "EJ-2027-1",
    )
    xml = await billing.client.get(f"/v1/chorus/transmissions/{invoice['id']}/facturx.pdf", headers=CONNECTOR)
    assert xml.status_code == 200  # rendered with the corrected routing (checked by the XSD on the way)


async def test_suspendue_staff_add_documents_and_the_connector_completes(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    await deposit(billing, invoice["id"])
    await report(
        billing, invoice["id"], ("SUSPENDUE", "2027-01-25T10:00:00+01:00", "bon de livraison manquant")
    )
    added = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/documents",
        json={
            "comment": "bon de livraison signé",
            "documents": [
                {"filename": "bl.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 bl").decode()}
            ],
        },
    )
    assert added.json()["stage"] == "waiting" and added.json()["action"] == "complete"
    claimed = (await claim(billing, invoice["id"])).json()
    assert claimed["action"] == "complete" and len(claimed["document_urls"]) == 1
    doc = await billing.client.get(claimed["document_urls"][0], headers=CONNECTOR)
    assert doc.content == b"%PDF-1.4 bl"
    await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/outcome",
        json={"claim_id": claimed["claim_id"], "outcome": "completed"},
        headers=CONNECTOR,
    )
    done = await report(billing, invoice["id"], ("COMPLETEE", "2027-01-26T10:00:00+01:00"))
    assert (done.json()["stage"], done.json()["chorus_status"]) == ("deposited", "COMPLETEE")


async def test_rejetee_gives_a_credit_note_and_a_new_invoice_with_a_new_number(
    billing: RunningServices,
) -> None:
    invoice = await invoice_for_chorus(billing)
    await deposit(billing, invoice["id"])
    await report(billing, invoice["id"], ("REJETEE", "2027-01-25T10:00:00+01:00", "facture en doublon"))
    replaced = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/replace", json={"reason": "facture en doublon"}
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["credit_note_number"].startswith("AV-")
    assert body["new_invoice_number"] != invoice["number"]
    new = (await billing.client.get(f"/v1/invoices/{body['new_invoice_id']}")).json()
    assert new["total_incl_tax"] == invoice["total_incl_tax"]
    notes = (await billing.client.get(f"/v1/invoices/{invoice['id']}/credit-notes")).json()
    assert [n["total_incl_tax"] for n in notes] == [invoice["total_incl_tax"]]
    assert (await billing.client.get("/v1/numbering/check")).json()["ok"] is True
    waiting = (await billing.client.get("/v1/chorus/transmissions", headers=CONNECTOR)).json()
    assert [w["number"] for w in waiting] == [body["new_invoice_number"]]
    twice = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/replace", json={"reason": "x"}
    )
    assert twice.status_code == 409


async def test_only_the_connector_and_staff_reach_the_connector_api(billing: RunningServices) -> None:
    invoice = await invoice_for_chorus(billing)
    member = bearer(Role.MEMBER, member_id=invoice["buyer"]["member_id"])
    assert (await billing.client.get("/v1/chorus/transmissions", headers=member)).status_code == 403
    assert (
        await billing.client.get("/v1/chorus/transmissions", headers=bearer(Role.FINANCE))
    ).status_code == 403
    fix = await billing.client.post(
        f"/v1/chorus/transmissions/{invoice['id']}/routing",
        json={"buyer_siret": "20004461800011", "reason": "x"},
        headers=CONNECTOR,
    )
    assert fix.status_code == 403
