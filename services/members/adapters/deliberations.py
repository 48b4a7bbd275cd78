"""SQL for deliberations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.repository import cursor_key
from services.members.adapters.tables import deliberations
from services.members.domain.deliberation import Assembly, Deliberation
from shared.db import utcnow, uuid_or_none


def _deliberation(row: Any) -> Deliberation:
    return Deliberation(
        id=str(row.id),
        number=row.number,
        date=row.date,
        assembly=Assembly(row.assembly),
        subject=row.subject,
        member_id=str(row.member_id) if row.member_id else None,
        document_ref=row.document_ref,
    )


class DeliberationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, deliberation: Deliberation) -> None:
        await self.session.execute(
            insert(deliberations).values(
                id=uuid.UUID(deliberation.id),
                body_key=deliberation.body_key,
                number=deliberation.number,
                date=deliberation.date,
                assembly=deliberation.assembly.value,
                member_id=uuid.UUID(deliberation.member_id) if deliberation.member_id else None,
                subject=deliberation.subject,
                document_ref=deliberation.document_ref,
                created_at=utcnow(),
            )
        )

    async def get(self, deliberation_id: str) -> Deliberation | None:
        key = uuid_or_none(deliberation_id)
        if key is None:
            return None
        row = (await self.session.execute(select(deliberations).where(deliberations.c.id == key))).first()
        return _deliberation(row) if row else None

    async def by_number(self, body_key: str, number: str) -> Deliberation | None:
        row = (
            await self.session.execute(
                select(deliberations).where(
                    deliberations.c.body_key == body_key, deliberations.c.number == number
                )
            )
        ).first()
        return _deliberation(row) if row else None

    async def list(
        self,
        *,
        limit: int,
        after: str | None,
        assembly: str | None,
        member_id: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
    ) -> list[Deliberation]:
        query = select(deliberations).order_by(deliberations.c.id).limit(limit)
        if after:
            query = query.where(deliberations.c.id > cursor_key(after))
        if assembly:
            query = query.where(deliberations.c.assembly == assembly)
        if member_id:
            query = query.where(deliberations.c.member_id == uuid_or_none(member_id))
        if date_from:
            query = query.where(deliberations.c.date >= date_from)
        if date_to:
            query = query.where(deliberations.c.date <= date_to)
        return [_deliberation(row) for row in (await self.session.execute(query)).all()]
