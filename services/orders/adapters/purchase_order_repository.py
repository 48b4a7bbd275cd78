"""SQL for purchase orders (bons de commande), their lines and their history."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.adapters.lines import line_from_row, line_values
from services.orders.adapters.tables import purchase_order_history, purchase_order_lines, purchase_orders
from services.orders.domain.member_directory import ChorusRequirement, MemberIdentity, PostalAddress
from services.orders.domain.purchase_order import HistoryEntry, PurchaseOrder, PurchaseOrderStatus


def _buyer_json(buyer: MemberIdentity) -> dict[str, Any]:
    return dataclasses.asdict(buyer) | {"chorus_requirement": buyer.chorus_requirement.value}


def _buyer(data: dict[str, Any]) -> MemberIdentity:
    return MemberIdentity(
        **data
        | {
            "address": PostalAddress(**data["address"]),
            "chorus_requirement": ChorusRequirement(data["chorus_requirement"]),
        }
    )


class PurchaseOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, order: PurchaseOrder) -> None:
        key = uuid.UUID(order.id)
        totals = order.totals
        await self.session.execute(
            insert(purchase_orders).values(
                id=key,
                po_number=order.po_number,
                quote_id=uuid.UUID(order.quote_id),
                quote_number=order.quote_number,
                member_id=order.member_id,
                status=order.status.value,
                issued_on=order.issued_on,
                issued_at=order.issued_at,
                buyer=_buyer_json(order.buyer),
                commitment_number=order.commitment_number,
                total_excl_tax=totals.total_excl_tax,
                total_vat=totals.total_vat,
                total_incl_tax=totals.total_incl_tax,
            )
        )
        await self.session.execute(
            insert(purchase_order_lines),
            [{"purchase_order_id": key, **line_values(line)} for line in order.lines],
        )
        await self._add_history(key, order.history)

    async def save_member_invoice(self, order: PurchaseOrder, new_entries: list[HistoryEntry]) -> None:
        key = uuid.UUID(order.id)
        await self.session.execute(
            update(purchase_orders)
            .where(purchase_orders.c.id == key)
            .values(member_invoice_number=order.member_invoice_number)
        )
        await self._add_history(key, new_entries)

    async def _add_history(self, key: uuid.UUID, entries: list[HistoryEntry]) -> None:
        if entries:
            await self.session.execute(
                insert(purchase_order_history),
                [{"purchase_order_id": key, "at": e.at, "kind": e.kind, "detail": e.detail} for e in entries],
            )

    async def get_by_number(self, po_number: str, *, for_update: bool = False) -> PurchaseOrder | None:
        query = select(purchase_orders).where(purchase_orders.c.po_number == po_number)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return (await self._load([row]))[0] if row else None

    async def list(self, *, member_id: str | None, limit: int, after: str | None) -> list[PurchaseOrder]:
        query = select(purchase_orders).order_by(purchase_orders.c.po_number).limit(limit)
        if member_id:
            query = query.where(purchase_orders.c.member_id == member_id)
        if after:
            query = query.where(purchase_orders.c.po_number > after)
        return await self._load(list((await self.session.execute(query)).all()))

    async def _load(self, rows: list[Any]) -> list[PurchaseOrder]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        lines: dict[uuid.UUID, list[Any]] = {}
        for line in (
            await self.session.execute(
                select(purchase_order_lines)
                .where(purchase_order_lines.c.purchase_order_id.in_(ids))
                .order_by(purchase_order_lines.c.line_no)
            )
        ).all():
            lines.setdefault(line.purchase_order_id, []).append(line)
        history: dict[uuid.UUID, list[HistoryEntry]] = {}
        for entry in (
            await self.session.execute(
                select(purchase_order_history)
                .where(purchase_order_history.c.purchase_order_id.in_(ids))
                .order_by(purchase_order_history.c.id)
            )
        ).all():
            history.setdefault(entry.purchase_order_id, []).append(
                HistoryEntry(entry.at, entry.kind, entry.detail)
            )
        return [
            PurchaseOrder(
                id=str(row.id),
                po_number=row.po_number,
                quote_id=str(row.quote_id),
                quote_number=row.quote_number,
                member_id=row.member_id,
                issued_on=row.issued_on,
                issued_at=row.issued_at,
                buyer=_buyer(row.buyer),
                commitment_number=row.commitment_number,
                lines=[line_from_row(x) for x in lines.get(row.id, [])],
                status=PurchaseOrderStatus(row.status),
                member_invoice_number=row.member_invoice_number,
                history=history.get(row.id, []),
            )
            for row in rows
        ]
