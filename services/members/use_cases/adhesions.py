"""Adhesion by concordant deliberations: the member's deliberation, then the Comité's vote (art. 4);
option changes and withdrawal (reprise), each by its own deliberation."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.members.adapters.repository import AdhesionRepository, MemberRepository
from services.members.domain.adhesion import (
    Adhesion,
    AdhesionOption,
    AdhesionStatus,
    MemberStatus,
    adhesion_on,
)
from services.members.domain.deliberation import Assembly
from services.members.use_cases.deliberations import (
    RecordDeliberation,
    deliberation_by_number_or_new,
    required_deliberation,
)
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionOptionChanged,
    AdhesionRejected,
    AdhesionWithdrawn,
)
from shared.contracts.members import AdhesionOption as ContractOption
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork

ADHESION_SUBJECT = "Adhésion à la compétence « numérique éducatif » et approbation de ses conditions"
WITHDRAWAL_SUBJECT = "Reprise de la compétence « numérique éducatif »"


@dataclass(frozen=True)
class RequestAdhesion:
    """The member's own deliberation: competence, effective date, approval of the conditions."""

    member_id: str
    deliberation_number: str
    deliberation_date: dt.date
    effective_date: dt.date
    option: AdhesionOption
    subject: str | None = None
    document_ref: str | None = None


@dataclass(frozen=True)
class RecordCommitteeVote:
    adhesion_id: str
    session_date: dt.date
    votes_for: int
    votes_against: int
    abstentions: int
    deliberation_number: str | None = None  # the Comité's deliberation, recorded when given
    document_ref: str | None = None


@dataclass(frozen=True)
class WithdrawAdhesion:
    adhesion_id: str
    deliberation_date: dt.date
    effective_date: dt.date
    deliberation_number: str | None = None  # the member's deliberation, recorded when given
    document_ref: str | None = None


@dataclass(frozen=True)
class ChangeOption:
    adhesion_id: str
    option: AdhesionOption
    effective_date: dt.date
    deliberation_id: str


async def request_adhesion(command: RequestAdhesion, uow: UnitOfWork) -> Adhesion:
    if not await MemberRepository(uow.session).exists(command.member_id):
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
    deliberation = await deliberation_by_number_or_new(
        RecordDeliberation(
            number=command.deliberation_number,
            date=command.deliberation_date,
            assembly=Assembly.MEMBER,
            subject=command.subject or ADHESION_SUBJECT,
            member_id=command.member_id,
            document_ref=command.document_ref,
        ),
        uow,
    )
    adhesion.member_deliberation_id = deliberation.id
    await repository.add(adhesion, command.deliberation_number)
    uow.record("members.adhesion.requested", "adhesion", adhesion.id, after=adhesion)
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
    if command.deliberation_number:
        deliberation = await deliberation_by_number_or_new(
            RecordDeliberation(
                number=command.deliberation_number,
                date=command.session_date,
                assembly=Assembly.COMMITTEE,
                subject=f"Adhésion de {adhesion.member_id} à la compétence « numérique éducatif »",
                document_ref=command.document_ref,
            ),
            uow,
        )
        adhesion.committee_deliberation_id = deliberation.id
    await repository.save_decision(
        adhesion,
        (command.votes_for, command.votes_against, command.abstentions),
        adhesion.committee_deliberation_id,
    )
    if passed:
        uow.emit(
            AdhesionApproved(
                adhesion_id=adhesion.id,
                member_id=adhesion.member_id,
                effective_date=adhesion.effective_date,
                option=ContractOption(adhesion.option.value),
                decided_on=command.session_date,
                member_deliberation_number=await repository.deliberation_number(adhesion.id),
                member_deliberation_date=adhesion.member_deliberation_date,
                votes_for=command.votes_for,
                votes_against=command.votes_against,
                abstentions=command.abstentions,
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
    """Nothing is billed for the competence from `effective_date` on (the member is withdrawn that day)."""
    repository = AdhesionRepository(uow.session)
    adhesion = await repository.get(command.adhesion_id, for_update=True)
    if adhesion is None:
        raise NotFound(f"no adhesion {command.adhesion_id}")
    adhesion.withdraw(deliberation_date=command.deliberation_date, effective_date=command.effective_date)
    if command.deliberation_number:
        deliberation = await deliberation_by_number_or_new(
            RecordDeliberation(
                number=command.deliberation_number,
                date=command.deliberation_date,
                assembly=Assembly.MEMBER,
                subject=WITHDRAWAL_SUBJECT,
                member_id=adhesion.member_id,
                document_ref=command.document_ref,
            ),
            uow,
        )
        adhesion.withdrawal_deliberation_id = deliberation.id
    await repository.save_withdrawal(adhesion)
    uow.emit(
        AdhesionWithdrawn(
            adhesion_id=adhesion.id,
            member_id=adhesion.member_id,
            effective_date=command.effective_date,
            deliberation_date=command.deliberation_date,
            deliberation_number=command.deliberation_number,
        )
    )
    await uow.commit()
    return adhesion


async def change_option(command: ChangeOption, uow: UnitOfWork) -> Adhesion:
    """Base ↔ base + optional flat support, from a date, by a deliberation of the member's assembly
    (or of the Comité)."""
    repository = AdhesionRepository(uow.session)
    adhesion = await repository.get(command.adhesion_id, for_update=True)
    if adhesion is None:
        raise NotFound(f"no adhesion {command.adhesion_id}")
    deliberation = await required_deliberation(
        command.deliberation_id, uow, (Assembly.MEMBER, Assembly.COMMITTEE), member_id=adhesion.member_id
    )
    previous = adhesion.option_on(command.effective_date)
    change = adhesion.change_option(
        option=command.option,
        effective_date=command.effective_date,
        deliberation_date=deliberation.date,
        deliberation_id=deliberation.id,
    )
    await repository.add_option_change(adhesion, change, previous)
    uow.emit(
        AdhesionOptionChanged(
            adhesion_id=adhesion.id,
            member_id=adhesion.member_id,
            previous_option=ContractOption(previous.value),
            option=ContractOption(change.option.value),
            effective_date=change.effective_date,
            deliberation_id=deliberation.id,
            deliberation_number=deliberation.number,
            deliberation_date=deliberation.date,
        )
    )
    await uow.commit()
    return adhesion


async def member_status_on(
    member_id: str, day: dt.date, uow: UnitOfWork
) -> tuple[MemberStatus, Adhesion | None]:
    """The member's status for the competence on `day` (pending, active, withdrawn, not adhering)."""
    if not await MemberRepository(uow.session).exists(member_id):
        raise NotFound(f"no member {member_id}")
    adhesion = adhesion_on(await AdhesionRepository(uow.session).for_member(member_id), day)
    if adhesion is None:
        return MemberStatus.NOT_ADHERING, None
    return adhesion.status_on(day), adhesion


async def adhesions_of(member_id: str, uow: UnitOfWork) -> list[Adhesion]:
    if not await MemberRepository(uow.session).exists(member_id):
        raise NotFound(f"no member {member_id}")
    return await AdhesionRepository(uow.session).for_member(member_id)


async def get_adhesion(adhesion_id: str, uow: UnitOfWork) -> Adhesion:
    adhesion = await AdhesionRepository(uow.session).get(adhesion_id)
    if adhesion is None:
        raise NotFound(f"no adhesion {adhesion_id}")
    return adhesion
