"""Issuing a credit note (avoir) on a member invoice: full or partial, never beyond the invoice."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.billing.adapters.credit_notes import CreditNoteRepository
from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.domain.credit_note import CreditNote, CreditRequest, credit_note, credit_note_lines
from services.billing.domain.numbering import Series
from services.billing.use_cases.events import credit_note_issued
from shared.errors import NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class IssueCreditNote:
    invoice_id: str
    request: CreditRequest
    issue_date: dt.date  # today in Europe/Paris, given by the caller


async def issue_credit_note(command: IssueCreditNote, uow: UnitOfWork) -> CreditNote:
    """Number the credit note in the credit-note series of its year, store it, emit
    `billing.credit_note.issued`, all in one transaction (see `credit_invoice`)."""
    note = await credit_invoice(command, uow)
    await uow.commit()
    return note


async def credit_invoice(command: IssueCreditNote, uow: UnitOfWork) -> CreditNote:
    """`issue_credit_note` inside the caller's transaction (no commit): the replacement of an invoice
    Chorus Pro rejected issues the credit note and the new invoice together.

    The invoice row is locked first (a lock, not a change: it stays immutable), so two credit notes on
    one invoice are checked one after the other against what the invoice has left. Refused (422,
    nothing written, no number taken): more than the invoice's amount, lines or quantities it does
    not have, a missing reason.
    """
    invoice = await MemberInvoiceRepository(uow.session).get(command.invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"no invoice {command.invoice_id}")
    notes = CreditNoteRepository(uow.session)
    lines, origins = credit_note_lines(invoice, command.request, await notes.already_credited(invoice.id))
    # The number comes last, just before the insert: nothing that can still refuse the issue follows it.
    number = await InvoiceNumbering(uow.session).issue(Series.CREDIT_NOTES, command.issue_date.year)
    note = credit_note(
        id=str(uuid.uuid4()),
        number=number,
        issue_date=command.issue_date,
        invoice=invoice,
        reason=command.request.reason,
        lines=lines,
        invoice_line_nos=origins,
    )
    await notes.add(note)
    uow.emit(credit_note_issued(note))
    return note


async def get_credit_note(credit_note_id: str, uow: UnitOfWork) -> CreditNote:
    note = await CreditNoteRepository(uow.session).get(credit_note_id)
    if note is None:
        raise NotFound(f"no credit note {credit_note_id}")
    return note


async def credit_notes_of_invoice(invoice_id: str, uow: UnitOfWork) -> list[CreditNote]:
    """The invoice's credit notes; 404 when there is no such invoice (not an empty list)."""
    if await MemberInvoiceRepository(uow.session).get(invoice_id) is None:
        raise NotFound(f"no invoice {invoice_id}")
    return await CreditNoteRepository(uow.session).for_invoice(invoice_id)
