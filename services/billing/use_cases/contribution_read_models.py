"""Keeping the read models the yearly contribution is computed from (run by consumers, never commit).

Each is idempotent and order-safe: the inbox already drops a redelivered message, and a stale event
(an older revision, a withdrawal before its approval) leaves the newer state in place.
"""

from __future__ import annotations

import datetime as dt

from services.billing.adapters.contribution_read_models import ContributionReadModels
from services.billing.domain.contribution import HalfDaysDelivered, SubsidyGranted, TariffSchedule
from shared.uow import UnitOfWork


async def record_adhesion_approved(
    adhesion_id: str, member_id: str, effective_date: dt.date, option: str, uow: UnitOfWork
) -> None:
    await ContributionReadModels(uow.session).adhesion_approved(
        adhesion_id, member_id, effective_date, option
    )


async def record_adhesion_withdrawn(
    adhesion_id: str, member_id: str, effective_date: dt.date, uow: UnitOfWork
) -> None:
    """Reprise: nothing is billed from `effective_date` on."""
    await ContributionReadModels(uow.session).adhesion_withdrawn(adhesion_id, member_id, effective_date)


async def record_option_change(
    adhesion_id: str, effective_date: dt.date, option: str, uow: UnitOfWork
) -> None:
    await ContributionReadModels(uow.session).option_changed(adhesion_id, effective_date, option)


async def record_school_attachment(
    uai: str, from_date: dt.date, member_id: str, name: str, uow: UnitOfWork
) -> None:
    """One more step of the school's history: it belongs to `member_id` from `from_date`."""
    await ContributionReadModels(uow.session).school_attached(uai, from_date, member_id, name)


async def record_pupil_count(
    *,
    uai: str,
    school_year: str,
    pupils: int,
    member_id: str,
    counted_on: dt.date,
    revision: int,
    uow: UnitOfWork,
) -> None:
    """The latest revision of a school's count for a school year wins, whatever the arrival order."""
    await ContributionReadModels(uow.session).pupil_count(
        uai, school_year, pupils, member_id, counted_on, revision
    )


async def record_tariff(schedule: TariffSchedule, tariff_id: str, uow: UnitOfWork) -> None:
    """The year's schedule; an amendment (higher revision) replaces it, an older one is ignored."""
    await ContributionReadModels(uow.session).tariff(schedule, tariff_id)


async def record_subsidy(member_id: str, year: int, subsidy: SubsidyGranted, uow: UnitOfWork) -> None:
    await ContributionReadModels(uow.session).subsidy(member_id, year, subsidy)


async def record_support(
    member_id: str, billable: bool, delivered: HalfDaysDelivered, uow: UnitOfWork
) -> None:
    """Delivered support; only the billable (specific) half-days are called."""
    await ContributionReadModels(uow.session).support(member_id, billable, delivered)
