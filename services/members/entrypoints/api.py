"""HTTP routes of the members service: members and adhesions. Parse, call the use case, shape the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from services.members.adapters.repository import MemberRepository
from services.members.domain.adhesion import Adhesion
from services.members.domain.member import Address, Contact, Member
from services.members.entrypoints.schemas import (
    AddressIn,
    AdhesionIn,
    AdhesionOut,
    CommitteeVoteIn,
    ContactIn,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberStatusOut,
    MemberUpdateIn,
    MemberVersionOut,
    OptionChangeIn,
    OptionChangeOut,
    WithdrawalIn,
)
from services.members.use_cases import adhesions as adhesion_cases
from services.members.use_cases import registration
from shared.clock import paris_today
from shared.errors import BusinessRuleViolation
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import ensure_member_owns


def _member_out(member: Member) -> MemberOut:
    return MemberOut(
        id=member.id,
        kind=member.kind,
        name=member.name,
        siren=member.siren,
        siret=member.siret,
        address=AddressIn(**asdict(member.address)),
        service_code=member.service_code,
        chorus_requirement=member.chorus_requirement,
        contacts=[ContactIn(**asdict(c)) for c in member.contacts],
        version=member.version,
    )


def adhesion_out(adhesion: Adhesion) -> AdhesionOut:
    return AdhesionOut(
        id=adhesion.id,
        member_id=adhesion.member_id,
        effective_date=adhesion.effective_date,
        option=adhesion.option,
        status=adhesion.status,
        decided_on=adhesion.decided_on,
        withdrawal_date=adhesion.withdrawal_date,
        member_deliberation_id=adhesion.member_deliberation_id,
        committee_deliberation_id=adhesion.committee_deliberation_id,
        withdrawal_deliberation_id=adhesion.withdrawal_deliberation_id,
        option_changes=[
            OptionChangeOut(
                option=c.option, effective_date=c.effective_date, deliberation_id=c.deliberation_id
            )
            for c in adhesion.option_changes
        ],
    )


def _contacts(items: list[ContactIn]) -> list[Contact]:
    return [Contact(**c.model_dump()) for c in items]


def _changes(body: MemberUpdateIn) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None and name != "service_code":
            raise BusinessRuleViolation(f"{name} cannot be emptied", field=name)
        if name == "address":
            value = Address(**value.model_dump())
        elif name == "contacts":
            value = _contacts(value)
        changes[name] = value
    return changes


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["members"])

    @router.post(
        "/members",
        status_code=status.HTTP_201_CREATED,
        response_model=MemberOut,
        summary="Register a member (adhérent)",
    )
    async def register(body: MemberIn) -> MemberOut:
        command = registration.RegisterMember(
            kind=body.kind,
            name=body.name,
            siren=body.siren,
            siret=body.siret,
            address=Address(**body.address.model_dump()),
            service_code=body.service_code,
            chorus_requirement=body.chorus_requirement,
            contacts=_contacts(body.contacts),
        )
        async with runtime.unit_of_work() as uow:
            return _member_out(await registration.register_member(command, uow))

    @router.get("/members/{member_id}", response_model=MemberOut, summary="Read a member")
    async def read(member_id: str, principal: CurrentPrincipal) -> MemberOut:
        ensure_member_owns(principal, member_id, what="member")
        async with runtime.unit_of_work() as uow:
            return _member_out(await registration.get_member(member_id, uow))

    @router.patch(
        "/members/{member_id}",
        response_model=MemberOut,
        summary="Update a member (identity, SIRET, address, contacts, Chorus routing); history kept",
    )
    async def update(member_id: str, body: MemberUpdateIn) -> MemberOut:
        command = registration.UpdateMember(member_id=member_id, changes=_changes(body))
        async with runtime.unit_of_work() as uow:
            return _member_out(await registration.update_member(command, uow))

    @router.get(
        "/members/{member_id}/history",
        response_model=list[MemberVersionOut],
        summary="Every version of the member, oldest first",
    )
    async def history(member_id: str) -> list[MemberVersionOut]:
        async with runtime.unit_of_work() as uow:
            return [MemberVersionOut(**v) for v in await registration.member_history(member_id, uow)]

    @router.get(
        "/members", response_model=MemberPage, summary="List members, by kind, SIREN or name, with a cursor"
    )
    async def list_members(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
        kind: Annotated[str | None, Query(max_length=20)] = None,
        siren: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
        name: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    ) -> MemberPage:
        async with runtime.unit_of_work() as uow:
            found = await MemberRepository(uow.session).list(
                limit=limit, after=cursor, kind=kind, siren=siren, name_contains=name
            )
        return MemberPage(
            items=[_member_out(m) for m in found], next_cursor=found[-1].id if len(found) == limit else None
        )

    @router.post(
        "/members/{member_id}/adhesions",
        status_code=status.HTTP_201_CREATED,
        response_model=AdhesionOut,
        summary="Record the member's deliberation to adhere",
    )
    async def request_adhesion(member_id: str, body: AdhesionIn) -> AdhesionOut:
        command = adhesion_cases.RequestAdhesion(member_id=member_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return adhesion_out(await adhesion_cases.request_adhesion(command, uow))

    @router.get(
        "/members/{member_id}/adhesions",
        response_model=list[AdhesionOut],
        summary="The member's adhesions, oldest first",
    )
    async def list_adhesions(member_id: str) -> list[AdhesionOut]:
        async with runtime.unit_of_work() as uow:
            return [adhesion_out(a) for a in await adhesion_cases.adhesions_of(member_id, uow)]

    @router.get("/adhesions/{adhesion_id}", response_model=AdhesionOut, summary="Read an adhesion")
    async def read_adhesion(adhesion_id: str) -> AdhesionOut:
        async with runtime.unit_of_work() as uow:
            return adhesion_out(await adhesion_cases.get_adhesion(adhesion_id, uow))

    @router.post(
        "/adhesions/{adhesion_id}/committee-vote",
        response_model=AdhesionOut,
        summary="Record the Comité's vote (two thirds of votes cast)",
    )
    async def committee_vote(adhesion_id: str, body: CommitteeVoteIn) -> AdhesionOut:
        command = adhesion_cases.RecordCommitteeVote(adhesion_id=adhesion_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return adhesion_out(await adhesion_cases.record_committee_vote(command, uow))

    @router.post(
        "/adhesions/{adhesion_id}/withdrawal",
        response_model=AdhesionOut,
        summary="Record the member's withdrawal (reprise de la compétence)",
    )
    async def withdraw(adhesion_id: str, body: WithdrawalIn) -> AdhesionOut:
        command = adhesion_cases.WithdrawAdhesion(adhesion_id=adhesion_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return adhesion_out(await adhesion_cases.withdraw_adhesion(command, uow))

    @router.post(
        "/adhesions/{adhesion_id}/option-changes",
        status_code=status.HTTP_201_CREATED,
        response_model=AdhesionOut,
        summary="Change the option (base ↔ base + optional flat support) by deliberation, from a date",
    )
    async def change_option(adhesion_id: str, body: OptionChangeIn) -> AdhesionOut:
        command = adhesion_cases.ChangeOption(adhesion_id=adhesion_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return adhesion_out(await adhesion_cases.change_option(command, uow))

    @router.get(
        "/members/{member_id}/status",
        response_model=MemberStatusOut,
        summary="The member's status for the competence on a date",
    )
    async def member_status(
        member_id: str, principal: CurrentPrincipal, on: dt.date | None = None
    ) -> MemberStatusOut:
        ensure_member_owns(principal, member_id, what="member")
        day = on or paris_today()
        async with runtime.unit_of_work() as uow:
            state, adhesion = await adhesion_cases.member_status_on(member_id, day, uow)
        return MemberStatusOut(
            member_id=member_id,
            on=day,
            status=state,
            adhesion=adhesion_out(adhesion) if adhesion else None,
            option=adhesion.option_on(day) if adhesion else None,
        )

    return router
