"""HTTP routes of the members service: parse, call the use case, shape the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.members.adapters.repository import MemberRepository
from services.members.domain.adhesion import Adhesion
from services.members.domain.member import Address, Member
from services.members.entrypoints.schemas import (
    AddressIn,
    AdhesionIn,
    AdhesionOut,
    CommitteeVoteIn,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberStatusOut,
    WithdrawalIn,
)
from services.members.use_cases import adhesions as adhesion_cases
from services.members.use_cases import registration
from shared.clock import paris_today
from shared.runtime import ServiceRuntime


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
    )


def _adhesion_out(adhesion: Adhesion) -> AdhesionOut:
    return AdhesionOut(
        id=adhesion.id,
        member_id=adhesion.member_id,
        effective_date=adhesion.effective_date,
        option=adhesion.option,
        status=adhesion.status,
        decided_on=adhesion.decided_on,
        withdrawal_date=adhesion.withdrawal_date,
    )


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
        )
        async with runtime.unit_of_work() as uow:
            return _member_out(await registration.register_member(command, uow))

    @router.get("/members/{member_id}", response_model=MemberOut, summary="Read a member")
    async def read(member_id: str) -> MemberOut:
        async with runtime.unit_of_work() as uow:
            return _member_out(await registration.get_member(member_id, uow))

    @router.get("/members", response_model=MemberPage, summary="List members, by kind, with a cursor")
    async def list_members(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
        kind: Annotated[str | None, Query(max_length=20)] = None,
    ) -> MemberPage:
        async with runtime.unit_of_work() as uow:
            found = await MemberRepository(uow.session).list(limit=limit, after=cursor, kind=kind)
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
            return _adhesion_out(await adhesion_cases.request_adhesion(command, uow))

    @router.post(
        "/adhesions/{adhesion_id}/committee-vote",
        response_model=AdhesionOut,
        summary="Record the Comité's vote (two thirds of votes cast)",
    )
    async def committee_vote(adhesion_id: str, body: CommitteeVoteIn) -> AdhesionOut:
        command = adhesion_cases.RecordCommitteeVote(adhesion_id=adhesion_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return _adhesion_out(await adhesion_cases.record_committee_vote(command, uow))

    @router.post(
        "/adhesions/{adhesion_id}/withdrawal",
        response_model=AdhesionOut,
        summary="Record the member's withdrawal (reprise de la compétence)",
    )
    async def withdraw(adhesion_id: str, body: WithdrawalIn) -> AdhesionOut:
        command = adhesion_cases.WithdrawAdhesion(adhesion_id=adhesion_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return _adhesion_out(await adhesion_cases.withdraw_adhesion(command, uow))

    @router.get(
        "/members/{member_id}/status",
        response_model=MemberStatusOut,
        summary="The member's status for the competence on a date",
    )
    async def member_status(member_id: str, on: dt.date | None = None) -> MemberStatusOut:
        day = on or paris_today()
        async with runtime.unit_of_work() as uow:
            state, adhesion = await adhesion_cases.member_status_on(member_id, day, uow)
        return MemberStatusOut(
            member_id=member_id, on=day, status=state, adhesion=_adhesion_out(adhesion) if adhesion else None
        )

    return router
