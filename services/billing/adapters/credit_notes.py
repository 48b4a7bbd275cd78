"""SQL of credit notes (avoirs). Insert and read only, like invoices (the database refuses changes too)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.mapping import buyer_from_json, buyer_to_json, line_from_row, line_values
from services.billing.adapters.tables import credit_note_lines, credit_note_vat, credit_notes
from services.billing.domain.credit_note import AlreadyCredited, CreditNote
from services.billing.domain.numbering import InvoiceNumber, Series
from services.billing.domain.totals import CENT, Totals, VatSubtotal, line_net
from shared.db import utcnow


class CreditNoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, note: CreditNote) -> None:
        key = uuid.UUID(note.id)
        await self.session.execute(
            insert(credit_notes).values(
                id=key,
                number=str(note.number),
                series=note.number.series.value,
                year=note.number.year,
                sequence=note.number.sequence,
                invoice_id=uuid.UUID(note.invoice_id),
                invoice_number=note.invoice_number,
                invoice_issue_date=note.invoice_issue_date,
                member_id=note.member_id,
                buyer=buyer_to_json(note.buyer),
                commitment_number=note.commitment_number,
                po_number=note.po_number,
                quote_number=note.quote_number,
                reason=note.reason,
                issue_date=note.issue_date,
                total_excl_tax=note.totals.excl_tax,
                total_vat=note.totals.vat,
                total_incl_tax=note.totals.incl_tax,
                issued_at=utcnow(),
            )
        )
        await self.session.execute(
            insert(credit_note_lines),
            [
                {
                    "credit_note_id": key,
                    **line_values(line),
                    "invoice_line_no": origin,
                    "net_amount": line_net(line.quantity, line.unit_price),
                }
                for line, origin in zip(note.lines, note.invoice_line_nos, strict=True)
            ],
        )
        await self.session.execute(
            insert(credit_note_vat),
            [
                {
                    "credit_note_id": key,
                    "vat_category": row.category,
                    "vat_rate": row.rate,
                    "taxable_amount": row.taxable_amount,
                    "vat_amount": row.vat_amount,
                }
                for row in note.totals.vat_breakdown
            ],
        )

    async def get(self, credit_note_id: str) -> CreditNote | None:
        try:
            key = uuid.UUID(credit_note_id)
        except ValueError:
            return None
        row = (await self.session.execute(select(credit_notes).where(credit_notes.c.id == key))).first()
        return await self._note(row) if row else None

    async def for_invoice(self, invoice_id: str) -> list[CreditNote]:
        rows = (
            await self.session.execute(
                select(credit_notes)
                .where(credit_notes.c.invoice_id == uuid.UUID(invoice_id))
                .order_by(credit_notes.c.number)
            )
        ).all()
        return [await self._note(row) for row in rows]

    async def already_credited(self, invoice_id: str) -> AlreadyCredited:
        quantities: dict[int, Decimal] = defaultdict(Decimal)
        bases: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
        incl = Decimal(0)
        for note in await self.for_invoice(invoice_id):
            incl += note.totals.incl_tax
            for line, origin in zip(note.lines, note.invoice_line_nos, strict=True):
                if origin is not None:
                    quantities[origin] += line.quantity
            for row in note.totals.vat_breakdown:
                bases[(row.category, row.rate.quantize(CENT))] += row.taxable_amount
        return AlreadyCredited(quantities=dict(quantities), bases=dict(bases), incl_tax=incl)

    async def for_member(self, member_id: str, until: dt.date) -> list[Any]:
        query = (
            select(
                credit_notes.c.id,
                credit_notes.c.number,
                credit_notes.c.issue_date,
                credit_notes.c.total_incl_tax,
                credit_notes.c.invoice_number,
            )
            .where(credit_notes.c.member_id == member_id, credit_notes.c.issue_date <= until)
            .order_by(credit_notes.c.number)
        )
        return list((await self.session.execute(query)).all())

    async def issued_sequences(self) -> dict[tuple[str, int], list[int]]:
        rows = (
            await self.session.execute(
                select(credit_notes.c.series, credit_notes.c.year, credit_notes.c.sequence)
            )
        ).all()
        found: dict[tuple[str, int], list[int]] = defaultdict(list)
        for row in rows:
            found[(row.series, row.year)].append(row.sequence)
        return dict(found)

    async def _note(self, row: Any) -> CreditNote:
        lines = (
            await self.session.execute(
                select(credit_note_lines)
                .where(credit_note_lines.c.credit_note_id == row.id)
                .order_by(credit_note_lines.c.line_no)
            )
        ).all()
        vat = (
            await self.session.execute(
                select(credit_note_vat)
                .where(credit_note_vat.c.credit_note_id == row.id)
                .order_by(credit_note_vat.c.vat_category, credit_note_vat.c.vat_rate)
            )
        ).all()
        return CreditNote(
            id=str(row.id),
            number=InvoiceNumber(Series(row.series), row.year, row.sequence),
            issue_date=row.issue_date,
            invoice_id=str(row.invoice_id),
            invoice_number=row.invoice_number,
            invoice_issue_date=row.invoice_issue_date,
            buyer=buyer_from_json(row.buyer),
            commitment_number=row.commitment_number,
            po_number=row.po_number,
            quote_number=row.quote_number,
            reason=row.reason,
            lines=tuple(line_from_row(r) for r in lines),
            totals=Totals(
                excl_tax=row.total_excl_tax,
                vat=row.total_vat,
                incl_tax=row.total_incl_tax,
                vat_breakdown=tuple(
                    VatSubtotal(r.vat_category, r.vat_rate, r.taxable_amount, r.vat_amount) for r in vat
                ),
            ),
            invoice_line_nos=tuple(r.invoice_line_no for r in lines),
        )
