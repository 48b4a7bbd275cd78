"""Invoices counted by status, for the billing dashboard: two GROUP BY queries on indexed tables."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.chorus_tables import invoice_transmissions
from services.billing.adapters.tables import member_invoices, supplier_invoices

# A member invoice with no transmission row yet has only been issued (numbered, not yet on Chorus Pro).
ISSUED = "issued"


async def invoices_by_status(session: AsyncSession) -> dict[tuple[str, str], int]:
    """`{(kind, status): count}`: supplier invoices by matching status (matched, exception, approved,
    disputed); member invoices by Chorus Pro transmission stage (waiting, deposited, rejected...)."""
    counts: dict[tuple[str, str], int] = {}
    supplier = await session.execute(
        select(supplier_invoices.c.status, func.count()).group_by(supplier_invoices.c.status)
    )
    for status, count in supplier.all():
        counts[("supplier", str(status))] = int(count)
    stage = func.coalesce(invoice_transmissions.c.stage, ISSUED)
    member = await session.execute(
        select(stage, func.count())
        .select_from(
            member_invoices.outerjoin(
                invoice_transmissions, invoice_transmissions.c.invoice_id == member_invoices.c.id
            )
        )
        .group_by(stage)
    )
    for status, count in member.all():
        counts[("member", str(status))] = int(count)
    return counts
