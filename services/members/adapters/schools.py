"""SQL for schools, their attachments to members, and pupil counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.tables import pupil_counts, school_attachments, schools
from services.members.domain.school import Attachment, PupilCount, School
from shared.db import utcnow, uuid_or_none


class SchoolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, school: School) -> None:
        await self.session.execute(
            insert(schools).values(
                uai=school.uai, name=school.name, commune_insee=school.commune_insee, created_at=utcnow()
            )
        )
        for attachment in school.attachments:
            await self._insert_attachment(school.uai, attachment)

    async def _insert_attachment(self, uai: str, attachment: Attachment) -> None:
        await self.session.execute(
            insert(school_attachments).values(
                uai=uai,
                from_date=attachment.from_date,
                until=attachment.until,
                member_id=uuid.UUID(attachment.member_id),
                deliberation_id=uuid.UUID(attachment.deliberation_id) if attachment.deliberation_id else None,
                created_at=utcnow(),
            )
        )

    async def save_transfer(self, school: School, new: Attachment) -> None:
        """The closed attachment gets its end date; the new one is inserted."""
        for attachment in school.attachments:
            if attachment is not new and attachment.until is not None:
                await self.session.execute(
                    update(school_attachments)
                    .where(
                        school_attachments.c.uai == school.uai,
                        school_attachments.c.from_date == attachment.from_date,
                        school_attachments.c.until.is_(None),
                    )
                    .values(until=attachment.until)
                )
        await self._insert_attachment(school.uai, new)

    async def get(self, uai: str, *, for_update: bool = False) -> School | None:
        query = select(schools).where(schools.c.uai == uai)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return (await self._with_attachments([row]))[0]

    async def get_many(self, uais: list[str]) -> dict[str, School]:
        rows = (
            (await self.session.execute(select(schools).where(schools.c.uai.in_(uais)))).all() if uais else []
        )
        return {school.uai: school for school in await self._with_attachments(rows)}

    async def _with_attachments(self, rows: list[Any]) -> list[School]:
        uais = [row.uai for row in rows]
        attachments: dict[str, list[Attachment]] = {uai: [] for uai in uais}
        if uais:
            found = (
                await self.session.execute(
                    select(school_attachments)
                    .where(school_attachments.c.uai.in_(uais))
                    .order_by(school_attachments.c.uai, school_attachments.c.from_date)
                )
            ).all()
            for a in found:
                attachments[a.uai].append(
                    Attachment(
                        str(a.member_id),
                        a.from_date,
                        a.until,
                        str(a.deliberation_id) if a.deliberation_id else None,
                    )
                )
        return [School(row.uai, row.name, row.commune_insee, attachments[row.uai]) for row in rows]

    async def list(
        self,
        *,
        limit: int,
        after: str | None,
        member_id: str | None,
        on: dt.date | None,
        commune_insee: str | None,
    ) -> list[School]:
        query = select(schools).order_by(schools.c.uai).limit(limit)
        if after:
            query = query.where(schools.c.uai > after)
        if commune_insee:
            query = query.where(schools.c.commune_insee == commune_insee)
        if member_id:
            attached = select(school_attachments.c.uai).where(
                school_attachments.c.member_id == uuid_or_none(member_id)
            )
            if on is not None:
                attached = attached.where(
                    school_attachments.c.from_date <= on,
                    or_(school_attachments.c.until.is_(None), school_attachments.c.until > on),
                )
            query = query.where(schools.c.uai.in_(attached))
        return await self._with_attachments((await self.session.execute(query)).all())


class PupilCountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, count: PupilCount, source: str) -> int:
        """Insert or replace the count of (uai, school year); returns its revision (1, then +1)."""
        key = and_(pupil_counts.c.uai == count.uai, pupil_counts.c.school_year == str(count.school_year))
        current = (
            await self.session.execute(select(pupil_counts.c.revision).where(key).with_for_update())
        ).scalar()
        values = {
            "pupils": count.pupils,
            "member_id": uuid.UUID(count.member_id),
            "counted_on": count.counted_on,
            "source": source,
            "recorded_at": utcnow(),
        }
        if current is None:
            await self.session.execute(
                insert(pupil_counts).values(
                    uai=count.uai, school_year=str(count.school_year), revision=1, **values
                )
            )
            return 1
        await self.session.execute(update(pupil_counts).where(key).values(revision=current + 1, **values))
        return int(current) + 1

    async def list(
        self, *, uai: str | None, member_id: str | None, school_year: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        query = (
            select(pupil_counts)
            .order_by(pupil_counts.c.school_year, pupil_counts.c.uai)
            .limit(limit)
            .offset(offset)
        )
        if uai:
            query = query.where(pupil_counts.c.uai == uai)
        if member_id:
            query = query.where(pupil_counts.c.member_id == uuid_or_none(member_id))
        if school_year:
            query = query.where(pupil_counts.c.school_year == school_year)
        return [
            {
                "uai": row.uai,
                "school_year": row.school_year,
                "pupils": row.pupils,
                "member_id": str(row.member_id),
                "counted_on": row.counted_on,
                "revision": row.revision,
                "source": row.source,
            }
            for row in (await self.session.execute(query)).all()
        ]
