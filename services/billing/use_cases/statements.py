"""A member's statement over a period: its invoices, credit notes and payments (the treasury's
statement references), with the opening and closing balances."""

from __future__ import annotations

import datetime as dt

from services.billing.adapters.credit_notes import CreditNoteRepository
from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.payments import PaymentRepository
from services.billing.adapters.read_models import MemberDirectory
from services.billing.domain.statement import ZERO, Statement, StatementEntry, build_statement
from shared.errors import BusinessRuleViolation, NotFound
from shared.uow import UnitOfWork


async def member_statement(member_id: str, start: dt.date, end: dt.date, uow: UnitOfWork) -> Statement:
    if start > end:
        raise BusinessRuleViolation("the period ends before it starts", field="to")
    invoices = await MemberInvoiceRepository(uow.session).for_member(member_id, end)
    notes = await CreditNoteRepository(uow.session).for_member(member_id, end)
    if not invoices and not notes and not await _known(member_id, uow):
        raise NotFound(f"member {member_id} is unknown to billing")
    entries = [
        StatementEntry(row.issue_date, "invoice", str(row.id), row.number, row.total_incl_tax, ZERO)
        for row in invoices
    ] + [
        StatementEntry(
            row.issue_date,
            "credit_note",
            str(row.id),
            row.number,
            ZERO,
            row.total_incl_tax,
            row.invoice_number,
        )
        for row in notes
    ]
    entries += [
        StatementEntry(
            row.paid_on, "payment", str(row.id), row.reference, ZERO, row.amount, row.invoice_number
        )
        for row in await PaymentRepository(uow.session).for_member(member_id, end)
    ]
    return build_statement(member_id, start, end, entries)


async def _known(member_id: str, uow: UnitOfWork) -> bool:
    """Registered with billing, or invoiced at some time (a member billing knows from its POs only)."""
    if await MemberDirectory(uow.session).get(member_id) is not None:
        return True
    return bool(await MemberInvoiceRepository(uow.session).for_member(member_id, dt.date.max))
