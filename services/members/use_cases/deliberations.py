"""Deliberations as first-class records, and how other acts find the one they rest on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from services.members.adapters.deliberations import DeliberationRepository
from services.members.adapters.repository import MemberRepository
from services.members.domain.deliberation import Assembly, Deliberation
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RecordDeliberation:
    number: str
    date: dt.date
    assembly: Assembly
    subject: str
    member_id: str | None = None
    document_ref: str | None = None


async def add_deliberation(command: RecordDeliberation, uow: UnitOfWork) -> Deliberation:
    """Inside a use case's transaction: numbers are unique per deciding body (409 otherwise)."""
    deliberation = Deliberation(id=str(uuid.uuid4()), **vars(command))
    if deliberation.member_id is not None and not await MemberRepository(uow.session).exists(
        deliberation.member_id
    ):
        raise NotFound(f"no member {deliberation.member_id}", field="member_id")
    repository = DeliberationRepository(uow.session)
    if await repository.by_number(deliberation.body_key, deliberation.number) is not None:
        raise Conflict(
            f"deliberation {deliberation.number} of this assembly is already recorded", field="number"
        )
    await repository.add(deliberation)
    return deliberation


async def record_deliberation(command: RecordDeliberation, uow: UnitOfWork) -> Deliberation:
    deliberation = await add_deliberation(command, uow)
    uow.record("members.deliberation.recorded", "deliberation", deliberation.id, after=deliberation)
    await uow.commit()
    return deliberation


async def deliberation_by_number_or_new(command: RecordDeliberation, uow: UnitOfWork) -> Deliberation:
    """The act names its deliberation by number: reuse the record of that number if it is the same
    decision (same date), else record it; the same number on another date is a conflict."""
    probe = Deliberation(id="probe", **vars(command))
    existing = await DeliberationRepository(uow.session).by_number(probe.body_key, probe.number)
    if existing is None:
        return await add_deliberation(command, uow)
    if existing.date != command.date:
        raise Conflict(
            f"deliberation {command.number} is recorded with the date {existing.date.isoformat()}",
            field="deliberation_date",
        )
    return existing


async def required_deliberation(
    deliberation_id: str,
    uow: UnitOfWork,
    assemblies: Iterable[Assembly],
    *,
    member_id: str | None = None,
    field: str = "deliberation_id",
) -> Deliberation:
    deliberation = await DeliberationRepository(uow.session).get(deliberation_id)
    if deliberation is None:
        raise NotFound(f"no deliberation {deliberation_id}", field=field)
    return deliberation.require_decided_by(assemblies, member_id=member_id, field=field)


async def get_deliberation(deliberation_id: str, uow: UnitOfWork) -> Deliberation:
    deliberation = await DeliberationRepository(uow.session).get(deliberation_id)
    if deliberation is None:
        raise NotFound(f"no deliberation {deliberation_id}")
    return deliberation
