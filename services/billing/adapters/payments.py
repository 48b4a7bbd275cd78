"""SQL of payments, balances, dunning (overdue invoices and reminders) and supplier payments."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.chorus_tables import invoice_transmissions
from services.billing.adapters.payment_tables import (
    overdue_invoices,
    payments,
    reminders,
    supplier_payment_alerts,
    supplier_payments,
)
from services.billing.adapters.tables import credit_notes, member_invoices
from services.billing.domain.chorus_status import Stage
from services.billing.domain.payment import Payment
from shared.db import dialect_insert, utcnow

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceBalanceRow:
    id: uuid.UUID
    number: str
    member_id: str
    issue_date: dt.date
    provisional_due_date: dt.date
    total_incl_tax: Decimal
    credited: Decimal
    paid: Decimal
    due_date: dt.date | None  # the legal one, once the invoice was made available
    stage: str | None


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, payment: Payment, *, source: str, recorded_by: str) -> None:
        await self.session.execute(
            insert(payments).values(
                id=uuid.UUID(payment.id),
                invoice_id=uuid.UUID(payment.invoice_id),
                invoice_number=payment.invoice_number,
                member_id=payment.member_id,
                amount=payment.amount,
                paid_on=payment.paid_on,
                reference=payment.reference,
                source=source,
                recorded_by=recorded_by,
                recorded_at=utcnow(),
            )
        )

    async def invoice_locked(self, *, invoice_id: str | None, number: str | None) -> Any:
        """(id, number, member_id) of the invoice, its row locked (a lock, not a change)."""
        query = select(member_invoices.c.id, member_invoices.c.number, member_invoices.c.member_id)
        if invoice_id is not None:
            try:
                query = query.where(member_invoices.c.id == uuid.UUID(invoice_id))
            except ValueError:
                return None
        else:
            query = query.where(member_invoices.c.number == number)
        return (await self.session.execute(query.with_for_update())).first()

    async def reference_used(self, reference: str) -> bool:
        found = await self.session.execute(select(payments.c.id).where(payments.c.reference == reference))
        return found.first() is not None

    async def for_invoice(self, invoice_id: str) -> list[Any]:
        query = (
            select(payments)
            .where(payments.c.invoice_id == uuid.UUID(invoice_id))
            .order_by(payments.c.paid_on)
        )
        return list((await self.session.execute(query)).all())

    async def for_member(self, member_id: str, until: dt.date) -> list[Any]:
        query = (
            select(payments)
            .where(payments.c.member_id == member_id, payments.c.paid_on <= until)
            .order_by(payments.c.paid_on, payments.c.reference)
        )
        return list((await self.session.execute(query)).all())

    async def balances(
        self, *, member_id: str | None = None, invoice_id: str | None = None
    ) -> list[InvoiceBalanceRow]:
        """Per member invoice: total incl. tax, credited, paid, and the transmission's legal due date.

        Sums are made here, in Decimal: SQLite would sum the stored amounts as floats."""
        t = invoice_transmissions
        query = (
            select(
                member_invoices.c.id,
                member_invoices.c.number,
                member_invoices.c.member_id,
                member_invoices.c.issue_date,
                member_invoices.c.due_date.label("provisional_due_date"),
                member_invoices.c.total_incl_tax,
                t.c.due_date,
                t.c.stage,
            )
            .select_from(member_invoices.outerjoin(t, t.c.invoice_id == member_invoices.c.id))
            .order_by(member_invoices.c.number)
        )
        credited_q = select(credit_notes.c.invoice_id, credit_notes.c.total_incl_tax.label("amount"))
        paid_q = select(payments.c.invoice_id, payments.c.amount)
        if member_id is not None:
            query = query.where(member_invoices.c.member_id == member_id)
            credited_q = credited_q.where(credit_notes.c.member_id == member_id)
            paid_q = paid_q.where(payments.c.member_id == member_id)
        if invoice_id is not None:
            key = uuid.UUID(invoice_id)
            query = query.where(member_invoices.c.id == key)
            credited_q = credited_q.where(credit_notes.c.invoice_id == key)
            paid_q = paid_q.where(payments.c.invoice_id == key)
        credited: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
        for row in await self.session.execute(credited_q):
            credited[row.invoice_id] += row.amount
        paid: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
        for row in await self.session.execute(paid_q):
            paid[row.invoice_id] += row.amount
        return [
            InvoiceBalanceRow(
                id=row.id,
                number=row.number,
                member_id=row.member_id,
                issue_date=row.issue_date,
                provisional_due_date=row.provisional_due_date,
                total_incl_tax=row.total_incl_tax,
                credited=credited[row.id],
                paid=paid[row.id],
                due_date=row.due_date,
                stage=row.stage,
            )
            for row in await self.session.execute(query)
        ]

    async def dunnable(self, until: dt.date) -> list[InvoiceBalanceRow]:
        """Invoices with a legal due date no later than `until` (the J-7 horizon), not replaced."""
        rows = await self.balances()
        return [
            r
            for r in rows
            if r.due_date is not None and r.due_date <= until and r.stage != Stage.REPLACED.value
        ]

    # --- dunning --------------------------------------------------------------------------------------

    async def sent_levels(self, invoice_id: uuid.UUID) -> set[str]:
        rows = await self.session.execute(
            select(reminders.c.level).where(reminders.c.invoice_id == invoice_id)
        )
        return {r.level for r in rows}

    async def add_reminder(self, values: dict[str, Any]) -> bool:
        """False when that level was already recorded (a second run of the job the same day)."""
        result = await self.session.execute(
            dialect_insert(self.session)(reminders)
            .values(id=uuid.uuid4(), **values)
            .on_conflict_do_nothing(index_elements=["invoice_id", "level"])
        )
        return bool(result.rowcount)

    async def mark_overdue(
        self, invoice_id: uuid.UUID, member_id: str, due_date: dt.date, on: dt.date
    ) -> bool:
        """True the first time the invoice is found overdue (or again after it had been resolved)."""
        row = (
            await self.session.execute(
                select(overdue_invoices).where(overdue_invoices.c.invoice_id == invoice_id)
            )
        ).first()
        if row is None:
            result = await self.session.execute(
                dialect_insert(self.session)(overdue_invoices)
                .values(invoice_id=invoice_id, member_id=member_id, due_date=due_date, overdue_since=on)
                .on_conflict_do_nothing(index_elements=["invoice_id"])
            )
            return bool(result.rowcount)
        return False

    async def resolve(self, invoice_id: uuid.UUID, on: dt.date) -> bool:
        """Close the invoice's overdue record and reminders; True when there was something open."""
        closed = await self.session.execute(
            update(overdue_invoices)
            .where(overdue_invoices.c.invoice_id == invoice_id, overdue_invoices.c.resolved_on.is_(None))
            .values(resolved_on=on)
        )
        closed_reminders = await self.session.execute(
            update(reminders)
            .where(reminders.c.invoice_id == invoice_id, reminders.c.resolved_on.is_(None))
            .values(resolved_on=on)
        )
        return bool(closed.rowcount or closed_reminders.rowcount)

    async def reminders(self, *, member_id: str | None, invoice_id: str | None) -> list[Any]:
        query = select(reminders).order_by(reminders.c.sent_on, reminders.c.invoice_number)
        if member_id is not None:
            query = query.where(reminders.c.member_id == member_id)
        if invoice_id is not None:
            try:
                query = query.where(reminders.c.invoice_id == uuid.UUID(invoice_id))
            except ValueError:
                return []  # not an invoice id: no reminder of it
        return list((await self.session.execute(query)).all())

    async def overdue(self, *, member_id: str | None) -> list[Any]:
        query = select(overdue_invoices).order_by(overdue_invoices.c.due_date)
        if member_id is not None:
            query = query.where(overdue_invoices.c.member_id == member_id)
        return list((await self.session.execute(query)).all())

    # --- the syndicate's payments to the contractor --------------------------------------------------

    async def supplier_payment(self, supplier_invoice_id: uuid.UUID) -> Any:
        query = select(supplier_payments).where(
            supplier_payments.c.supplier_invoice_id == supplier_invoice_id
        )
        return (await self.session.execute(query)).first()

    async def add_supplier_payment(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(supplier_payments).values(recorded_at=utcnow(), **values))

    async def paid_supplier_invoices(self) -> set[uuid.UUID]:
        return set((await self.session.execute(select(supplier_payments.c.supplier_invoice_id))).scalars())

    async def alert_once(self, supplier_invoice_id: uuid.UUID, kind: str, on: dt.date, detail: str) -> bool:
        result = await self.session.execute(
            dialect_insert(self.session)(supplier_payment_alerts)
            .values(supplier_invoice_id=supplier_invoice_id, kind=kind, on=on, detail=detail)
            .on_conflict_do_nothing(index_elements=["supplier_invoice_id", "kind"])
        )
        return bool(result.rowcount)
