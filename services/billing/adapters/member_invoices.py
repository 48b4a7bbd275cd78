"""SQL of member invoices (factures). Insert and read only: there is no update path for an issued invoice
(the database refuses one too, see the migration's triggers)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.mapping import buyer_from_json, buyer_to_json, line_from_row, line_values
from services.billing.adapters.tables import member_invoice_lines, member_invoice_vat, member_invoices
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import InvoiceNumber, Series
from services.billing.domain.totals import Totals, VatSubtotal, line_net
from shared.db import utcnow, uuid_or_none


class MemberInvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invoice: MemberInvoice) -> None:
        await self.add_many([invoice])

    async def add_many(self, invoices: list[MemberInvoice]) -> None:
        """Insert issued invoices (a contribution campaign issues them by the hundred), in bulk."""
        if not invoices:
            return
        now = utcnow()
        await self.session.execute(
            insert(member_invoices),
            [
                {
                    "id": uuid.UUID(invoice.id),
                    "number": str(invoice.number),
                    "series": invoice.number.series.value,
                    "year": invoice.number.year,
                    "sequence": invoice.number.sequence,
                    "supplier_invoice_id": uuid.UUID(invoice.supplier_invoice_id)
                    if invoice.supplier_invoice_id
                    else None,
                    "member_id": invoice.member_id,
                    "buyer": buyer_to_json(invoice.buyer),
                    "commitment_number": invoice.commitment_number,
                    "po_number": invoice.po_number,
                    "quote_number": invoice.quote_number,
                    "issue_date": invoice.issue_date,
                    "due_date": invoice.due_date,
                    "due_date_is_provisional": invoice.due_date_is_provisional,
                    "total_excl_tax": invoice.totals.excl_tax,
                    "total_vat": invoice.totals.vat,
                    "total_incl_tax": invoice.totals.incl_tax,
                    "issued_at": now,
                    "service_date": invoice.service_date,
                }
                for invoice in invoices
            ],
        )
        await self.session.execute(
            insert(member_invoice_lines),
            [
                {
                    "invoice_id": uuid.UUID(invoice.id),
                    **line_values(line),
                    "net_amount": line_net(line.quantity, line.unit_price),
                }
                for invoice in invoices
                for line in invoice.lines
            ],
        )
        await self.session.execute(
            insert(member_invoice_vat),
            [
                {
                    "invoice_id": uuid.UUID(invoice.id),
                    "vat_category": row.category,
                    "vat_rate": row.rate,
                    "taxable_amount": row.taxable_amount,
                    "vat_amount": row.vat_amount,
                }
                for invoice in invoices
                for row in invoice.totals.vat_breakdown
            ],
        )

    async def get(self, invoice_id: str, *, for_update: bool = False) -> MemberInvoice | None:
        """`for_update` serialises the credit notes of one invoice (a row lock, not a change: the row
        stays immutable)."""
        key = uuid_or_none(invoice_id)
        if key is None:
            return None
        query = select(member_invoices).where(member_invoices.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return await self._invoice(row) if row else None

    async def for_member(self, member_id: str, until: dt.date) -> list[Any]:
        """(id, number, issue_date, total_incl_tax) of the member's invoices issued up to `until`."""
        query = (
            select(
                member_invoices.c.id,
                member_invoices.c.number,
                member_invoices.c.issue_date,
                member_invoices.c.total_incl_tax,
            )
            .where(member_invoices.c.member_id == member_id, member_invoices.c.issue_date <= until)
            .order_by(member_invoices.c.number)
        )
        return list((await self.session.execute(query)).all())

    async def id_for_supplier_invoice(self, supplier_invoice_id: str) -> tuple[str, str] | None:
        """(id, number) of the member invoice that rebilled this supplier invoice, if any."""
        key = uuid_or_none(supplier_invoice_id)
        row = (
            await self.session.execute(
                select(member_invoices.c.id, member_invoices.c.number).where(
                    member_invoices.c.supplier_invoice_id == key
                )
            )
        ).first()
        return (str(row.id), row.number) if row else None

    async def list(
        self, *, limit: int, after_number: str | None, member_id: str | None, po_number: str | None
    ) -> list[MemberInvoice]:
        query = select(member_invoices).order_by(member_invoices.c.number).limit(limit)
        if after_number:
            query = query.where(member_invoices.c.number > after_number)
        if member_id:
            query = query.where(member_invoices.c.member_id == member_id)
        if po_number:
            query = query.where(member_invoices.c.po_number == po_number)
        return [await self._invoice(row) for row in (await self.session.execute(query)).all()]

    async def rebilled_quantities(self, po_number: str) -> dict[int, Decimal]:
        rows = (
            await self.session.execute(
                select(member_invoice_lines.c.line_no, member_invoice_lines.c.quantity)
                .join(member_invoices, member_invoices.c.id == member_invoice_lines.c.invoice_id)
                .where(member_invoices.c.po_number == po_number)
            )
        ).all()
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for row in rows:
            totals[row.line_no] += row.quantity
        return dict(totals)

    async def issued_sequences(self) -> dict[tuple[str, int], list[int]]:
        """Every number issued, by (series, year): what the numbering check inspects."""
        rows = (
            await self.session.execute(
                select(member_invoices.c.series, member_invoices.c.year, member_invoices.c.sequence)
            )
        ).all()
        found: dict[tuple[str, int], list[int]] = defaultdict(list)
        for row in rows:
            found[(row.series, row.year)].append(row.sequence)
        return dict(found)

    async def _invoice(self, row: Any) -> MemberInvoice:
        lines = (
            await self.session.execute(
                select(member_invoice_lines)
                .where(member_invoice_lines.c.invoice_id == row.id)
                .order_by(member_invoice_lines.c.line_no)
            )
        ).all()
        vat = (
            await self.session.execute(
                select(member_invoice_vat)
                .where(member_invoice_vat.c.invoice_id == row.id)
                .order_by(member_invoice_vat.c.vat_category, member_invoice_vat.c.vat_rate)
            )
        ).all()
        return MemberInvoice(
            id=str(row.id),
            number=InvoiceNumber(Series(row.series), row.year, row.sequence),
            issue_date=row.issue_date,
            due_date=row.due_date,
            due_date_is_provisional=row.due_date_is_provisional,
            buyer=buyer_from_json(row.buyer),
            commitment_number=row.commitment_number,
            po_number=row.po_number,
            quote_number=row.quote_number,
            supplier_invoice_id=str(row.supplier_invoice_id) if row.supplier_invoice_id else None,
            lines=tuple(line_from_row(r) for r in lines),
            totals=Totals(
                excl_tax=row.total_excl_tax,
                vat=row.total_vat,
                incl_tax=row.total_incl_tax,
                vat_breakdown=tuple(
                    VatSubtotal(r.vat_category, r.vat_rate, r.taxable_amount, r.vat_amount) for r in vat
                ),
            ),
            service_date=row.service_date,
        )
