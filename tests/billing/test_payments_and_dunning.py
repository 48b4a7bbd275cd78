"""Payments from the treasury's statements (partial, CSV, never above the balance), the member's
balance and statement, and the daily job: overdue invoices and reminders J-7, J, J+15, J+30, resolved
when paid."""

from __future__ import annotations

import uuid
from decimal import Decimal

from shared.security.principal import Role
from tests.apps import RunningServices, bearer
from tests.billing.chorus_helpers import deposit, emitted, invoice_for_chorus, report


async def made_available(billing: RunningServices) -> dict:
    """An invoice made available on 31 January 2027: due 2 March 2027."""
    invoice = await invoice_for_chorus(billing)
    await deposit(billing, invoice["id"])
    await report(billing, invoice["id"], ("MISE_A_DISPOSITION", "2027-01-31T09:00:00+01:00"))
    return invoice


async def pay(billing: RunningServices, invoice: dict, amount: str, reference: str, on: str = "2027-03-10"):
    return await billing.client.post(
        "/v1/payments",
        json={"invoice_id": invoice["id"], "amount": amount, "paid_on": on, "reference": reference},
    )


async def run(billing: RunningServices, day: str) -> dict:
    answer = await billing.client.post("/v1/dunning/run", json={"on": day})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_partial_payments_and_a_payment_above_the_balance(billing: RunningServices) -> None:
    invoice = await made_available(billing)
    total = Decimal(invoice["total_incl_tax"])
    first = await pay(billing, invoice, "1000.00", "TRESOR-2027-0001")
    assert first.status_code == 201, first.text
    too_much = await pay(
        billing, invoice, str(total - Decimal("1000.00") + Decimal("0.01")), "TRESOR-2027-0002"
    )
    assert too_much.status_code == 422
    # 10 x 125.00 at 20 % and 4 x 49.99 at 5.5 %: 1 710.96 incl. tax, 710.96 left after 1 000.00.
    assert total == Decimal("1710.96")
    assert too_much.json()["errors"] == [
        {"field": "amount", "reason": "the payment of 710.97 € exceeds the invoice's balance of 710.96 €"}
    ]
    again = await pay(billing, invoice, "1.00", "TRESOR-2027-0001")
    assert again.status_code == 409
    rest = await pay(billing, invoice, str(total - Decimal("1000.00")), "TRESOR-2027-0003")
    assert rest.status_code == 201
    balance = (await billing.client.get(f"/v1/members-balances/{invoice['buyer']['member_id']}")).json()
    assert (balance["balance"], balance["invoices"][0]["paid"]) == ("0.00", invoice["total_incl_tax"])
    assert [p["balance"] for p in await emitted(billing, "billing.payment.recorded")] == [
        f"{total - 1000:.2f}",
        "0.00",
    ]
    assert [p["paid_on"] for p in await emitted(billing, "billing.invoice.paid")] == ["2027-03-10"]
    statement = await billing.client.get(
        f"/v1/members-statements/{invoice['buyer']['member_id']}",
        params={"from": "2026-01-01", "to": "2027-12-31"},
    )
    kinds = [(e["kind"], e["credit"]) for e in statement.json()["entries"]]
    assert ("payment", "1000.00") in kinds and statement.json()["closing_balance"] == "0.00"


async def test_a_statement_with_a_bad_line_imports_nothing_and_names_the_line(
    billing: RunningServices,
) -> None:
    invoice = await made_available(billing)
    bad = (
        "invoice_number;amount;paid_on;reference\n"
        f"{invoice['number']};100,00;05/03/2027;REL-1\n"
        f"{invoice['number']};cent;05/03/2027;REL-2\n"
        "FAC-M-2099-999999;10.00;2027-03-05;REL-3\n"
    )
    refused = await billing.client.post(
        "/v1/payments/statements", files={"file": ("releve.csv", bad, "text/csv")}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [(e["line"], e["reason"]) for e in refused.json()["errors"]] == [
        (3, "amount 'cent' is not a number"),
        (4, "no invoice FAC-M-2099-999999"),
    ]
    balance = (await billing.client.get(f"/v1/members-balances/{invoice['buyer']['member_id']}")).json()
    assert balance["invoices"][0]["paid"] == "0.00"

    good = (
        "invoice_number;amount;paid_on;reference\n"
        f"{invoice['number']};100,00;05/03/2027;REL-1\n"
        f"{invoice['number']};50.50;2027-03-06;REL-2\n"
    )
    imported = await billing.client.post(
        "/v1/payments/statements", files={"file": ("releve.csv", good, "text/csv")}
    )
    assert imported.status_code == 201 and imported.json()["imported"] == 2
    balance = (await billing.client.get(f"/v1/members-balances/{invoice['buyer']['member_id']}")).json()
    assert balance["invoices"][0]["paid"] == "150.50"
    replayed = await billing.client.post(
        "/v1/payments/statements", files={"file": ("releve.csv", good, "text/csv")}
    )
    assert replayed.status_code == 422 and "already recorded" in replayed.json()["errors"][0]["reason"]


async def test_reminders_at_each_level_overdue_once_and_resolved_when_paid(billing: RunningServices) -> None:
    invoice = await made_available(billing)
    member = invoice["buyer"]["member_id"]
    assert (await run(billing, "2027-02-22"))["reminders"] == 0
    assert (await run(billing, "2027-02-23"))["reminders"] == 1  # J-7
    assert (await run(billing, "2027-02-23"))["reminders"] == 0  # the same day again: nothing
    assert (await run(billing, "2027-03-02"))["reminders"] == 1  # J
    day_after = await run(billing, "2027-03-03")
    assert (day_after["overdue"], day_after["reminders"]) == (1, 0)
    assert (await run(billing, "2027-03-04"))["overdue"] == 0  # published once
    assert (await run(billing, "2027-03-17"))["reminders"] == 1  # J+15
    await pay(billing, invoice, "100.00", "TRESOR-P1", on="2027-03-20")
    assert (await run(billing, "2027-04-01"))["reminders"] == 1  # J+30, still something left

    reminders = (await billing.client.get("/v1/reminders", params={"invoice_id": invoice["id"]})).json()
    assert [(r["level"], r["sent_on"]) for r in reminders] == [
        ("J-7", "2027-02-23"),
        ("J", "2027-03-02"),
        ("J+15", "2027-03-17"),
        ("J+30", "2027-04-01"),
    ]
    left = Decimal(invoice["total_incl_tax"]) - 100
    assert reminders[-1]["balance"] == f"{left:.2f}" and f"{left:.2f} €" in reminders[-1]["text"]
    assert [e["due_date"] for e in await emitted(billing, "billing.invoice.overdue")] == ["2027-03-02"]

    own = await billing.client.get("/v1/reminders", headers=bearer(Role.MEMBER, member_id=member))
    other = await billing.client.get(
        "/v1/reminders", headers=bearer(Role.MEMBER, member_id=str(uuid.uuid4()))
    )
    assert len(own.json()) == 4 and other.json() == []

    await pay(billing, invoice, f"{left:.2f}", "TRESOR-P2", on="2027-04-03")
    reminders = (await billing.client.get("/v1/reminders", params={"invoice_id": invoice["id"]})).json()
    assert {r["resolved_on"] for r in reminders} == {"2027-04-03"}
    overdue = (await billing.client.get("/v1/overdue-invoices")).json()
    assert [(o["overdue_since"], o["resolved_on"]) for o in overdue] == [("2027-03-03", "2027-04-03")]
    assert (await run(billing, "2027-05-01"))["reminders"] == 0


async def test_an_invoice_not_yet_made_available_is_not_dunned(billing: RunningServices) -> None:
    await invoice_for_chorus(billing)
    assert (await run(billing, "2027-12-31"))["reminders"] == 0
    assert (await billing.client.get("/v1/reminders")).json() == []


async def test_only_finance_records_payments_and_runs_the_job(billing: RunningServices) -> None:
    viewer = bearer(Role.VIEWER)
    assert (
        await billing.client.post("/v1/dunning/run", json={"on": "2027-01-01"}, headers=viewer)
    ).status_code == 403
    body = {"invoice_number": "X", "amount": "1.00", "paid_on": "2027-01-01", "reference": "R"}
    assert (await billing.client.post("/v1/payments", json=body, headers=viewer)).status_code == 403
    assert (
        await billing.client.post("/v1/payments", json=body, headers=bearer(Role.FINANCE))
    ).status_code == 404
