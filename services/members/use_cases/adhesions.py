"""Adhesion by concordant deliberations: the member's deliberation, then the Comité's vote (art. 4)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.members.adapters.repository import AdhesionRepository, MemberRepository
from services.members.domain.adhesion import Adhesion, AdhesionOption, AdhesionStatus, MemberStatus
from shared.contracts.members import AdhesionApproved, AdhesionRejected, AdhesionWithdrawn
from shared.contracts.members import AdhesionOption as ContractOption
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RequestAdhesion:
    """The member's own deliberation: competence, effective date, approval of the conditions."""

    member_id: str
    deliberation_number: str
    deliberation_date: dt.date
    effective_date: dt.date
    option: AdhesionOption


@dataclass(frozen=True)
class RecordCommitteeVote:
    adhesion_id: str
    session_date: dt.date
    votes_for: int
    votes_against: int
    abstentions: int


@dataclass(frozen=True)
class WithdrawAdhesion:
    adhesion_id: str
    deliberation_date: dt.date
    effective_date: dt.date


async def request_adhesion(command: RequestAdhesion, uow: UnitOfWork) -> Adhesion:
    if await MemberRepository(uow.session).get(command.member_id) is None:
        raise NotFound(f"no member {command.member_id}", field="member_id")
    repository = AdhesionRepository(uow.session)
    open_ones = [
        a
        for a in await repository.for_member(command.member_id)
        if a.status in (AdhesionStatus.PENDING, AdhesionStatus.APPROVED)
    ]
    if open_ones:
        raise Conflict(f"the member already has a {open_ones[0].status.value} adhesion", field="member_id")
    adhesion = Adhesion.requested(
        id=str(uuid.uuid4()),
        member_id=command.member_id,
        deliberation_date=command.deliberation_date,
        effective_date=command.effective_date,
        option=command.option,
    )
    await repository.add(adhesion, command.deliberation_number)
    await uow.commit()
    return adhesion


async def record_committee_vote(command: RecordCommitteeVote, uow: UnitOfWork) -> Adhesion:
    repository = AdhesionRepository(uow.session)
    adhesion = await repository.get(command.adhesion_id, for_update=True)
    if adhesion is None:
        raise NotFound(f"no adhesion {command.adhesion_id}")
    passed = adhesion.decide(
        session_date=command.session_date,
        votes_for=command.votes_for,
        votes_against=command.votes_against,
        abstentions=command.abstentions,
    )
    await repository.save_decision(adhesion, (command.votes_for, command.votes_against, command.abstentions))
    if passed:
        uow.emit(
            AdhesionApproved(
                adhesion_id=adhesion.id,
                member_id=adhesion.member_id,
                effective_date=adhesion.effective_date,
                option=ContractOption(adhesion.option.value),
                decided_on=command.session_date,
            )
        )
    else:
        uow.emit(
            AdhesionRejected(
                adhesion_id=adhesion.id,
                member_id=adhesion.member_id,
                decided_on=command.session_date,
                votes_for=command.votes_for,
                votes_against=command.votes_against,
            )
        )
    await uow.commit()
    return adhesion


async def withdraw_adhesion(command: WithdrawAdhesion, uow: UnitOfWork) -> Adhesion:
    repository = AdhesionRepository(uow.session)
    adhesion = await repository.get(command.adhesion_id, for_update=True)
    if adhesion is None:
        raise NotFound(f"no adhesion {command.adhesion_id}")
    adhesion.withdraw(deliberation_date=command.deliberation_date, effective_date=command.effective_date)
    await repository.save_withdrawal(adhesion)
    uow.emit(
        AdhesionWithdrawn(
            adhesion_id=adhesion.id, member_id=adhesion.member_id, effective_date=command.effective_date
        )
    )
    await uow.commit()
    return adhesion


async def member_status_on(
    member_id: str, day: dt.date, uow: UnitOfWork
) -> tuple[MemberStatus, Adhesion | None]:
    """The member's status for the competence on `day`, from its latest adhesion that is not rejected."""
    if await MemberRepository(uow.session).get(member_id) is None:
        raise NotFound(f"no member {member_id}")
    candidates = [
        a
        for a in await AdhesionRepository(uow.session).for_member(member_id)
        if a.status is not AdhesionStatus.REJECTED
    ]
    if not candidates:
        return MemberStatus.NOT_ADHERING, None
    latest = candidates[-1]
    return latest.status_on(day), latest
