"""HTTP routes for entitlements (art. 6), support requests and ENT usage statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from services.members.adapters.support import SupportRequestRepository
from services.members.domain.entitlements import Level, SupportRequest
from services.members.entrypoints.imports import CSV_BODY, csv_text, report_response
from services.members.entrypoints.schemas_more import (
    DeliveryIn,
    EntitlementsOut,
    ImportReportOut,
    MemberUsageOut,
    ServiceOut,
    SupportRequestIn,
    SupportRequestOut,
    SupportRequestPage,
    UsageOut,
)
from services.members.use_cases import support as cases
from shared.clock import paris_today
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import ensure_member_owns, member_filter, owned_or_404


def request_out(r: SupportRequest) -> SupportRequestOut:
    return SupportRequestOut(
        id=r.id,
        member_id=r.member_id,
        service=r.service,
        level=r.level,
        requested_on=r.requested_on,
        half_days=r.half_days,
        description=r.description,
        status=r.status,
        delivered_on=r.delivered_on,
        delivered_half_days=r.delivered_half_days,
        billable=r.billable,
    )


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["support"])

    @router.get(
        "/members/{member_id}/entitlements",
        response_model=EntitlementsOut,
        summary="What the member's level gives on a date (art. 6)",
    )
    async def entitlements(
        member_id: str, principal: CurrentPrincipal, on: dt.date | None = None
    ) -> EntitlementsOut:
        ensure_member_owns(principal, member_id, what="member")
        async with runtime.unit_of_work() as uow:
            found = await cases.entitlements_on(member_id, on or paris_today(), uow)
        return EntitlementsOut(
            member_id=found.member_id,
            on=found.on,
            status=found.status.value,
            option=found.option.value if found.option else None,
            levels=list(found.levels),
            services=[
                ServiceOut(
                    code=service.code,
                    label=service.label,
                    level=service.level,
                    entitled=entitled,
                    unit="half_day" if service.level is Level.SPECIFIC else "included",
                )
                for service, entitled in found.services()
            ],
        )

    @router.post(
        "/support-requests",
        status_code=status.HTTP_201_CREATED,
        response_model=SupportRequestOut,
        summary="Request support; refused with the reason when outside the member's level",
    )
    async def request_support(body: SupportRequestIn, principal: CurrentPrincipal) -> SupportRequestOut:
        # A member asks for itself only; another member's id is as unknown as a missing one.
        ensure_member_owns(principal, body.member_id, what="member")
        async with runtime.unit_of_work() as uow:
            return request_out(await cases.request_support(cases.RequestSupport(**body.model_dump()), uow))

    @router.get("/support-requests", response_model=SupportRequestPage, summary="Support requests")
    async def list_requests(
        principal: CurrentPrincipal,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> SupportRequestPage:
        async with runtime.unit_of_work() as uow:
            found = await SupportRequestRepository(uow.session).list(
                member_id=member_filter(principal, member_id), status=status_, limit=limit, after=cursor
            )
        return SupportRequestPage(
            items=[request_out(r) for r in found], next_cursor=found[-1].id if len(found) == limit else None
        )

    @router.get(
        "/support-requests/{request_id}", response_model=SupportRequestOut, summary="Read a support request"
    )
    async def read_request(request_id: str, principal: CurrentPrincipal) -> SupportRequestOut:
        async with runtime.unit_of_work() as uow:
            found = await owned_or_404(
                principal,
                cases.get_support_request(request_id, uow),
                lambda r: r.member_id,
                what="support request",
            )
        return request_out(found)

    @router.post(
        "/support-requests/{request_id}/delivery",
        response_model=SupportRequestOut,
        summary="Record the delivery (specific support: half-days spent, billable)",
    )
    async def deliver(request_id: str, body: DeliveryIn) -> SupportRequestOut:
        command = cases.DeliverSupport(support_request_id=request_id, **body.model_dump())
        async with runtime.unit_of_work() as uow:
            return request_out(await cases.deliver_support(command, uow))

    @router.post(
        "/usage-statistics/import",
        status_code=status.HTTP_201_CREATED,
        response_model=ImportReportOut,
        summary="Import ENT usage from CSV `UAI;month;accounts activated;connections` (all or nothing)",
        openapi_extra=CSV_BODY,
    )
    async def import_usage(request: Request, dry_run: bool = False) -> JSONResponse:
        text = await csv_text(request)
        async with runtime.unit_of_work() as uow:
            report = await cases.import_usage_statistics(text, uow, dry_run=dry_run)
        return report_response(report, request, dry_run=dry_run)

    @router.get(
        "/usage-statistics/members/{member_id}",
        response_model=MemberUsageOut,
        summary="ENT usage of the member's schools, per school and month",
    )
    async def usage(
        member_id: str,
        principal: CurrentPrincipal,
        month_from: Annotated[str | None, Query(alias="from", max_length=7)] = None,
        month_to: Annotated[str | None, Query(alias="to", max_length=7)] = None,
    ) -> MemberUsageOut:
        ensure_member_owns(principal, member_id, what="member")
        async with runtime.unit_of_work() as uow:
            found = await cases.usage_of_member(member_id, uow, month_from=month_from, month_to=month_to)
        return MemberUsageOut(
            member_id=member_id,
            items=[
                UsageOut(
                    uai=u.uai,
                    month=u.month,
                    accounts_activated=u.accounts_activated,
                    connections=u.connections,
                )
                for u in found
            ],
            total_connections=sum(u.connections for u in found),
        )

    return router
