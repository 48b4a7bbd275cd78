"""Recording member payments from the public accountant's statements (encaissements), one by one or as
a CSV statement, and the balances they leave."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.billing.adapters.payments import PaymentRepository
from services.billing.domain.payment import Payment, check_payment, invoice_balance
from services.billing.domain.payment_statement import LineProblem, parse_statement
from shared.contracts.billing import InvoicePaid, PaymentRecorded
from shared.errors import ApplicationError, BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RecordPayment:
    amount: Decimal
    paid_on: dt.date
    reference: str
    invoice_id: str | None = None
    invoice_number: str | None = None


class StatementRefused(BusinessRuleViolation):
    """A statement with at least one bad line: nothing of it was imported; `problems` names each line."""

    def __init__(self, problems: list[LineProblem]) -> None:
        summary = "; ".join(f"line {p.line}: {p.reason}" for p in problems)
        super().__init__(f"the statement was not imported: {summary}", field="file")
        self.problems = problems


async def _invoice_row(uow: UnitOfWork, command: RecordPayment) -> Any:
    row = await PaymentRepository(uow.session).invoice_locked(
        invoice_id=command.invoice_id, number=command.invoice_number
    )
    if row is None:
        raise NotFound(f"no invoice {command.invoice_id or command.invoice_number}", field="invoice_number")
    return row


async def _record(command: RecordPayment, uow: UnitOfWork, *, source: str, actor: str) -> Payment:
    """Record one payment in the caller's transaction. The invoice row is locked (not changed) so two
    payments of one invoice are checked one after the other against its balance."""
    row = await _invoice_row(uow, command)
    payments = PaymentRepository(uow.session)
    if await payments.reference_used(command.reference):
        raise Conflict(f"the statement line {command.reference} is already recorded", field="reference")
    (balance_row,) = await payments.balances(invoice_id=str(row.id))
    balance = invoice_balance(balance_row.total_incl_tax, balance_row.credited, balance_row.paid)
    check_payment(command.amount, balance)
    payment = Payment(
        str(uuid.uuid4()),
        str(row.id),
        row.number,
        row.member_id,
        command.amount,
        command.paid_on,
        command.reference,
    )
    await payments.add(payment, source=source, recorded_by=actor)
    left = balance - command.amount
    uow.emit(
        PaymentRecorded(
            payment_id=payment.id,
            invoice_id=payment.invoice_id,
            invoice_number=payment.invoice_number,
            member_id=payment.member_id,
            amount=payment.amount,
            paid_on=payment.paid_on,
            reference=payment.reference,
            balance=left,
        )
    )
    if left == 0:
        await payments.resolve(row.id, command.paid_on)
        uow.emit(
            InvoicePaid(
                invoice_id=payment.invoice_id,
                number=row.number,
                member_id=row.member_id,
                paid_on=command.paid_on,
            )
        )
    return payment


async def record_payment(command: RecordPayment, uow: UnitOfWork, *, actor: str) -> Payment:
    """One payment; partial payments are allowed, more than the balance is refused (422). Commits."""
    payment = await _record(command, uow, source="api", actor=actor)
    await uow.commit()
    return payment


async def import_statement(text: str, uow: UnitOfWork, *, actor: str) -> list[Payment]:
    """Every line of the statement, or none: a malformed line, an unknown invoice, a reference already
    recorded or an amount above the balance refuses the whole file (422), each bad line named."""
    lines, problems = parse_statement(text)
    recorded = []
    for line in lines:
        try:
            recorded.append(
                await _record(
                    RecordPayment(
                        line.amount, line.paid_on, line.reference, invoice_number=line.invoice_number
                    ),
                    uow,
                    source="csv",
                    actor=actor,
                )
            )
        except ApplicationError as refused:
            problems.append(LineProblem(line.line, refused.detail))
    if problems:
        raise StatementRefused(sorted(problems, key=lambda p: p.line))  # the transaction rolls back
    await uow.commit()
    return recorded


async def balances(uow: UnitOfWork, member_id: str) -> list[dict[str, Any]]:
    """Per invoice of the member: amount, credited, paid, balance and due date (legal when known)."""
    rows = await PaymentRepository(uow.session).balances(member_id=member_id)
    return [
        {
            "invoice_id": str(r.id),
            "number": r.number,
            "issue_date": r.issue_date,
            "due_date": r.due_date or r.provisional_due_date,
            "due_date_is_provisional": r.due_date is None,
            "total_incl_tax": r.total_incl_tax,
            "credited": r.credited,
            "paid": r.paid,
            "balance": invoice_balance(r.total_incl_tax, r.credited, r.paid),
        }
        for r in rows
    ]


async def invoice_payments(uow: UnitOfWork, invoice_id: str) -> list[Any]:
    return await PaymentRepository(uow.session).for_invoice(invoice_id)
