"""SQL for members and adhesions, mapping rows to domain objects and back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.tables import adhesions, members
from services.members.domain.adhesion import Adhesion, AdhesionOption, AdhesionStatus
from services.members.domain.member import Address, ChorusRequirement, Member, MemberKind
from shared.db import utcnow


def _member(row: Any) -> Member:
    return Member(
        id=str(row.id),
        kind=MemberKind(row.kind),
        name=row.name,
        siren=row.siren,
        siret=row.siret,
        address=Address(row.address_line1, row.postcode, row.city, row.address_line2, row.country_code),
        service_code=row.service_code,
        chorus_requirement=ChorusRequirement(row.chorus_requirement),
    )


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, member: Member) -> None:
        await self.session.execute(
            insert(members).values(
                id=uuid.UUID(member.id),
                kind=member.kind.value,
                name=member.name,
                siren=member.siren,
                siret=member.siret,
                address_line1=member.address.line1,
                address_line2=member.address.line2,
                postcode=member.address.postcode,
                city=member.address.city,
                country_code=member.address.country_code,
                service_code=member.service_code,
                chorus_requirement=member.chorus_requirement.value,
                created_at=utcnow(),
            )
        )

    async def get(self, member_id: str) -> Member | None:
        row = (await self.session.execute(select(members).where(members.c.id == _uuid(member_id)))).first()
        return _member(row) if row else None

    async def siren_taken(self, siren: str) -> bool:
        return (
            await self.session.execute(select(members.c.id).where(members.c.siren == siren))
        ).first() is not None

    async def list(self, *, limit: int, after: str | None, kind: str | None) -> list[Member]:
        query = select(members).order_by(members.c.id).limit(limit)
        if after:
            query = query.where(members.c.id > _uuid(after))
        if kind:
            query = query.where(members.c.kind == kind)
        return [_member(row) for row in (await self.session.execute(query)).all()]


def _adhesion(row: Any) -> Adhesion:
    return Adhesion(
        id=str(row.id),
        member_id=str(row.member_id),
        member_deliberation_date=row.member_deliberation_date,
        effective_date=row.effective_date,
        option=AdhesionOption(row.option),
        status=AdhesionStatus(row.status),
        decided_on=row.decided_on,
        withdrawal_date=row.withdrawal_date,
    )


class AdhesionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, adhesion: Adhesion, deliberation_number: str) -> None:
        await self.session.execute(
            insert(adhesions).values(
                id=uuid.UUID(adhesion.id),
                member_id=uuid.UUID(adhesion.member_id),
                member_deliberation_number=deliberation_number,
                member_deliberation_date=adhesion.member_deliberation_date,
                effective_date=adhesion.effective_date,
                option=adhesion.option.value,
                status=adhesion.status.value,
                created_at=utcnow(),
            )
        )

    async def get(self, adhesion_id: str, *, for_update: bool = False) -> Adhesion | None:
        query = select(adhesions).where(adhesions.c.id == _uuid(adhesion_id))
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _adhesion(row) if row else None

    async def for_member(self, member_id: str) -> list[Adhesion]:
        rows = (
            await self.session.execute(
                select(adhesions)
                .where(adhesions.c.member_id == _uuid(member_id))
                .order_by(adhesions.c.created_at)
            )
        ).all()
        return [_adhesion(row) for row in rows]

    async def save_decision(self, adhesion: Adhesion, votes: tuple[int, int, int]) -> None:
        await self.session.execute(
            update(adhesions)
            .where(adhesions.c.id == uuid.UUID(adhesion.id))
            .values(
                status=adhesion.status.value,
                decided_on=adhesion.decided_on,
                votes_for=votes[0],
                votes_against=votes[1],
                abstentions=votes[2],
            )
        )

    async def save_withdrawal(self, adhesion: Adhesion) -> None:
        await self.session.execute(
            update(adhesions)
            .where(adhesions.c.id == uuid.UUID(adhesion.id))
            .values(status=adhesion.status.value, withdrawal_date=adhesion.withdrawal_date)
        )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
