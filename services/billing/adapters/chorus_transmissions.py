"""SQL of the Chorus Pro transmission: the per-invoice row, its history, the adapter's exchanges and the
documents added to a suspended invoice."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.chorus_tables import (
    chorus_exchanges,
    invoice_transmissions,
    transmission_documents,
    transmission_history,
)
from services.billing.adapters.tables import member_invoices
from services.billing.domain.chorus_status import (
    Action,
    ChorusStatus,
    Routing,
    Stage,
    StatusReport,
    Transmission,
)
from shared.db import dialect_insert, utcnow, uuid_or_none


class TransmissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invoice_id: str, *, for_update: bool = False) -> Transmission | None:
        """The invoice's transmission, its row created (waiting) on first sight. None: no such invoice.

        With `for_update` the row is locked: two transmitters claiming at once are served one after the
        other (the insert of a first sight does nothing on conflict, then both lock the same row)."""
        key = uuid_or_none(invoice_id)
        if key is None:
            return None
        row = await self._row(key, for_update)
        if row is None:
            invoice = (
                await self.session.execute(
                    select(
                        member_invoices.c.number, member_invoices.c.member_id, member_invoices.c.issue_date
                    ).where(member_invoices.c.id == key)
                )
            ).first()
            if invoice is None:
                return None
            await self.session.execute(
                dialect_insert(self.session)(invoice_transmissions)
                .values(
                    invoice_id=key,
                    invoice_number=invoice.number,
                    member_id=invoice.member_id,
                    issue_date=invoice.issue_date,
                    stage=Stage.WAITING.value,
                    action=Action.DEPOSIT.value,
                    attempts=0,
                    polls=0,
                    updated_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["invoice_id"])
            )
            row = await self._row(key, for_update)
            assert row is not None
        return await self._transmission(row)

    async def _row(self, key: uuid.UUID, for_update: bool) -> Any:
        query = select(invoice_transmissions).where(invoice_transmissions.c.invoice_id == key)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def save(self, t: Transmission, **extra: Any) -> None:
        """Write the row, and the status reports not yet in the history."""
        routing = t.routing_override
        await self.session.execute(
            update(invoice_transmissions)
            .where(invoice_transmissions.c.invoice_id == uuid.UUID(t.invoice_id))
            .values(
                stage=t.stage.value,
                action=t.action.value,
                chorus_status=t.chorus_status.value if t.chorus_status else None,
                claim_id=t.claim_id,
                claimed_by=t.claimed_by,
                lease_until=t.lease_until,
                attempts=t.attempts,
                blocked_reason=t.blocked_reason,
                flux_number=t.flux_number,
                deposited_at=t.deposited_at,
                chorus_invoice_id=t.chorus_invoice_id,
                made_available_on=t.made_available_on,
                due_date=t.due_date,
                routing_buyer_siret=routing.buyer_siret if routing else None,
                routing_service_code=routing.service_code if routing else None,
                routing_commitment_number=routing.commitment_number if routing else None,
                replaced_by=uuid.UUID(t.replaced_by) if t.replaced_by else None,
                updated_at=utcnow(),
                **extra,
            )
        )

    async def add_report(self, invoice_id: str, report: StatusReport, actor: str) -> None:
        await self.note(
            invoice_id,
            "status",
            report.comment,
            actor,
            status=report.status.value,
            status_at=report.at,
        )

    async def note(
        self,
        invoice_id: str,
        kind: str,
        detail: str | None,
        actor: str,
        *,
        status: str | None = None,
        status_at: dt.datetime | None = None,
    ) -> None:
        await self.session.execute(
            insert(transmission_history).values(
                invoice_id=uuid.UUID(invoice_id),
                recorded_at=utcnow(),
                kind=kind,
                status=status,
                status_at=status_at,
                detail=detail,
                actor=actor,
            )
        )

    async def history(self, invoice_id: str) -> list[Any]:
        return list(
            (
                await self.session.execute(
                    select(transmission_history)
                    .where(transmission_history.c.invoice_id == uuid.UUID(invoice_id))
                    .order_by(transmission_history.c.id)
                )
            ).all()
        )

    async def exchanges(self, invoice_id: str) -> list[Any]:
        return list(
            (
                await self.session.execute(
                    select(chorus_exchanges)
                    .where(chorus_exchanges.c.invoice_id == uuid.UUID(invoice_id))
                    .order_by(chorus_exchanges.c.id)
                )
            ).all()
        )

    async def record_exchanges(self, invoice_id: str | None, exchanges: list[dict[str, Any]]) -> None:
        if exchanges:
            key = uuid.UUID(invoice_id) if invoice_id else None
            await self.session.execute(
                insert(chorus_exchanges), [{"invoice_id": key, **e} for e in exchanges]
            )

    async def waiting(self, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
        """Invoices a transmitter may claim: never looked at, waiting, or claimed with its lease run out."""
        t = invoice_transmissions
        query = (
            select(
                member_invoices.c.id,
                member_invoices.c.number,
                member_invoices.c.member_id,
                member_invoices.c.issue_date,
                member_invoices.c.total_incl_tax,
                t.c.action,
                t.c.attempts,
            )
            .select_from(member_invoices.outerjoin(t, t.c.invoice_id == member_invoices.c.id))
            .where(
                or_(
                    t.c.invoice_id.is_(None),
                    # After a failed attempt `next_poll_at` holds the retry time (backoff).
                    and_(
                        t.c.stage == Stage.WAITING.value,
                        or_(t.c.next_poll_at.is_(None), t.c.next_poll_at <= now),
                    ),
                    and_(t.c.stage == Stage.CLAIMED.value, t.c.lease_until <= now),
                )
            )
            .order_by(member_invoices.c.number)
            .limit(limit)
        )
        return [dict(row._mapping) for row in (await self.session.execute(query)).all()]

    async def in_stage(self, stage: Stage, limit: int) -> list[Transmission]:
        rows = (
            await self.session.execute(
                select(invoice_transmissions)
                .where(invoice_transmissions.c.stage == stage.value)
                .order_by(invoice_transmissions.c.invoice_number)
                .limit(limit)
            )
        ).all()
        return [await self._transmission(row) for row in rows]

    async def due_for_polling(self, now: dt.datetime, limit: int) -> list[str]:
        """Deposited invoices whose next look at Chorus is due (the built-in adapter's polling)."""
        t = invoice_transmissions
        rows = (
            await self.session.execute(
                select(t.c.invoice_id)
                .where(
                    t.c.stage.in_([Stage.DEPOSITED.value, Stage.SUSPENDED.value]),
                    t.c.claimed_by.is_(None),
                    t.c.flux_number.is_not(None),
                    or_(t.c.next_poll_at.is_(None), t.c.next_poll_at <= now),
                    t.c.chorus_status.is_distinct_from(ChorusStatus.MISE_EN_PAIEMENT.value),
                )
                .order_by(t.c.next_poll_at)
                .limit(limit)
            )
        ).all()
        return [str(row.invoice_id) for row in rows]

    async def set_poll(self, invoice_id: str, next_poll_at: dt.datetime | None, polls: int) -> None:
        await self.session.execute(
            update(invoice_transmissions)
            .where(invoice_transmissions.c.invoice_id == uuid.UUID(invoice_id))
            .values(next_poll_at=next_poll_at, polls=polls)
        )

    async def polls(self, invoice_id: str) -> int:
        row = (
            await self.session.execute(
                select(invoice_transmissions.c.polls).where(
                    invoice_transmissions.c.invoice_id == uuid.UUID(invoice_id)
                )
            )
        ).first()
        return int(row.polls) if row else 0

    async def add_document(
        self,
        invoice_id: str,
        filename: str,
        media_type: str,
        content: bytes,
        comment: str | None,
        added_by: str,
    ) -> str:
        key = uuid.uuid4()
        await self.session.execute(
            insert(transmission_documents).values(
                id=key,
                invoice_id=uuid.UUID(invoice_id),
                filename=filename,
                media_type=media_type,
                content=content,
                comment=comment,
                added_by=added_by,
                added_at=utcnow(),
            )
        )
        return str(key)

    async def unsent_documents(self, invoice_id: str) -> list[Any]:
        key = uuid_or_none(invoice_id)
        if key is None:
            return []
        d = transmission_documents
        return list(
            (
                await self.session.execute(
                    select(d).where(d.c.invoice_id == key, d.c.sent_at.is_(None)).order_by(d.c.added_at)
                )
            ).all()
        )

    async def mark_documents_sent(self, invoice_id: str) -> None:
        d = transmission_documents
        await self.session.execute(
            update(d)
            .where(d.c.invoice_id == uuid.UUID(invoice_id), d.c.sent_at.is_(None))
            .values(sent_at=utcnow())
        )

    async def _transmission(self, row: Any) -> Transmission:
        reports = (
            await self.session.execute(
                select(
                    transmission_history.c.status,
                    transmission_history.c.status_at,
                    transmission_history.c.detail,
                )
                .where(
                    transmission_history.c.invoice_id == row.invoice_id,
                    transmission_history.c.kind == "status",
                )
                .order_by(transmission_history.c.id)
            )
        ).all()
        routing = (
            Routing(row.routing_buyer_siret, row.routing_service_code, row.routing_commitment_number)
            if row.routing_buyer_siret
            else None
        )
        return Transmission(
            invoice_id=str(row.invoice_id),
            invoice_number=row.invoice_number,
            member_id=row.member_id,
            issue_date=row.issue_date,
            stage=Stage(row.stage),
            action=Action(row.action),
            chorus_status=ChorusStatus(row.chorus_status) if row.chorus_status else None,
            claim_id=row.claim_id,
            claimed_by=row.claimed_by,
            lease_until=row.lease_until,
            attempts=row.attempts,
            blocked_reason=row.blocked_reason,
            flux_number=row.flux_number,
            deposited_at=row.deposited_at,
            chorus_invoice_id=row.chorus_invoice_id,
            made_available_on=row.made_available_on,
            due_date=row.due_date,
            routing_override=routing,
            replaced_by=str(row.replaced_by) if row.replaced_by else None,
            reports=[StatusReport(ChorusStatus(r.status), r.status_at, r.detail) for r in reports],
        )
