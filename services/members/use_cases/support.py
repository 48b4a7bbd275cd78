"""Entitlements (art. 6), support requests checked against them, delivery (billable half-days), and the
ENT usage statistics promised to every member."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.members.adapters.repository import AdhesionRepository, MemberRepository
from services.members.adapters.schools import SchoolRepository
from services.members.adapters.support import SupportRequestRepository, UsageStatisticsRepository
from services.members.domain.adhesion import MemberStatus, adhesion_on
from services.members.domain.csv_import import ImportReport, check_rows, parse_count, split_rows
from services.members.domain.entitlements import Entitlements, SupportRequest
from services.members.domain.identifiers import validate_uai
from services.members.domain.usage import UsageStatistic, validate_month
from shared.contracts.members import SupportDelivered
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork

USAGE_COLUMNS = ("UAI", "month", "accounts activated", "connections")


@dataclass(frozen=True)
class RequestSupport:
    member_id: str
    service: str
    requested_on: dt.date
    half_days: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class DeliverSupport:
    support_request_id: str
    delivered_on: dt.date
    half_days: int | None = None


async def entitlements_on(member_id: str, day: dt.date, uow: UnitOfWork) -> Entitlements:
    if not await MemberRepository(uow.session).exists(member_id):
        raise NotFound(f"no member {member_id}", field="member_id")
    adhesion = adhesion_on(await AdhesionRepository(uow.session).for_member(member_id), day)
    if adhesion is None:
        return Entitlements.of(member_id, day, MemberStatus.NOT_ADHERING, None)
    return Entitlements.of(member_id, day, adhesion.status_on(day), adhesion.option_on(day))


async def request_support(command: RequestSupport, uow: UnitOfWork) -> SupportRequest:
    """Refused, with the reason, when the service is outside the member's level on the request date."""
    entitlements = await entitlements_on(command.member_id, command.requested_on, uow)
    service = entitlements.check_request(command.service, command.half_days, command.description)
    request = SupportRequest(
        id=str(uuid.uuid4()),
        member_id=command.member_id,
        service=service.code,
        level=service.level,
        requested_on=command.requested_on,
        half_days=command.half_days or 0,
        description=command.description,
    )
    await SupportRequestRepository(uow.session).add(request)
    uow.record("members.support.requested", "support_request", request.id, after=request)
    await uow.commit()
    return request


async def deliver_support(command: DeliverSupport, uow: UnitOfWork) -> SupportRequest:
    """Delivered support becomes `members.support.delivered`; specific support is billable per half-day."""
    repository = SupportRequestRepository(uow.session)
    request = await repository.get(command.support_request_id, for_update=True)
    if request is None:
        raise NotFound(f"no support request {command.support_request_id}")
    request.deliver(command.delivered_on, command.half_days)
    await repository.save_delivery(request)
    assert request.delivered_on is not None and request.delivered_half_days is not None
    uow.emit(
        SupportDelivered(
            support_request_id=request.id,
            member_id=request.member_id,
            service=request.service,
            level=request.level.value,
            billable=request.billable,
            half_days=request.delivered_half_days,
            requested_on=request.requested_on,
            delivered_on=request.delivered_on,
            description=request.description,
        )
    )
    await uow.commit()
    return request


async def get_support_request(request_id: str, uow: UnitOfWork) -> SupportRequest:
    request = await SupportRequestRepository(uow.session).get(request_id)
    if request is None:
        raise NotFound(f"no support request {request_id}")
    return request


async def import_usage_statistics(
    text: str, uow: UnitOfWork, *, dry_run: bool = False
) -> ImportReport[UsageStatistic]:
    """CSV `UAI;month;accounts activated;connections` (month as 2026-09): each figure is kept for the
    member the school belonged to on the first day of the month. All or nothing, like pupil counts."""
    rows = split_rows(text, USAGE_COLUMNS, header_marker="uai")
    uais = []
    for _, cells in rows:
        try:
            uais.append(validate_uai(cells[0]))
        except (BusinessRuleViolation, IndexError):
            continue
    known = await SchoolRepository(uow.session).get_many(uais)
    seen: set[tuple[str, str]] = set()

    def check(cells: list[str]) -> UsageStatistic:
        uai = validate_uai(cells[0])
        school = known.get(uai)
        if school is None:
            raise NotFound(f"no school {uai} is registered", field="uai")
        month = validate_month(cells[1])
        if (uai, month) in seen:
            raise Conflict(f"{uai} {month} appears twice in the file", field="uai")
        first_day = dt.date(int(month[:4]), int(month[5:]), 1)
        member_id = school.member_on(first_day)
        if member_id is None:
            raise BusinessRuleViolation(
                f"school {uai} belonged to no member on {first_day.isoformat()}", field="month"
            )
        statistic = UsageStatistic(
            uai,
            month,
            parse_count(cells[2], "accounts_activated"),
            parse_count(cells[3], "connections"),
            member_id,
        )
        seen.add((uai, month))
        return statistic

    report = check_rows(rows, USAGE_COLUMNS, check)
    if report.complete and not dry_run:
        repository = UsageStatisticsRepository(uow.session)
        for statistic in report.accepted:
            await repository.save(statistic)
        await uow.commit()
    return report


async def usage_of_member(
    member_id: str, uow: UnitOfWork, *, month_from: str | None, month_to: str | None
) -> list[UsageStatistic]:
    if not await MemberRepository(uow.session).exists(member_id):
        raise NotFound(f"no member {member_id}")
    return await UsageStatisticsRepository(uow.session).for_member(
        member_id,
        month_from=validate_month(month_from, "from") if month_from else None,
        month_to=validate_month(month_to, "to") if month_to else None,
    )
