"""SQL for members (with contacts and version history) and adhesions (with option changes)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.members.adapters.tables import (
    adhesion_option_changes,
    adhesions,
    member_contacts,
    member_versions,
    members,
)
from services.members.domain.adhesion import Adhesion, AdhesionOption, AdhesionStatus, OptionChange
from services.members.domain.member import Address, ChorusRequirement, Contact, Member, MemberKind
from shared.db import utcnow, uuid_or_none
from shared.errors import BusinessRuleViolation


def _member(row: Any, contacts: list[Contact]) -> Member:
    return Member(
        id=str(row.id),
        kind=MemberKind(row.kind),
        name=row.name,
        siren=row.siren,
        siret=row.siret,
        address=Address(row.address_line1, row.postcode, row.city, row.address_line2, row.country_code),
        service_code=row.service_code,
        chorus_requirement=ChorusRequirement(row.chorus_requirement),
        contacts=contacts,
        version=row.version,
    )


def member_state(member: Member) -> dict[str, Any]:
    """The member as stored in its history: everything but the id and the version number."""
    return {
        "kind": member.kind.value,
        "name": member.name,
        "siren": member.siren,
        "siret": member.siret,
        "address": asdict(member.address),
        "service_code": member.service_code,
        "chorus_requirement": member.chorus_requirement.value,
        "contacts": [asdict(c) for c in member.contacts],
    }


def _identity_values(member: Member) -> dict[str, Any]:
    return {
        "kind": member.kind.value,
        "name": member.name,
        "siret": member.siret,
        "address_line1": member.address.line1,
        "address_line2": member.address.line2,
        "postcode": member.address.postcode,
        "city": member.address.city,
        "country_code": member.address.country_code,
        "service_code": member.service_code,
        "chorus_requirement": member.chorus_requirement.value,
        "version": member.version,
    }


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, member: Member) -> None:
        now = utcnow()
        await self.session.execute(
            insert(members).values(
                id=uuid.UUID(member.id), siren=member.siren, created_at=now, **_identity_values(member)
            )
        )
        await self._write_contacts(member)
        await self._write_version(member, [], now)

    async def save_update(self, member: Member, changed: list[str]) -> None:
        """The new state replaces the current one; the history keeps every version."""
        now = utcnow()
        await self.session.execute(
            update(members)
            .where(members.c.id == uuid.UUID(member.id))
            .values(updated_at=now, **_identity_values(member))
        )
        await self.session.execute(
            delete(member_contacts).where(member_contacts.c.member_id == uuid.UUID(member.id))
        )
        await self._write_contacts(member)
        await self._write_version(member, changed, now)

    async def _write_contacts(self, member: Member) -> None:
        if member.contacts:
            await self.session.execute(
                insert(member_contacts),
                [
                    {"member_id": uuid.UUID(member.id), "position": position, **asdict(contact)}
                    for position, contact in enumerate(member.contacts, start=1)
                ],
            )

    async def _write_version(self, member: Member, changed: list[str], at: Any) -> None:
        await self.session.execute(
            insert(member_versions).values(
                member_id=uuid.UUID(member.id),
                version=member.version,
                recorded_at=at,
                changed_fields=changed,
                state=member_state(member),
            )
        )

    async def get(self, member_id: str, *, for_update: bool = False) -> Member | None:
        key = uuid_or_none(member_id)
        if key is None:
            return None
        query = select(members).where(members.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return _member(row, (await self._contacts_of([key]))[key])

    async def _contacts_of(self, keys: list[uuid.UUID]) -> dict[uuid.UUID, list[Contact]]:
        found: dict[uuid.UUID, list[Contact]] = {key: [] for key in keys}
        if not keys:
            return found
        rows = (
            await self.session.execute(
                select(member_contacts)
                .where(member_contacts.c.member_id.in_(keys))
                .order_by(member_contacts.c.member_id, member_contacts.c.position)
            )
        ).all()
        for row in rows:
            found[row.member_id].append(Contact(row.name, row.role, row.email, row.phone))
        return found

    async def history(self, member_id: str) -> list[dict[str, Any]]:
        rows = (
            await self.session.execute(
                select(member_versions)
                .where(member_versions.c.member_id == uuid_or_none(member_id))
                .order_by(member_versions.c.version)
            )
        ).all()
        return [
            {
                "version": row.version,
                "recorded_at": row.recorded_at,
                "changed_fields": row.changed_fields,
                "state": row.state,
            }
            for row in rows
        ]

    async def siren_taken(self, siren: str) -> bool:
        return (
            await self.session.execute(select(members.c.id).where(members.c.siren == siren))
        ).first() is not None

    async def exists(self, member_id: str) -> bool:
        key = uuid_or_none(member_id)
        return (
            key is not None
            and (await self.session.execute(select(members.c.id).where(members.c.id == key))).first()
            is not None
        )

    async def list(
        self,
        *,
        limit: int,
        after: str | None,
        kind: str | None,
        siren: str | None = None,
        name_contains: str | None = None,
    ) -> list[Member]:
        query = select(members).order_by(members.c.id).limit(limit)
        if after:
            query = query.where(members.c.id > cursor_key(after))
        if kind:
            query = query.where(members.c.kind == kind)
        if siren:
            query = query.where(members.c.siren == siren)
        if name_contains:
            query = query.where(members.c.name.ilike(f"%{_escape_like(name_contains)}%", escape="\\"))
        rows = (await self.session.execute(query)).all()
        contacts = await self._contacts_of([row.id for row in rows])
        return [_member(row, contacts[row.id]) for row in rows]


def _adhesion(row: Any, changes: list[OptionChange]) -> Adhesion:
    return Adhesion(
        id=str(row.id),
        member_id=str(row.member_id),
        member_deliberation_date=row.member_deliberation_date,
        effective_date=row.effective_date,
        option=AdhesionOption(row.option),
        status=AdhesionStatus(row.status),
        decided_on=row.decided_on,
        withdrawal_date=row.withdrawal_date,
        member_deliberation_id=_str(row.member_deliberation_id),
        committee_deliberation_id=_str(row.committee_deliberation_id),
        withdrawal_deliberation_id=_str(row.withdrawal_deliberation_id),
        withdrawal_deliberation_date=row.withdrawal_deliberation_date,
        option_changes=changes,
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
                member_deliberation_id=_key(adhesion.member_deliberation_id),
                effective_date=adhesion.effective_date,
                option=adhesion.option.value,
                status=adhesion.status.value,
                created_at=utcnow(),
            )
        )

    async def get(self, adhesion_id: str, *, for_update: bool = False) -> Adhesion | None:
        key = uuid_or_none(adhesion_id)
        if key is None:
            return None
        query = select(adhesions).where(adhesions.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _adhesion(row, await self._changes(row.id)) if row else None

    async def deliberation_number(self, adhesion_id: str) -> str | None:
        return (
            await self.session.execute(
                select(adhesions.c.member_deliberation_number).where(
                    adhesions.c.id == uuid_or_none(adhesion_id)
                )
            )
        ).scalar()

    async def _changes(self, adhesion_key: uuid.UUID) -> list[OptionChange]:
        rows = (
            await self.session.execute(
                select(adhesion_option_changes)
                .where(adhesion_option_changes.c.adhesion_id == adhesion_key)
                .order_by(adhesion_option_changes.c.effective_date)
            )
        ).all()
        return [
            OptionChange(AdhesionOption(r.option), r.effective_date, str(r.deliberation_id)) for r in rows
        ]

    async def for_member(self, member_id: str) -> list[Adhesion]:
        rows = (
            await self.session.execute(
                select(adhesions)
                .where(adhesions.c.member_id == uuid_or_none(member_id))
                .order_by(adhesions.c.created_at)
            )
        ).all()
        return [_adhesion(row, await self._changes(row.id)) for row in rows]

    async def decided(self) -> list[Adhesion]:
        """Every adhesion the Comité approved (withdrawn ones included), for art. 8 notifications."""
        rows = (
            await self.session.execute(
                select(adhesions)
                .where(
                    adhesions.c.status.in_([AdhesionStatus.APPROVED.value, AdhesionStatus.WITHDRAWN.value])
                )
                .order_by(adhesions.c.member_id, adhesions.c.created_at)
            )
        ).all()
        return [_adhesion(row, []) for row in rows]

    async def save_decision(
        self, adhesion: Adhesion, votes: tuple[int, int, int], deliberation_id: str | None = None
    ) -> None:
        await self.session.execute(
            update(adhesions)
            .where(adhesions.c.id == uuid.UUID(adhesion.id))
            .values(
                status=adhesion.status.value,
                decided_on=adhesion.decided_on,
                votes_for=votes[0],
                votes_against=votes[1],
                abstentions=votes[2],
                committee_deliberation_id=_key(deliberation_id),
            )
        )

    async def save_withdrawal(self, adhesion: Adhesion) -> None:
        await self.session.execute(
            update(adhesions)
            .where(adhesions.c.id == uuid.UUID(adhesion.id))
            .values(
                status=adhesion.status.value,
                withdrawal_date=adhesion.withdrawal_date,
                withdrawal_deliberation_date=adhesion.withdrawal_deliberation_date,
                withdrawal_deliberation_id=_key(adhesion.withdrawal_deliberation_id),
            )
        )

    async def add_option_change(
        self, adhesion: Adhesion, change: OptionChange, previous: AdhesionOption
    ) -> None:
        await self.session.execute(
            insert(adhesion_option_changes).values(
                id=uuid.uuid4(),
                adhesion_id=uuid.UUID(adhesion.id),
                option=change.option.value,
                previous_option=previous.value,
                effective_date=change.effective_date,
                deliberation_id=uuid.UUID(change.deliberation_id),
                created_at=utcnow(),
            )
        )


def cursor_key(cursor: str) -> uuid.UUID:
    """The id a page cursor names; a cursor this API did not hand out is a 422 on `cursor`."""
    key = uuid_or_none(cursor)
    if key is None:
        raise BusinessRuleViolation("not a cursor this API returned", field="cursor")
    return key


def _key(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
