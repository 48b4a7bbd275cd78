"""HTTP routes for tariff schedules, subsidies and notifications to members (art. 5 and 8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from services.members.adapters.tariffs import NotificationRepository, SubsidyRepository, TariffRepository
from services.members.domain.tariff import Subsidy, TariffSchedule
from services.members.entrypoints.schemas_more import (
    ConditionsChangeIn,
    ConditionsChangeOut,
    NotificationOut,
    NotificationPage,
    SubsidyIn,
    SubsidyOut,
    TariffIn,
    TariffOut,
)
from services.members.use_cases import tariffs as cases
from shared.errors import NotFound
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import member_filter, visible_or_404


def tariff_out(schedule: TariffSchedule, notified: list[str] | None = None) -> TariffOut:
    return TariffOut(
        id=schedule.id,
        year=schedule.year,
        revision=schedule.revision,
        base_per_pupil=format(schedule.base_per_pupil, "f"),
        optional_per_pupil=format(schedule.optional_per_pupil, "f"),
        half_day_rate=format(schedule.half_day_rate, "f"),
        pupil_count_school_year=str(schedule.pupil_count_school_year),
        prorata_rule=schedule.prorata_rule,
        deliberation_id=schedule.deliberation_id,
        notified_member_ids=notified,
    )


def subsidy_out(subsidy: Subsidy) -> SubsidyOut:
    return SubsidyOut(
        id=subsidy.id,
        member_id=subsidy.member_id,
        year=subsidy.year,
        amount=format(subsidy.amount, "f"),
        payer_name=subsidy.payer_name,
        payer_siren=subsidy.payer_siren,
        deliberation_id=subsidy.deliberation_id,
    )


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["tariffs"])

    @router.post(
        "/tariffs",
        status_code=status.HTTP_201_CREATED,
        response_model=TariffOut,
        summary="Adopt (or amend) the year's tariff schedule; every member of the competence is notified",
    )
    async def adopt(body: TariffIn) -> TariffOut:
        async with runtime.unit_of_work() as uow:
            schedule, notified = await cases.adopt_tariff_schedule(
                cases.AdoptTariffSchedule(**body.model_dump()), uow
            )
        return tariff_out(schedule, notified)

    @router.get("/tariffs", response_model=list[TariffOut], summary="Tariff schedules with every revision")
    async def list_tariffs(year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[TariffOut]:
        async with runtime.unit_of_work() as uow:
            return [tariff_out(s) for s in await TariffRepository(uow.session).list(year=year)]

    @router.get(
        "/tariffs/{year}",
        response_model=TariffOut,
        summary="The schedule in force for a year (latest revision)",
    )
    async def in_force(year: Annotated[int, Path(ge=2000, le=2100)]) -> TariffOut:
        async with runtime.unit_of_work() as uow:
            return tariff_out(await cases.tariff_in_force(year, uow))

    @router.post(
        "/subsidies",
        status_code=status.HTTP_201_CREATED,
        response_model=SubsidyOut,
        summary="Record a subsidy from a commune or grouping for a member and a year",
    )
    async def record_subsidy(body: SubsidyIn) -> SubsidyOut:
        async with runtime.unit_of_work() as uow:
            return subsidy_out(await cases.record_subsidy(cases.RecordSubsidy(**body.model_dump()), uow))

    @router.get("/subsidies", response_model=list[SubsidyOut], summary="Subsidies, by member and year")
    async def list_subsidies(
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> list[SubsidyOut]:
        async with runtime.unit_of_work() as uow:
            return [
                subsidy_out(s)
                for s in await SubsidyRepository(uow.session).list(member_id=member_id, year=year)
            ]

    @router.post(
        "/notifications/conditions-changes",
        status_code=status.HTTP_201_CREATED,
        response_model=ConditionsChangeOut,
        summary="Notify a Comité deliberation changing the conditions to every member of the competence",
    )
    async def notify(body: ConditionsChangeIn) -> ConditionsChangeOut:
        async with runtime.unit_of_work() as uow:
            notified = await cases.notify_conditions_change(
                cases.NotifyConditionsChange(body.deliberation_id), uow
            )
        return ConditionsChangeOut(deliberation_id=body.deliberation_id, notified_member_ids=notified)

    @router.get(
        "/notifications", response_model=NotificationPage, summary="Notifications, by member or deliberation"
    )
    async def list_notifications(
        principal: CurrentPrincipal,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        deliberation_id: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> NotificationPage:
        async with runtime.unit_of_work() as uow:
            found = await NotificationRepository(uow.session).list(
                member_id=member_filter(principal, member_id),
                deliberation_id=deliberation_id,
                limit=limit,
                after=cursor,
            )
        return NotificationPage(
            items=[NotificationOut(**n) for n in found],
            next_cursor=found[-1]["id"] if len(found) == limit else None,
        )

    @router.post(
        "/notifications/{notification_id}/acknowledgement",
        response_model=NotificationOut,
        summary="The member acknowledges a notification",
    )
    async def acknowledge(notification_id: str, principal: CurrentPrincipal) -> NotificationOut:
        async with runtime.unit_of_work() as uow:
            found = await NotificationRepository(uow.session).acknowledge(notification_id)
            if principal.is_member:
                # Another member's notification: 404, and the acknowledgement is rolled back.
                found = visible_or_404(principal, found, lambda n: n["member_id"], what="notification")
            if found is None:
                raise NotFound(f"no notification {notification_id}")
            await uow.commit()
        return NotificationOut(**found)

    return router
