"""The daily job (idempotent: a second run the same day changes nothing): overdue member invoices,
their reminders (relances), and the syndicate's own payment deadlines to the contractor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.billing.adapters.payments import PaymentRepository
from services.billing.adapters.supplier_payment_queries import SupplierPaymentQueries
from services.billing.domain.dunning import (
    DunningView,
    ReminderLevel,
    is_overdue,
    reminder_due,
    reminder_text,
)
from services.billing.domain.payment import invoice_balance
from shared.contracts.billing import InvoiceOverdue, SupplierPaymentDue, SupplierPaymentLate
from shared.uow import UnitOfWork

# How far ahead the syndicate is warned of its own deadline.
SUPPLIER_WARNING = dt.timedelta(days=7)


@dataclass(frozen=True)
class DailyRun:
    on: dt.date
    overdue: int
    reminders: int
    resolved: int
    supplier_due: int
    supplier_late: int


async def run_daily(today: dt.date, uow: UnitOfWork) -> DailyRun:
    """Everything the day calls for, in one transaction. Commits."""
    payments = PaymentRepository(uow.session)
    overdue = reminders = resolved = 0
    horizon = today + dt.timedelta(days=7)  # the J-7 reminder looks a week ahead
    for row in await payments.dunnable(horizon):
        balance = invoice_balance(row.total_incl_tax, row.credited, row.paid)
        if balance <= 0:
            resolved += await payments.resolve(row.id, today)
            continue
        if is_overdue(row.due_date, balance, today) and await payments.mark_overdue(
            row.id, row.member_id, row.due_date, today
        ):
            overdue += 1
            uow.emit(
                InvoiceOverdue(
                    invoice_id=str(row.id),
                    number=row.number,
                    member_id=row.member_id,
                    due_date=row.due_date,
                    balance=balance,
                )
            )
        sent = frozenset(ReminderLevel(level) for level in await payments.sent_levels(row.id))
        view = DunningView(row.number, row.due_date, balance, sent)
        level = reminder_due(view, today)
        if level is not None and await payments.add_reminder(
            {
                "invoice_id": row.id,
                "invoice_number": row.number,
                "member_id": row.member_id,
                "level": level.value,
                "due_date": row.due_date,
                "sent_on": today,
                "balance": balance,
                "text": reminder_text(level, view),
            }
        ):
            reminders += 1
    due, late = await _supplier_deadlines(today, uow)
    await uow.commit()
    return DailyRun(today, overdue, reminders, resolved, due, late)


async def _supplier_deadlines(today: dt.date, uow: UnitOfWork) -> tuple[int, int]:
    payments = PaymentRepository(uow.session)
    due = late = 0
    for row in await SupplierPaymentQueries(uow.session).unpaid_until(today + SUPPLIER_WARNING):
        kind = "late" if row.payment_deadline < today else "due"
        if not await payments.alert_once(row.id, kind, today, f"deadline {row.payment_deadline}"):
            continue
        common: dict[str, Any] = {
            "supplier_invoice_id": str(row.id),
            "supplier_invoice_number": row.number,
            "po_number": row.po_number,
            "payment_deadline": row.payment_deadline,
        }
        if kind == "late":
            late += 1
            uow.emit(SupplierPaymentLate(**common))
        else:
            due += 1
            uow.emit(SupplierPaymentDue(**common))
    return due, late


async def reminders_of(uow: UnitOfWork, *, member_id: str | None, invoice_id: str | None) -> list[Any]:
    return await PaymentRepository(uow.session).reminders(member_id=member_id, invoice_id=invoice_id)


async def overdue_of(uow: UnitOfWork, *, member_id: str | None) -> list[Any]:
    return await PaymentRepository(uow.session).overdue(member_id=member_id)
