"""SQL of the syndicate's payments to the contractor: what is left to pay, by deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.payment_tables import supplier_payments
from services.billing.adapters.tables import supplier_invoices
from services.billing.domain.supplier_invoice import REBILLABLE_STATUSES


class SupplierPaymentQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unpaid_until(self, until: dt.date) -> list[Any]:
        """Approved (matched or staff-approved) supplier invoices not yet paid, deadline up to `until`,
        earliest deadline first: the list to pay."""
        s = supplier_invoices
        query = (
            select(
                s.c.id, s.c.number, s.c.po_number, s.c.received_on, s.c.payment_deadline, s.c.total_excl_tax
            )
            .select_from(s.outerjoin(supplier_payments, supplier_payments.c.supplier_invoice_id == s.c.id))
            .where(
                supplier_payments.c.supplier_invoice_id.is_(None),
                s.c.status.in_([status.value for status in REBILLABLE_STATUSES]),
                s.c.payment_deadline <= until,
            )
            .order_by(s.c.payment_deadline, s.c.number)
        )
        return list((await self.session.execute(query)).all())
