"""HTTP routes of the yearly contribution campaign (`/v1/campaigns`): parse, call the use case, shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import PlainTextResponse, Response

from services.billing.entrypoints.campaign_schemas import (
    CallOut,
    CallPage,
    CampaignIn,
    CampaignOut,
    CorrectionIn,
    CorrectionOut,
    IssueCampaignIn,
    call_out,
    campaign_out,
)
from services.billing.use_cases import campaign_reports, campaigns
from shared.clock import paris_today
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import owned_or_404


def build_campaign_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1/campaigns", tags=["contribution campaigns"])

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=CampaignOut,
        summary="Create the year's contribution campaign: a draft with every adhering member's call",
    )
    async def create_campaign(body: CampaignIn, principal: CurrentPrincipal) -> CampaignOut:
        async with runtime.unit_of_work() as uow:
            campaign = await campaigns.create_campaign(
                campaigns.CreateCampaign(year=body.year, created_by=principal.name or principal.subject), uow
            )
        return campaign_out(campaign)

    @router.get("", response_model=list[CampaignOut], summary="Every campaign, by year")
    async def list_campaigns() -> list[CampaignOut]:
        async with runtime.unit_of_work() as uow:
            return [campaign_out(c) for c in await campaigns.list_campaigns(uow)]

    @router.get(
        "/{campaign_id}",
        response_model=CampaignOut,
        summary="A campaign for review: totals per component, blocking members, issue progress",
    )
    async def read_campaign(campaign_id: str) -> CampaignOut:
        async with runtime.unit_of_work() as uow:
            return campaign_out(await campaigns.get_campaign(campaign_id, uow))

    @router.post(
        "/{campaign_id}/compute",
        response_model=CampaignOut,
        summary="Recompute a draft from the latest counts, options, subsidies and schedule",
    )
    async def recompute_campaign(campaign_id: str) -> CampaignOut:
        async with runtime.unit_of_work() as uow:
            return campaign_out(await campaigns.recompute_campaign(campaign_id, uow))

    @router.post(
        "/{campaign_id}/issue",
        response_model=CampaignOut,
        summary="Issue every call (one contributions-series invoice per member); resumable, idempotent",
    )
    async def issue_campaign(campaign_id: str, body: IssueCampaignIn | None = None) -> CampaignOut:
        issue_date = (body.issue_date if body else None) or paris_today()
        return campaign_out(await campaigns.issue_campaign(campaign_id, issue_date, runtime.unit_of_work))

    @router.get("/{campaign_id}/calls", response_model=CallPage, summary="The calls, in issue order")
    async def list_calls(
        campaign_id: str,
        blocking: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[int, Query(ge=0)] = 0,
    ) -> CallPage:
        async with runtime.unit_of_work() as uow:
            found = await campaigns.list_calls(
                campaign_id, uow, limit=limit, after=cursor, blocking_only=blocking
            )
        return CallPage(
            items=[call_out(r) for r in found],
            next_cursor=found[-1].position if len(found) == limit else None,
        )

    @router.get(
        "/{campaign_id}/calls/{member_id}",
        response_model=CallOut,
        summary="One member's call and its breakdown (a member reads its own)",
    )
    async def read_call(campaign_id: str, member_id: str, principal: CurrentPrincipal) -> CallOut:
        async with runtime.unit_of_work() as uow:
            record = await owned_or_404(
                principal, campaigns.get_call(campaign_id, member_id, uow), lambda r: r.member_id, what="call"
            )
        return call_out(record)

    @router.post(
        "/{campaign_id}/calls/{member_id}/corrections",
        status_code=status.HTTP_201_CREATED,
        response_model=CorrectionOut,
        summary="Correct an issued call: a credit note for its invoice and a new invoice, never an edit",
    )
    async def correct_call(campaign_id: str, member_id: str, body: CorrectionIn) -> CorrectionOut:
        command = campaigns.CorrectCall(campaign_id, member_id, body.reason, paris_today())
        async with runtime.unit_of_work() as uow:
            done = await campaigns.correct_call(command, uow)
        return CorrectionOut(
            credit_note_id=done.credit_note_id,
            credit_note_number=done.credit_note_number,
            invoice_id=done.invoice.id,
            invoice_number=str(done.invoice.number),
            previous_total=done.previous_total,
            total=format(done.call.total, "f"),
        )

    @router.get(
        "/{campaign_id}/report.json", summary="The campaign report: member, SIREN, pupils, components"
    )
    async def report_json(campaign_id: str) -> dict:
        async with runtime.unit_of_work() as uow:
            report = await campaign_reports.campaign_report(campaign_id, uow)
        return {"campaign": campaign_out(report.campaign).model_dump(mode="json"), "calls": report.rows}

    @router.get(
        "/{campaign_id}/report.csv",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
        summary="The campaign report as CSV (semicolons, UTF-8 with BOM)",
    )
    async def report_csv(campaign_id: str) -> Response:
        async with runtime.unit_of_work() as uow:
            report = await campaign_reports.campaign_report(campaign_id, uow)
        return Response(
            campaign_reports.report_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="contributions-{report.campaign.year}.csv"'
            },
        )

    @router.get(
        "/{campaign_id}/committee-summary",
        response_class=PlainTextResponse,
        summary="The summary presented to the Comité syndical (French text)",
    )
    async def committee_summary(campaign_id: str) -> str:
        async with runtime.unit_of_work() as uow:
            return campaign_reports.committee_summary(await campaigns.get_campaign(campaign_id, uow))

    return router
