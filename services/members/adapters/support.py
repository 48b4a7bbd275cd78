"""SQL for support requests (accompagnement) and ENT usage statistics."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.repository import cursor_key
from services.members.adapters.tables import support_requests, usage_statistics
from services.members.domain.entitlements import Level, SupportRequest, SupportStatus
from services.members.domain.usage import UsageStatistic
from shared.db import utcnow, uuid_or_none


def _request(row: Any) -> SupportRequest:
    return SupportRequest(
        id=str(row.id),
        member_id=str(row.member_id),
        service=row.service,
        level=Level(row.level),
        requested_on=row.requested_on,
        half_days=row.half_days,
        description=row.description,
        status=SupportStatus(row.status),
        delivered_on=row.delivered_on,
        delivered_half_days=row.delivered_half_days,
    )


class SupportRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, request: SupportRequest) -> None:
        await self.session.execute(
            insert(support_requests).values(
                id=uuid.UUID(request.id),
                member_id=uuid.UUID(request.member_id),
                service=request.service,
                level=request.level.value,
                requested_on=request.requested_on,
                half_days=request.half_days,
                description=request.description,
                status=request.status.value,
                billable=request.billable,
                created_at=utcnow(),
            )
        )

    async def get(self, request_id: str, *, for_update: bool = False) -> SupportRequest | None:
        key = uuid_or_none(request_id)
        if key is None:
            return None
        query = select(support_requests).where(support_requests.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _request(row) if row else None

    async def save_delivery(self, request: SupportRequest) -> None:
        await self.session.execute(
            update(support_requests)
            .where(support_requests.c.id == uuid.UUID(request.id))
            .values(
                status=request.status.value,
                delivered_on=request.delivered_on,
                delivered_half_days=request.delivered_half_days,
            )
        )

    async def list(
        self, *, member_id: str | None, status: str | None, limit: int, after: str | None
    ) -> list[SupportRequest]:
        query = select(support_requests).order_by(support_requests.c.id).limit(limit)
        if member_id:
            query = query.where(support_requests.c.member_id == uuid_or_none(member_id))
        if status:
            query = query.where(support_requests.c.status == status)
        if after:
            query = query.where(support_requests.c.id > cursor_key(after))
        return [_request(row) for row in (await self.session.execute(query)).all()]


class UsageStatisticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, statistic: UsageStatistic) -> None:
        """One figure per school and month: a new import of the same month replaces it."""
        key = and_(usage_statistics.c.uai == statistic.uai, usage_statistics.c.month == statistic.month)
        values = {
            "member_id": uuid.UUID(statistic.member_id),
            "accounts_activated": statistic.accounts_activated,
            "connections": statistic.connections,
            "imported_at": utcnow(),
        }
        done = await self.session.execute(update(usage_statistics).where(key).values(**values))
        if not done.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(
                insert(usage_statistics).values(uai=statistic.uai, month=statistic.month, **values)
            )

    async def for_member(
        self, member_id: str, *, month_from: str | None, month_to: str | None
    ) -> list[UsageStatistic]:
        query = (
            select(usage_statistics)
            .where(usage_statistics.c.member_id == uuid_or_none(member_id))
            .order_by(usage_statistics.c.month, usage_statistics.c.uai)
        )
        if month_from:
            query = query.where(usage_statistics.c.month >= month_from)
        if month_to:
            query = query.where(usage_statistics.c.month <= month_to)
        return [
            UsageStatistic(row.uai, row.month, row.accounts_activated, row.connections, str(row.member_id))
            for row in (await self.session.execute(query)).all()
        ]
