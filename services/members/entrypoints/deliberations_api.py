"""HTTP routes for deliberations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.members.adapters.deliberations import DeliberationRepository
from services.members.domain.deliberation import Assembly, Deliberation
from services.members.entrypoints.schemas import DeliberationIn, DeliberationOut, DeliberationPage
from services.members.use_cases import deliberations as cases
from shared.runtime import ServiceRuntime


def deliberation_out(d: Deliberation) -> DeliberationOut:
    return DeliberationOut(
        id=d.id,
        number=d.number,
        date=d.date,
        assembly=d.assembly,
        member_id=d.member_id,
        subject=d.subject,
        document_ref=d.document_ref,
    )


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["deliberations"])

    @router.post(
        "/deliberations",
        status_code=status.HTTP_201_CREATED,
        response_model=DeliberationOut,
        summary="Record a deliberation of a member's assembly or of the Comité syndical",
    )
    async def record(body: DeliberationIn) -> DeliberationOut:
        async with runtime.unit_of_work() as uow:
            return deliberation_out(
                await cases.record_deliberation(cases.RecordDeliberation(**body.model_dump()), uow)
            )

    @router.get(
        "/deliberations/{deliberation_id}", response_model=DeliberationOut, summary="Read a deliberation"
    )
    async def read(deliberation_id: str) -> DeliberationOut:
        async with runtime.unit_of_work() as uow:
            return deliberation_out(await cases.get_deliberation(deliberation_id, uow))

    @router.get("/deliberations", response_model=DeliberationPage, summary="List deliberations")
    async def list_deliberations(
        assembly: Assembly | None = None,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        date_from: Annotated[dt.date | None, Query(alias="from")] = None,
        date_to: Annotated[dt.date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> DeliberationPage:
        async with runtime.unit_of_work() as uow:
            found = await DeliberationRepository(uow.session).list(
                limit=limit,
                after=cursor,
                assembly=assembly.value if assembly else None,
                member_id=member_id,
                date_from=date_from,
                date_to=date_to,
            )
        return DeliberationPage(
            items=[deliberation_out(d) for d in found],
            next_cursor=found[-1].id if len(found) == limit else None,
        )

    return router
