"""SQL of billing's read models: members, purchase orders and service-done attestations as the other
services published them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.mapping import buyer_from_json, buyer_to_json, line_from_row, line_values
from services.billing.adapters.tables import (
    attestation_lines,
    attestations,
    members,
    purchase_order_lines,
    purchase_orders,
)
from services.billing.domain.lines import Buyer
from services.billing.domain.purchase_order import PurchaseOrder
from shared.db import dialect_insert, utcnow


class MemberDirectory:
    """The members billing may invoice (identity, billing SIRET, Chorus routing), latest state wins."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, buyer: Buyer, as_of: dt.datetime) -> None:
        values = buyer_to_json(buyer)
        values.pop("member_id")
        upsert = dialect_insert(self.session)(members).values(
            member_id=buyer.member_id, as_of=as_of, **values
        )
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["member_id"],
                set_={**values, "as_of": as_of},
                # An event older than the row (redelivered, reordered) does not roll the member back.
                where=members.c.as_of <= as_of,
            )
        )

    async def get(self, member_id: str) -> dict[str, Any] | None:
        row = (await self.session.execute(select(members).where(members.c.member_id == member_id))).first()
        return dict(row._mapping) if row else None


class PurchaseOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(self, order: PurchaseOrder, quote_id: str) -> bool:
        """A PO is immutable once issued: a second event about it (another message id) changes nothing."""
        result = await self.session.execute(
            dialect_insert(self.session)(purchase_orders)
            .values(
                po_number=order.po_number,
                purchase_order_id=order.id,
                quote_id=quote_id,
                quote_number=order.quote_number,
                member_id=order.member_id,
                commitment_number=order.commitment_number,
                issued_on=order.issued_on,
                buyer=buyer_to_json(order.buyer),
                total_excl_tax=order.total_excl_tax,
                recorded_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self.session.execute(
            insert(purchase_order_lines),
            [{"po_number": order.po_number, **line_values(line)} for line in order.lines],
        )
        return True

    async def get(self, po_number: str, *, for_update: bool = False) -> PurchaseOrder | None:
        """`for_update` serialises the invoices of one PO: each is matched against what the others claimed."""
        query = select(purchase_orders).where(purchase_orders.c.po_number == po_number)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        lines = (
            await self.session.execute(
                select(purchase_order_lines)
                .where(purchase_order_lines.c.po_number == po_number)
                .order_by(purchase_order_lines.c.line_no)
            )
        ).all()
        return PurchaseOrder(
            id=row.purchase_order_id,
            po_number=row.po_number,
            quote_number=row.quote_number,
            member_id=row.member_id,
            commitment_number=row.commitment_number,
            issued_on=row.issued_on,
            buyer=buyer_from_json(row.buyer),
            lines=tuple(line_from_row(r) for r in lines),
            total_excl_tax=Decimal(row.total_excl_tax),
        )


class AttestationRepository:
    """Service-done attestations (service fait) per PO; each recorded once, whatever redeliveries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(
        self,
        *,
        attestation_id: str,
        po_number: str,
        attested_on: dt.date,
        attested_by: str,
        quantities: dict[int, Decimal],
    ) -> bool:
        result = await self.session.execute(
            dialect_insert(self.session)(attestations)
            .values(
                attestation_id=attestation_id,
                po_number=po_number,
                attested_on=attested_on,
                attested_by=attested_by,
                recorded_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        if quantities:
            await self.session.execute(
                insert(attestation_lines),
                [
                    {"attestation_id": attestation_id, "line_no": line_no, "quantity": quantity}
                    for line_no, quantity in quantities.items()
                ],
            )
        return True

    async def attested_quantities(self, po_number: str) -> dict[int, Decimal]:
        """Quantity attested as done per PO line, summed over the PO's attestations."""
        rows = (
            await self.session.execute(
                select(attestation_lines.c.line_no, attestation_lines.c.quantity)
                .join(attestations, attestations.c.attestation_id == attestation_lines.c.attestation_id)
                .where(attestations.c.po_number == po_number)
            )
        ).all()
        totals: dict[int, Decimal] = {}
        for row in rows:  # summed here: `Money` is text on SQLite
            totals[row.line_no] = totals.get(row.line_no, Decimal(0)) + Decimal(row.quantity)
        return totals

    async def last_attested_on(self, po_number: str) -> dt.date | None:
        rows = (
            await self.session.execute(
                select(attestations.c.attested_on).where(attestations.c.po_number == po_number)
            )
        ).all()
        return max((row.attested_on for row in rows), default=None)
