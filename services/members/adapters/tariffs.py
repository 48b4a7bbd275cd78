"""SQL for tariff schedules, subsidies and the notifications sent to members (art. 8)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.repository import cursor_key
from services.members.adapters.tables import notifications, subsidies, tariff_schedules
from services.members.domain.school import SchoolYear
from services.members.domain.tariff import ProrataRule, Subsidy, TariffSchedule
from shared.db import utcnow, uuid_or_none


def _schedule(row: Any) -> TariffSchedule:
    return TariffSchedule(
        id=str(row.id),
        year=row.year,
        revision=row.revision,
        base_per_pupil=row.base_per_pupil,
        optional_per_pupil=row.optional_per_pupil,
        half_day_rate=row.half_day_rate,
        pupil_count_school_year=SchoolYear.parse(row.pupil_count_school_year),
        prorata_rule=ProrataRule(row.prorata_rule),
        deliberation_id=str(row.deliberation_id),
    )


class TariffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_revision(self, year: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.coalesce(func.max(tariff_schedules.c.revision), 0)).where(
                        tariff_schedules.c.year == year
                    )
                )
            ).scalar()
            or 0
        )

    async def add(self, schedule: TariffSchedule) -> None:
        """(year, revision) is unique: two concurrent adoptions for one year cannot both be revision n."""
        await self.session.execute(
            insert(tariff_schedules).values(
                id=uuid.UUID(schedule.id),
                year=schedule.year,
                revision=schedule.revision,
                base_per_pupil=schedule.base_per_pupil,
                optional_per_pupil=schedule.optional_per_pupil,
                half_day_rate=schedule.half_day_rate,
                pupil_count_school_year=str(schedule.pupil_count_school_year),
                prorata_rule=schedule.prorata_rule.value,
                deliberation_id=uuid.UUID(schedule.deliberation_id),
                adopted_at=utcnow(),
            )
        )

    async def get(self, tariff_id: str) -> TariffSchedule | None:
        key = uuid_or_none(tariff_id)
        if key is None:
            return None
        row = (
            await self.session.execute(select(tariff_schedules).where(tariff_schedules.c.id == key))
        ).first()
        return _schedule(row) if row else None

    async def in_force(self, year: int) -> TariffSchedule | None:
        """The latest revision of the year's schedule."""
        row = (
            await self.session.execute(
                select(tariff_schedules)
                .where(tariff_schedules.c.year == year)
                .order_by(tariff_schedules.c.revision.desc())
                .limit(1)
            )
        ).first()
        return _schedule(row) if row else None

    async def list(self, *, year: int | None) -> list[TariffSchedule]:
        query = select(tariff_schedules).order_by(tariff_schedules.c.year, tariff_schedules.c.revision)
        if year is not None:
            query = query.where(tariff_schedules.c.year == year)
        return [_schedule(row) for row in (await self.session.execute(query)).all()]


def _subsidy(row: Any) -> Subsidy:
    return Subsidy(
        id=str(row.id),
        member_id=str(row.member_id),
        year=row.year,
        amount=row.amount,
        payer_name=row.payer_name,
        deliberation_id=str(row.deliberation_id),
        payer_siren=row.payer_siren,
    )


class SubsidyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, subsidy: Subsidy) -> None:
        await self.session.execute(
            insert(subsidies).values(
                id=uuid.UUID(subsidy.id),
                member_id=uuid.UUID(subsidy.member_id),
                year=subsidy.year,
                amount=subsidy.amount,
                payer_name=subsidy.payer_name,
                payer_siren=subsidy.payer_siren,
                deliberation_id=uuid.UUID(subsidy.deliberation_id),
                recorded_at=utcnow(),
            )
        )

    async def list(self, *, member_id: str | None, year: int | None) -> list[Subsidy]:
        query = select(subsidies).order_by(subsidies.c.year, subsidies.c.recorded_at)
        if member_id:
            query = query.where(subsidies.c.member_id == uuid_or_none(member_id))
        if year is not None:
            query = query.where(subsidies.c.year == year)
        return [_subsidy(row) for row in (await self.session.execute(query)).all()]


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(
        self, member_ids: list[str], *, deliberation_id: str, kind: str, subject: str, details: dict[str, Any]
    ) -> None:
        if not member_ids:
            return
        now = utcnow()
        await self.session.execute(
            insert(notifications),
            [
                {
                    "id": uuid.uuid4(),
                    "member_id": uuid.UUID(member_id),
                    "deliberation_id": uuid.UUID(deliberation_id),
                    "kind": kind,
                    "subject": subject,
                    "details": details,
                    "created_at": now,
                }
                for member_id in member_ids
            ],
        )

    async def list(
        self, *, member_id: str | None, deliberation_id: str | None, limit: int, after: str | None
    ) -> list[dict[str, Any]]:
        query = select(notifications).order_by(notifications.c.id).limit(limit)
        if member_id:
            query = query.where(notifications.c.member_id == uuid_or_none(member_id))
        if deliberation_id:
            query = query.where(notifications.c.deliberation_id == uuid_or_none(deliberation_id))
        if after:
            query = query.where(notifications.c.id > cursor_key(after))
        return [_notification(row) for row in (await self.session.execute(query)).all()]

    async def acknowledge(self, notification_id: str) -> dict[str, Any] | None:
        key = uuid_or_none(notification_id)
        if key is None:
            return None
        await self.session.execute(
            update(notifications)
            .where(notifications.c.id == key, notifications.c.acknowledged_at.is_(None))
            .values(acknowledged_at=utcnow())
        )
        row = (await self.session.execute(select(notifications).where(notifications.c.id == key))).first()
        return _notification(row) if row else None


def _notification(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "member_id": str(row.member_id),
        "deliberation_id": str(row.deliberation_id),
        "kind": row.kind,
        "subject": row.subject,
        "details": row.details,
        "created_at": row.created_at,
        "acknowledged_at": row.acknowledged_at,
    }
