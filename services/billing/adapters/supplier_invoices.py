"""SQL of supplier invoices (factures fournisseur) and their lines."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.mapping import line_from_row, line_values
from services.billing.adapters.tables import (
    supplier_invoice_lines,
    supplier_invoice_uploads,
    supplier_invoices,
)
from services.billing.domain.matching import Discrepancy
from services.billing.domain.supplier_invoice import (
    CLAIMING_STATUSES,
    StaffDecision,
    SupplierInvoice,
    SupplierInvoiceStatus,
)
from shared.db import utcnow, uuid_or_none
from shared.errors import Conflict


class SupplierInvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invoice: SupplierInvoice) -> None:
        try:
            await self.session.execute(
                insert(supplier_invoices).values(
                    id=uuid.UUID(invoice.id),
                    number=invoice.number,
                    po_number=invoice.po_number,
                    issue_date=invoice.issue_date,
                    received_on=invoice.received_on,
                    payment_deadline=invoice.payment_deadline,
                    total_excl_tax=invoice.total_excl_tax,
                    status=invoice.status.value,
                    discrepancies=[asdict(d) for d in invoice.discrepancies],
                    created_at=utcnow(),
                    source=invoice.source,
                    upload_id=uuid.UUID(invoice.upload_id) if invoice.upload_id else None,
                )
            )
        except IntegrityError:
            # Two submissions of the same number raced past `number_taken`: the unique index decides.
            raise Conflict(
                f"supplier invoice {invoice.number} was already received", field="supplier_invoice_number"
            ) from None
        await self.session.execute(
            insert(supplier_invoice_lines),
            [{"supplier_invoice_id": uuid.UUID(invoice.id), **line_values(line)} for line in invoice.lines],
        )

    async def record_decision(self, invoice: SupplierInvoice) -> None:
        """The staff decision on an exception: its new status and the decision itself, nothing else."""
        decision = invoice.decision
        assert decision is not None
        await self.session.execute(
            update(supplier_invoices)
            .where(supplier_invoices.c.id == uuid.UUID(invoice.id))
            .values(
                status=invoice.status.value,
                decision_reason=decision.reason,
                decided_by=decision.decided_by,
                decided_at=decision.decided_at,
            )
        )

    async def number_taken(self, number: str) -> bool:
        query = select(supplier_invoices.c.id).where(supplier_invoices.c.number == number)
        return (await self.session.execute(query)).first() is not None

    async def get(self, invoice_id: str, *, for_update: bool = False) -> SupplierInvoice | None:
        key = uuid_or_none(invoice_id)
        if key is None:
            return None
        query = select(supplier_invoices).where(supplier_invoices.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        lines = (
            await self.session.execute(
                select(supplier_invoice_lines)
                .where(supplier_invoice_lines.c.supplier_invoice_id == key)
                .order_by(supplier_invoice_lines.c.line_no)
            )
        ).all()
        return _invoice(row, lines)

    async def claimed_quantities(self, po_number: str) -> dict[int, Decimal]:
        """Quantity per PO line claimed by the PO's supplier invoices (matched, or exception pending)."""
        return await self._quantities(po_number, CLAIMING_STATUSES)

    async def _quantities(
        self, po_number: str, statuses: frozenset[SupplierInvoiceStatus]
    ) -> dict[int, Decimal]:
        rows = (
            await self.session.execute(
                select(supplier_invoice_lines.c.line_no, supplier_invoice_lines.c.quantity)
                .join(
                    supplier_invoices, supplier_invoices.c.id == supplier_invoice_lines.c.supplier_invoice_id
                )
                .where(
                    supplier_invoices.c.po_number == po_number,
                    supplier_invoices.c.status.in_([s.value for s in statuses]),
                )
            )
        ).all()
        totals: dict[int, Decimal] = {}
        for row in rows:  # summed here: `Money` is text on SQLite, where SUM would go through floats
            totals[row.line_no] = totals.get(row.line_no, Decimal(0)) + Decimal(row.quantity)
        return totals

    async def ids_for_po(self, po_number: str) -> list[str]:
        rows = (
            await self.session.execute(
                select(supplier_invoices.c.id)
                .where(supplier_invoices.c.po_number == po_number)
                .order_by(supplier_invoices.c.created_at)
            )
        ).all()
        return [str(row.id) for row in rows]


def _invoice(row: Any, lines: Any) -> SupplierInvoice:
    return SupplierInvoice(
        id=str(row.id),
        number=row.number,
        po_number=row.po_number,
        issue_date=row.issue_date,
        received_on=row.received_on,
        payment_deadline=row.payment_deadline,
        lines=tuple(line_from_row(r) for r in lines),
        total_excl_tax=row.total_excl_tax,
        status=SupplierInvoiceStatus(row.status),
        discrepancies=tuple(Discrepancy(**d) for d in row.discrepancies),
        source=row.source,
        upload_id=str(row.upload_id) if row.upload_id else None,
        decision=StaffDecision(row.decision_reason, row.decided_by, row.decided_at)
        if row.decided_at
        else None,
    )


class UploadArchive:
    """The contractor's uploaded e-invoices, byte for byte with their sha256, accepted or refused."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(
        self,
        *,
        upload_id: str,
        filename: str | None,
        declared_type: str | None,
        content: bytes,
        sha256: str,
    ) -> None:
        await self.session.execute(
            insert(supplier_invoice_uploads).values(
                id=uuid.UUID(upload_id),
                received_at=utcnow(),
                filename=(filename or "")[:255] or None,
                declared_type=(declared_type or "")[:100] or None,
                size=len(content),
                sha256=sha256,
                content=content,
                outcome="received",
            )
        )

    async def record_outcome(
        self,
        upload_id: str,
        *,
        detected_format: str | None,
        outcome: str,
        refusal: str | None = None,
        supplier_invoice_id: str | None = None,
    ) -> None:
        await self.session.execute(
            update(supplier_invoice_uploads)
            .where(supplier_invoice_uploads.c.id == uuid.UUID(upload_id))
            .values(
                detected_format=detected_format,
                outcome=outcome,
                refusal=refusal,
                supplier_invoice_id=uuid.UUID(supplier_invoice_id) if supplier_invoice_id else None,
            )
        )

    async def get(self, upload_id: str) -> dict[str, Any] | None:
        key = uuid_or_none(upload_id)
        if key is None:
            return None
        row = (
            await self.session.execute(
                select(supplier_invoice_uploads).where(supplier_invoice_uploads.c.id == key)
            )
        ).first()
        return dict(row._mapping) if row else None
