"""The year's tariff schedule, subsidies, and the notification of every change of the conditions to
every member of the competence (art. 5 and 8)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.members.adapters.repository import AdhesionRepository, MemberRepository
from services.members.adapters.tariffs import NotificationRepository, SubsidyRepository, TariffRepository
from services.members.domain.deliberation import Assembly, Deliberation
from services.members.domain.school import SchoolYear
from services.members.domain.tariff import ProrataRule, Subsidy, TariffSchedule, validate_year
from services.members.use_cases.deliberations import required_deliberation
from shared.contracts.members import ConditionsChangeNotified, SubsidyRecorded, TariffScheduleAdopted
from shared.contracts.members import ProrataRule as ContractProrataRule
from shared.errors import NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class AdoptTariffSchedule:
    year: int
    base_per_pupil: Decimal
    optional_per_pupil: Decimal
    half_day_rate: Decimal
    pupil_count_school_year: str
    prorata_rule: ProrataRule
    deliberation_id: str


@dataclass(frozen=True)
class RecordSubsidy:
    member_id: str
    year: int
    amount: Decimal
    payer_name: str
    deliberation_id: str
    payer_siren: str | None = None


@dataclass(frozen=True)
class NotifyConditionsChange:
    deliberation_id: str


async def members_of_the_competence(day: dt.date, uow: UnitOfWork) -> list[str]:
    """Members whose adhesion the Comité approved and that have not withdrawn by `day`."""
    found = {a.member_id for a in await AdhesionRepository(uow.session).decided() if a.in_competence_on(day)}
    return sorted(found)


async def _notify(
    deliberation: Deliberation, kind: str, subject: str, details: dict[str, Any], uow: UnitOfWork
) -> list[str]:
    member_ids = await members_of_the_competence(deliberation.date, uow)
    await NotificationRepository(uow.session).add_many(
        member_ids, deliberation_id=deliberation.id, kind=kind, subject=subject, details=details
    )
    return member_ids


async def adopt_tariff_schedule(
    command: AdoptTariffSchedule, uow: UnitOfWork
) -> tuple[TariffSchedule, list[str]]:
    """The Comité's deliberation sets the year's amounts; adopting again for the same year amends them
    (revision + 1, the earlier revisions are kept). Every member of the competence is notified."""
    deliberation = await required_deliberation(command.deliberation_id, uow, (Assembly.COMMITTEE,))
    TariffSchedule.check_deliberation_date(validate_year(command.year), deliberation.date)
    repository = TariffRepository(uow.session)
    schedule = TariffSchedule(
        id=str(uuid.uuid4()),
        year=command.year,
        revision=await repository.last_revision(command.year) + 1,
        base_per_pupil=command.base_per_pupil,
        optional_per_pupil=command.optional_per_pupil,
        half_day_rate=command.half_day_rate,
        pupil_count_school_year=SchoolYear.parse(command.pupil_count_school_year, "pupil_count_school_year"),
        prorata_rule=command.prorata_rule,
        deliberation_id=deliberation.id,
    )
    await repository.add(schedule)
    details = {
        "tariff_id": schedule.id,
        "year": schedule.year,
        "revision": schedule.revision,
        "base_per_pupil": str(schedule.base_per_pupil),
        "optional_per_pupil": str(schedule.optional_per_pupil),
        "half_day_rate": str(schedule.half_day_rate),
        "pupil_count_school_year": str(schedule.pupil_count_school_year),
        "prorata_rule": schedule.prorata_rule.value,
    }
    verb = "adopted" if schedule.revision == 1 else f"amended (revision {schedule.revision})"
    notified = await _notify(
        deliberation,
        "tariff_adopted",
        f"Contributions {schedule.year} {verb} by deliberation {deliberation.number} "
        f"of {deliberation.date.isoformat()}",
        details,
        uow,
    )
    uow.emit(
        TariffScheduleAdopted(
            tariff_id=schedule.id,
            year=schedule.year,
            revision=schedule.revision,
            base_per_pupil=schedule.base_per_pupil,
            optional_per_pupil=schedule.optional_per_pupil,
            half_day_rate=schedule.half_day_rate,
            pupil_count_school_year=str(schedule.pupil_count_school_year),
            prorata_rule=ContractProrataRule(schedule.prorata_rule.value),
            deliberation_id=deliberation.id,
            deliberation_number=deliberation.number,
            deliberation_date=deliberation.date,
            notified_member_ids=notified,
        )
    )
    await uow.commit()
    return schedule, notified


async def notify_conditions_change(command: NotifyConditionsChange, uow: UnitOfWork) -> list[str]:
    """Any other change of the conditions (art. 8): the Comité's deliberation, notified to every member."""
    deliberation = await required_deliberation(command.deliberation_id, uow, (Assembly.COMMITTEE,))
    notified = await _notify(
        deliberation,
        "conditions_changed",
        f"{deliberation.subject} (deliberation {deliberation.number} of {deliberation.date.isoformat()})",
        {"document_ref": deliberation.document_ref},
        uow,
    )
    uow.emit(
        ConditionsChangeNotified(
            deliberation_id=deliberation.id,
            deliberation_number=deliberation.number,
            deliberation_date=deliberation.date,
            subject=deliberation.subject,
            notified_member_ids=notified,
        )
    )
    await uow.commit()
    return notified


async def tariff_in_force(year: int, uow: UnitOfWork) -> TariffSchedule:
    schedule = await TariffRepository(uow.session).in_force(year)
    if schedule is None:
        raise NotFound(f"no tariff schedule adopted for {year}", field="year")
    return schedule


async def record_subsidy(command: RecordSubsidy, uow: UnitOfWork) -> Subsidy:
    if not await MemberRepository(uow.session).exists(command.member_id):
        raise NotFound(f"no member {command.member_id}", field="member_id")
    deliberation = await required_deliberation(
        command.deliberation_id, uow, (Assembly.MEMBER, Assembly.COMMITTEE)
    )
    subsidy = Subsidy(id=str(uuid.uuid4()), **vars(command))
    await SubsidyRepository(uow.session).add(subsidy)
    uow.emit(
        SubsidyRecorded(
            subsidy_id=subsidy.id,
            member_id=subsidy.member_id,
            year=subsidy.year,
            amount=subsidy.amount,
            payer_name=subsidy.payer_name,
            payer_siren=subsidy.payer_siren,
            deliberation_id=deliberation.id,
            deliberation_number=deliberation.number,
            deliberation_date=deliberation.date,
        )
    )
    await uow.commit()
    return subsidy
