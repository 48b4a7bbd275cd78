"""HTTP routes for schools (UAI), transfers, pupil counts and their CSV import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from services.members.adapters.schools import SchoolRepository
from services.members.domain.school import PupilCount, School
from services.members.entrypoints.imports import CSV_BODY, csv_text, report_response
from services.members.entrypoints.schemas_more import (
    AttachmentOut,
    ImportReportOut,
    PupilCountIn,
    PupilCountOut,
    SchoolIn,
    SchoolMemberOut,
    SchoolOut,
    SchoolPage,
    TransferIn,
)
from services.members.use_cases import schools as cases
from shared.clock import paris_today
from shared.runtime import ServiceRuntime


def school_out(school: School, on: dt.date) -> SchoolOut:
    return SchoolOut(
        uai=school.uai,
        name=school.name,
        commune_insee=school.commune_insee,
        member_id=school.member_on(on),
        on=on,
        attachments=[
            AttachmentOut(
                member_id=a.member_id, from_date=a.from_date, until=a.until, deliberation_id=a.deliberation_id
            )
            for a in school.attachments
        ],
    )


def _count_out(count: PupilCount, revision: int) -> PupilCountOut:
    return PupilCountOut(
        uai=count.uai,
        school_year=str(count.school_year),
        pupils=count.pupils,
        member_id=count.member_id,
        counted_on=count.counted_on,
        revision=revision,
    )


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["schools"])

    @router.post(
        "/schools/pupil-counts/import",
        response_model=ImportReportOut,
        status_code=status.HTTP_201_CREATED,
        summary="Import pupil counts from CSV `UAI;school year;pupils` (all or nothing, report per line)",
        openapi_extra=CSV_BODY,
        responses={
            422: {"description": "Lines refused; the report lists each with its reason; nothing imported"}
        },
    )
    async def import_counts(request: Request, dry_run: bool = False) -> JSONResponse:
        text = await csv_text(request)
        async with runtime.unit_of_work() as uow:
            report = await cases.import_pupil_counts(text, uow, dry_run=dry_run)
        return report_response(report, request, dry_run=dry_run)

    @router.get("/schools/pupil-counts", response_model=list[PupilCountOut], summary="Pupil counts, filtered")
    async def list_counts(
        uai: Annotated[str | None, Query(max_length=8)] = None,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        school_year: Annotated[str | None, Query(max_length=9)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[PupilCountOut]:
        async with runtime.unit_of_work() as uow:
            rows = await cases.pupil_counts(
                uow, uai=uai, member_id=member_id, school_year=school_year, limit=limit, offset=offset
            )
        return [PupilCountOut.model_validate(row) for row in rows]

    @router.post(
        "/schools", status_code=status.HTTP_201_CREATED, response_model=SchoolOut, summary="Register a school"
    )
    async def register(body: SchoolIn) -> SchoolOut:
        async with runtime.unit_of_work() as uow:
            school = await cases.register_school(cases.RegisterSchool(**body.model_dump()), uow)
        return school_out(school, body.attached_from)

    @router.get(
        "/schools", response_model=SchoolPage, summary="List schools, by member (on a date) or commune"
    )
    async def list_schools(
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        on: dt.date | None = None,
        commune_insee: Annotated[str | None, Query(max_length=5)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(max_length=8)] = None,
    ) -> SchoolPage:
        day = on or paris_today()
        async with runtime.unit_of_work() as uow:
            found = await SchoolRepository(uow.session).list(
                limit=limit,
                after=cursor,
                member_id=member_id,
                on=day if member_id else None,
                commune_insee=commune_insee,
            )
        return SchoolPage(
            items=[school_out(s, day) for s in found],
            next_cursor=found[-1].uai if len(found) == limit else None,
        )

    @router.get(
        "/schools/{uai}", response_model=SchoolOut, summary="Read a school with its attachment history"
    )
    async def read(uai: str, on: dt.date | None = None) -> SchoolOut:
        async with runtime.unit_of_work() as uow:
            school = await cases.get_school(uai, uow)
        return school_out(school, on or paris_today())

    @router.get(
        "/schools/{uai}/member", response_model=SchoolMemberOut, summary="The school's member on a date"
    )
    async def member_on(uai: str, on: dt.date | None = None) -> SchoolMemberOut:
        day = on or paris_today()
        async with runtime.unit_of_work() as uow:
            school = await cases.get_school(uai, uow)
        return SchoolMemberOut(uai=school.uai, on=day, member_id=school.member_on(day))

    @router.post(
        "/schools/{uai}/transfers",
        status_code=status.HTTP_201_CREATED,
        response_model=SchoolOut,
        summary="Transfer the school to another member from a date (history kept)",
    )
    async def transfer(uai: str, body: TransferIn) -> SchoolOut:
        async with runtime.unit_of_work() as uow:
            school = await cases.transfer_school(cases.TransferSchool(uai=uai, **body.model_dump()), uow)
        return school_out(school, body.effective_date)

    @router.post(
        "/schools/{uai}/pupil-counts",
        status_code=status.HTTP_201_CREATED,
        response_model=PupilCountOut,
        summary="Record (or correct) the pupil count of a school for a school year",
    )
    async def record_count(uai: str, body: PupilCountIn) -> PupilCountOut:
        async with runtime.unit_of_work() as uow:
            count, revision = await cases.record_pupil_count(
                cases.RecordPupilCount(uai=uai, **body.model_dump()), uow
            )
        return _count_out(count, revision)

    return router
