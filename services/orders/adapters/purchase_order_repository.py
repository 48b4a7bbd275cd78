"""SQL for purchase orders (bons de commande), their lines, history and service-done attestations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.adapters.lines import line_from_row, line_values, plain_quantity
from services.orders.adapters.tables import (
    purchase_order_history,
    purchase_order_lines,
    purchase_orders,
    service_attestation_lines,
    service_attestations,
)
from services.orders.domain.member_directory import ChorusRequirement, MemberIdentity, PostalAddress
from services.orders.domain.purchase_order import (
    AttestedLine,
    HistoryEntry,
    PurchaseOrder,
    PurchaseOrderStatus,
    ServiceAttestation,
)


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


def _state(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "status": order.status.value,
        "member_invoice_number": order.member_invoice_number,
        "contractor_reference": order.contractor_reference,
        "transmitted_at": order.transmitted_at,
        "acknowledged_at": order.acknowledged_at,
        "cancelled_at": order.cancelled_at,
        "closed_at": order.closed_at,
        "transmission_due_at": order.transmission_due_at,
        "transmission_attempts": order.transmission_attempts,
        "transmission_error": order.transmission_error,
    }


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
                issued_on=order.issued_on,
                issued_at=order.issued_at,
                buyer=_buyer_json(order.buyer),
                commitment_number=order.commitment_number,
                total_excl_tax=totals.total_excl_tax,
                total_vat=totals.total_vat,
                total_incl_tax=totals.total_incl_tax,
                **_state(order),
            )
        )
        await self.session.execute(
            insert(purchase_order_lines),
            [{"purchase_order_id": key, **line_values(line)} for line in order.lines],
        )
        await self._add_history(key, order.history)

    async def save(self, order: PurchaseOrder, *, known_history: int, known_attestations: int) -> None:
        """Write the state, and the history entries and attestations added since the order was loaded."""
        key = uuid.UUID(order.id)
        await self.session.execute(
            update(purchase_orders).where(purchase_orders.c.id == key).values(**_state(order))
        )
        await self._add_history(key, order.history[known_history:])
        for attestation in order.attestations[known_attestations:]:
            await self.session.execute(
                insert(service_attestations).values(
                    id=uuid.UUID(attestation.id),
                    purchase_order_id=key,
                    attested_on=attestation.attested_on,
                    attested_by=attestation.attested_by,
                    recorded_at=attestation.recorded_at,
                )
            )
            await self.session.execute(
                insert(service_attestation_lines),
                [
                    {
                        "attestation_id": uuid.UUID(attestation.id),
                        "line_no": x.line_no,
                        "quantity": x.quantity,
                    }
                    for x in attestation.lines
                ],
            )

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

    async def lock_due_for_transmission(self, now: dt.datetime, *, limit: int) -> list[PurchaseOrder]:
        """POs the contractor does not hold yet whose transmission is due, locked; those another
        transmitter holds are skipped. (Not by status: service may be attested before transmission.)"""
        query = (
            select(purchase_orders)
            .where(
                purchase_orders.c.transmission_due_at <= now,
                purchase_orders.c.transmitted_at.is_(None),
                purchase_orders.c.status.notin_(
                    [PurchaseOrderStatus.CANCELLED.value, PurchaseOrderStatus.CLOSED.value]
                ),
            )
            .order_by(purchase_orders.c.transmission_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._load(list((await self.session.execute(query)).all()))

    async def list(
        self,
        *,
        member_id: str | None,
        limit: int,
        after: str | None,
        status: PurchaseOrderStatus | None = None,
        issued_from: dt.date | None = None,
        issued_to: dt.date | None = None,
    ) -> list[PurchaseOrder]:
        query = select(purchase_orders).order_by(purchase_orders.c.po_number).limit(limit)
        if member_id:
            query = query.where(purchase_orders.c.member_id == member_id)
        if after:
            query = query.where(purchase_orders.c.po_number > after)
        if status:
            query = query.where(purchase_orders.c.status == status.value)
        if issued_from:
            query = query.where(purchase_orders.c.issued_on >= issued_from)
        if issued_to:
            query = query.where(purchase_orders.c.issued_on <= issued_to)
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
        attestations = await self._attestations(ids)
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
                attestations=attestations.get(row.id, []),
                contractor_reference=row.contractor_reference,
                transmitted_at=row.transmitted_at,
                acknowledged_at=row.acknowledged_at,
                cancelled_at=row.cancelled_at,
                closed_at=row.closed_at,
                transmission_attempts=row.transmission_attempts,
                transmission_due_at=row.transmission_due_at,
                transmission_error=row.transmission_error,
            )
            for row in rows
        ]

    async def _attestations(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ServiceAttestation]]:
        heads = (
            await self.session.execute(
                select(service_attestations)
                .where(service_attestations.c.purchase_order_id.in_(ids))
                .order_by(service_attestations.c.recorded_at, service_attestations.c.id)
            )
        ).all()
        if not heads:
            return {}
        quantities: dict[uuid.UUID, list[AttestedLine]] = {}
        for line in (
            await self.session.execute(
                select(service_attestation_lines)
                .where(service_attestation_lines.c.attestation_id.in_([h.id for h in heads]))
                .order_by(service_attestation_lines.c.line_no)
            )
        ).all():
            quantities.setdefault(line.attestation_id, []).append(
                AttestedLine(line.line_no, plain_quantity(line.quantity))
            )
        found: dict[uuid.UUID, list[ServiceAttestation]] = {}
        for head in heads:
            found.setdefault(head.purchase_order_id, []).append(
                ServiceAttestation(
                    id=str(head.id),
                    attested_on=head.attested_on,
                    attested_by=head.attested_by,
                    recorded_at=head.recorded_at,
                    lines=tuple(quantities.get(head.id, [])),
                )
            )
        return found
