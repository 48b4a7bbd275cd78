"""Credit notes (avoirs) through the API: full or partial, own gapless series, never beyond the invoice,
immutable; and the member's statement that nets them against the invoices."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from services.billing.adapters.tables import counters, credit_notes, messaging
from shared.clock import paris_today
from tests.billing.helpers import BUYER, issued_member_invoice, po_line, purchase_order_issued

pytestmark = pytest.mark.postgres


async def credit(billing, invoice_id: str, **body) -> object:
    return await billing.client.post(
        f"/v1/invoices/{invoice_id}/credit-notes", json={"reason": "Erreur", **body}
    )


async def credit_note_rows(billing) -> int:
    async with billing.runtimes["billing"].db.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(credit_notes))).scalar_one()


async def test_a_full_credit_note_takes_the_whole_invoice_in_its_own_series(billing) -> None:
    invoice = await issued_member_invoice(billing)

    created = await credit(billing, invoice["id"], reason="Commande annulée par délibération")
    again = await credit(billing, invoice["id"])

    assert created.status_code == 201, created.text
    note = created.json()
    assert note["number"] == f"AV-{paris_today().year}-000001"
    assert (note["invoice_id"], note["invoice_number"]) == (invoice["id"], invoice["number"])
    assert (note["total_excl_tax"], note["total_vat"], note["total_incl_tax"]) == (
        invoice["total_excl_tax"],
        invoice["total_vat"],
        invoice["total_incl_tax"],
    )
    assert [line["invoice_line_no"] for line in note["lines"]] == [
        line["line_no"] for line in invoice["lines"]
    ]
    assert again.status_code == 422 and "already fully credited" in again.json()["detail"]
    assert (await billing.client.get(f"/v1/credit-notes/{note['id']}")).json() == note
    check = (await billing.client.get("/v1/numbering/check")).json()
    assert check["ok"] is True
    assert {(s["series"], s["count"]) for s in check["series"]} == {("marketplace", 1), ("credit_notes", 1)}


async def test_partial_credit_notes_by_lines_and_amount_stop_at_the_invoice_amount(billing) -> None:
    invoice = await issued_member_invoice(billing, purchase_order_issued(po_line(1, "10", "100.00")))
    # 1000.00 excluding tax, 200.00 VAT, 1200.00 including tax

    by_lines = await credit(billing, invoice["id"], lines=[{"line_no": 1, "quantity": "3"}])
    too_many = await credit(billing, invoice["id"], lines=[{"line_no": 1, "quantity": "7.5"}])
    by_amount = await credit(billing, invoice["id"], amount="650.00")
    above = await credit(billing, invoice["id"], amount="50.01")
    rest = await credit(billing, invoice["id"])

    assert by_lines.status_code == 201 and by_lines.json()["total_incl_tax"] == "360.00"
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "lines.0.quantity"
    assert by_amount.status_code == 201 and by_amount.json()["total_incl_tax"] == "780.00"
    assert by_amount.json()["lines"][0]["invoice_line_no"] is None
    assert above.status_code == 422 and above.json()["errors"][0]["field"] == "amount"
    assert "above what is left to credit" in above.json()["detail"]
    assert rest.status_code == 201 and rest.json()["total_excl_tax"] == "50.00"
    numbers = [r.json()["number"] for r in (by_lines, by_amount, rest)]
    year = paris_today().year
    assert numbers == [f"AV-{year}-000001", f"AV-{year}-000002", f"AV-{year}-000003"]
    # Refusals took no number and wrote nothing.
    async with billing.runtimes["billing"].db.sessionmaker() as session:
        last = (
            await session.execute(select(counters.c.last_number).where(counters.c.series == "credit_notes"))
        ).scalar_one()
        events = (
            await session.execute(
                select(func.count())
                .select_from(messaging.outbox)
                .where(messaging.outbox.c.routing_key == "billing.credit_note.issued")
            )
        ).scalar_one()
    assert last == 3 and events == 3 and await credit_note_rows(billing) == 3
    listed = (await billing.client.get(f"/v1/invoices/{invoice['id']}/credit-notes")).json()
    assert [n["number"] for n in listed] == numbers


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"line_no": 9, "quantity": "1"}]}, "lines.0.line_no"),
        ({"lines": [{"line_no": 1, "quantity": "0"}]}, "lines.0.quantity"),
        ({"lines": [{"line_no": 1, "quantity": "1"}], "amount": "1.00"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "5.00"}, "vat_rate"),  # two VAT rates on the invoice: which one?
        ({"amount": "5.00", "vat_category": "S", "vat_rate": "10.00"}, "vat_rate"),
        ({"reason": "   "}, "reason"),
    ],
)
async def test_bad_credit_notes_are_refused_naming_the_field_and_take_no_number(billing, body, field) -> None:
    invoice = await issued_member_invoice(billing)

    refused = await credit(billing, invoice["id"], **body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == field
    assert await credit_note_rows(billing) == 0


async def test_a_credit_note_on_an_unknown_invoice_is_404(billing) -> None:
    refused = await credit(billing, str(uuid.uuid4()))
    assert refused.status_code == 404
    assert (await billing.client.get(f"/v1/credit-notes/{uuid.uuid4()}")).status_code == 404


async def test_concurrent_credit_notes_on_one_invoice_never_exceed_it(billing) -> None:
    import asyncio

    invoice = await issued_member_invoice(billing, purchase_order_issued(po_line(1, "10", "100.00")))

    answers = await asyncio.gather(*(credit(billing, invoice["id"], amount="300.00") for _ in range(5)))

    assert sorted(a.status_code for a in answers) == [201, 201, 201, 422, 422]
    check = (await billing.client.get("/v1/numbering/check")).json()
    assert check["ok"] is True


async def test_an_issued_credit_note_cannot_be_updated_nor_deleted(billing) -> None:
    invoice = await issued_member_invoice(billing)
    note = (await credit(billing, invoice["id"])).json()
    engine = billing.runtimes["billing"].db.engine
    for statement in (
        "UPDATE credit_notes SET total_incl_tax = 0 WHERE id = :id",
        "DELETE FROM credit_note_lines WHERE credit_note_id = :id",
        "UPDATE credit_note_vat SET vat_amount = 0 WHERE credit_note_id = :id",
    ):
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as conn:
                await conn.execute(text(statement), {"id": uuid.UUID(note["id"])})


async def test_the_member_statement_nets_credit_notes_against_invoices_over_the_period(billing) -> None:
    first = await issued_member_invoice(billing, purchase_order_issued(po_line(1, "10", "100.00")))
    second = await issued_member_invoice(billing, purchase_order_issued(po_line(1, "1", "50.00")))
    note = (await credit(billing, first["id"], amount="100.00")).json()
    today = paris_today().isoformat()

    statement = await billing.client.get(
        f"/v1/members-statements/{BUYER.member_id}", params={"from": today, "to": today}
    )
    before = await billing.client.get(
        f"/v1/members-statements/{BUYER.member_id}", params={"from": "2020-01-01", "to": "2020-12-31"}
    )
    backwards = await billing.client.get(
        f"/v1/members-statements/{BUYER.member_id}", params={"from": today, "to": "2020-01-01"}
    )

    body = statement.json()
    assert [(e["kind"], e["number"], e["debit"], e["credit"]) for e in body["entries"]] == [
        ("invoice", first["number"], "1200.00", "0.00"),
        ("invoice", second["number"], "60.00", "0.00"),
        ("credit_note", note["number"], "0.00", "120.00"),
    ]
    assert (body["opening_balance"], body["total_debit"], body["total_credit"], body["closing_balance"]) == (
        "0.00",
        "1260.00",
        "120.00",
        "1140.00",
    )
    assert body["entries"][2]["reference"] == first["number"] and body["payments_included"] is False
    assert before.json()["entries"] == [] and before.json()["closing_balance"] == "0.00"
    assert backwards.status_code == 422
    unknown = await billing.client.get("/v1/members-statements/nobody", params={"from": today, "to": today})
    assert unknown.status_code == 404
