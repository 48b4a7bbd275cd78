"""SQL for quotes (devis) and their lines."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.adapters.lines import line_from_row, line_values
from services.orders.adapters.tables import purchase_orders, quote_lines, quotes
from services.orders.domain.member_directory import ChorusReferences
from services.orders.domain.quote import Acceptance, Quote, QuoteStatus
from shared.db import utcnow, uuid_or_none

OPEN = (QuoteStatus.DRAFT.value, QuoteStatus.SENT.value)


def _quote(row: Any, lines: list[Any]) -> Quote:
    acceptance = None
    if row.accepted_at is not None:
        acceptance = Acceptance(
            accepted_by=row.accepted_by,
            accepted_at=row.accepted_at,
            accepted_on=row.accepted_on,
            references=ChorusReferences(
                commitment_number=row.commitment_number, service_code=row.service_code
            ),
        )
    return Quote(
        id=str(row.id),
        number=row.number,
        member_id=row.member_id,
        quoted_on=row.quoted_on,
        valid_until=row.valid_until,
        lines=[line_from_row(line) for line in lines],
        status=QuoteStatus(row.status),
        sent_on=row.sent_on,
        acceptance=acceptance,
        refused_on=row.refused_on,
        refusal_reason=row.refusal_reason,
        cancelled_on=row.cancelled_on,
        expired_on=row.expired_on,
        purchase_order_number=row.po_number,
    )


class QuoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, quote: Quote) -> None:
        totals = quote.totals
        await self.session.execute(
            insert(quotes).values(
                id=uuid.UUID(quote.id),
                number=quote.number,
                member_id=quote.member_id,
                status=quote.status.value,
                quoted_on=quote.quoted_on,
                valid_until=quote.valid_until,
                total_excl_tax=totals.total_excl_tax,
                total_vat=totals.total_vat,
                total_incl_tax=totals.total_incl_tax,
                created_at=utcnow(),
            )
        )
        await self.session.execute(
            insert(quote_lines),
            [{"quote_id": uuid.UUID(quote.id), **line_values(line)} for line in quote.lines],
        )

    async def get(self, quote_id: str, *, for_update: bool = False) -> Quote | None:
        """With `for_update`, the quote row stays locked until the transaction ends: two concurrent
        acceptances of one quote are applied one after the other."""
        key = uuid_or_none(quote_id)
        if key is None:
            return None
        query = select(quotes).where(quotes.c.id == key)
        if for_update:
            query = query.with_for_update()
        if (await self.session.execute(query)).first() is None:
            return None
        return (await self._load([key]))[0]

    async def save_state(self, quote: Quote) -> None:
        acceptance = quote.acceptance
        await self.session.execute(
            update(quotes)
            .where(quotes.c.id == uuid.UUID(quote.id))
            .values(
                status=quote.status.value,
                sent_on=quote.sent_on,
                refused_on=quote.refused_on,
                refusal_reason=quote.refusal_reason,
                cancelled_on=quote.cancelled_on,
                expired_on=quote.expired_on,
                accepted_by=acceptance.accepted_by if acceptance else None,
                accepted_at=acceptance.accepted_at if acceptance else None,
                accepted_on=acceptance.accepted_on if acceptance else None,
                commitment_number=acceptance.references.commitment_number if acceptance else None,
                service_code=acceptance.references.service_code if acceptance else None,
            )
        )

    async def list(
        self,
        *,
        today: dt.date,
        status: QuoteStatus | None,
        member_id: str | None,
        limit: int,
        after: str | None,
        quoted_from: dt.date | None = None,
        quoted_to: dt.date | None = None,
    ) -> list[Quote]:
        """By number; `status` is the status as read today (an open quote past its date is expired)."""
        query = select(quotes.c.id).order_by(quotes.c.number).limit(limit)
        if quoted_from:
            query = query.where(quotes.c.quoted_on >= quoted_from)
        if quoted_to:
            query = query.where(quotes.c.quoted_on <= quoted_to)
        if after:
            query = query.where(quotes.c.number > after)
        if member_id:
            query = query.where(quotes.c.member_id == member_id)
        if status is QuoteStatus.EXPIRED:
            query = query.where(
                or_(
                    quotes.c.status == status.value,
                    and_(quotes.c.status.in_(OPEN), quotes.c.valid_until < today),
                )
            )
        elif status is not None and status.value in OPEN:
            query = query.where(quotes.c.status == status.value, quotes.c.valid_until >= today)
        elif status is not None:
            query = query.where(quotes.c.status == status.value)
        ids = list((await self.session.execute(query)).scalars())
        return await self._load(ids)

    async def lock_expirable(self, today: dt.date, *, limit: int) -> list[Quote]:
        """Open quotes past their validity date, locked; rows another expiry run holds are skipped."""
        query = (
            select(quotes.c.id)
            .where(quotes.c.status.in_(OPEN), quotes.c.valid_until < today)
            .order_by(quotes.c.number)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._load(list((await self.session.execute(query)).scalars()))

    async def _load(self, ids: list[uuid.UUID]) -> list[Quote]:
        if not ids:
            return []
        rows = (
            await self.session.execute(
                select(quotes, purchase_orders.c.po_number)
                .outerjoin(purchase_orders, purchase_orders.c.quote_id == quotes.c.id)
                .where(quotes.c.id.in_(ids))
                .order_by(quotes.c.number)
            )
        ).all()
        line_rows = (
            await self.session.execute(
                select(quote_lines).where(quote_lines.c.quote_id.in_(ids)).order_by(quote_lines.c.line_no)
            )
        ).all()
        by_quote: dict[uuid.UUID, list[Any]] = {}
        for line in line_rows:
            by_quote.setdefault(line.quote_id, []).append(line)
        return [_quote(row, by_quote.get(row.id, [])) for row in rows]
