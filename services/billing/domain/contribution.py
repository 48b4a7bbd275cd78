"""The yearly contribution (appel de contribution, art. 5): the formula, in one place.

For a member whose adhesion to the competence is active during the year, with the schedule (barème)
the Comité voted for that year:

    yearly part = pupils * (base rate * days in the competence
                            + optional rate * days with the optional flat support) / days in the year
    call        = round(yearly part) + half-day rate * specific half-days delivered in the year
                  - subsidies for the member and the year (never below zero; the remainder is reported)

- Pupils: the sum, over the schools the member had on each count's date (the reference date: the
  count's `counted_on`, by default the rentrée), of the counts of the school year the schedule names.
- Days: with the `by_days` prorata rule, the days of the year the adhesion was in force (from its
  effective date, until the day before the withdrawal takes effect), and among them the days the
  optional support was in force. With `none`, a member active on any day pays the whole year, and the
  optional part in full if it had the option on any of those days.
- Rounding happens once, on the yearly part (half-up, to the cent); the half-day part and the
  subsidies are whole cents already. No float anywhere.
- A member with no pupil count, or with a school without a count, is flagged and blocks the issue:
  never a silent zero.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from services.billing.domain.totals import CENT

ZERO = Decimal("0.00")


class ProrataRule(StrEnum):
    NONE = "none"
    BY_DAYS = "by_days"


class AdhesionOption(StrEnum):
    BASE = "base"
    BASE_AND_FLAT = "base_and_flat"


@dataclass(frozen=True)
class TariffSchedule:
    """Barème: the contribution rates the Comité voted for `year` (TTC euros), latest revision."""

    year: int
    revision: int
    base_per_pupil: Decimal
    optional_per_pupil: Decimal
    half_day_rate: Decimal
    pupil_count_school_year: str  # "2026-2027"
    prorata_rule: ProrataRule
    deliberation_number: str
    deliberation_date: dt.date

    @property
    def reference_date(self) -> dt.date:
        """The rentrée of the school year whose counts are the basis: which schools a member has."""
        return dt.date(int(self.pupil_count_school_year[:4]), 9, 1)


@dataclass(frozen=True)
class AdhesionPeriod:
    """An approved adhesion: in force from `effective_date` until the day before `withdrawal_date`."""

    adhesion_id: str
    effective_date: dt.date
    option: AdhesionOption
    withdrawal_date: dt.date | None = None
    option_changes: tuple[tuple[dt.date, AdhesionOption], ...] = ()

    def option_on(self, day: dt.date) -> AdhesionOption:
        option = self.option
        for effective, changed in sorted(self.option_changes):
            if effective <= day:
                option = changed
        return option


@dataclass(frozen=True)
class SchoolPupils:
    uai: str
    name: str
    pupils: int
    counted_on: dt.date


@dataclass(frozen=True)
class SubsidyGranted:
    subsidy_id: str
    amount: Decimal
    payer_name: str
    deliberation_number: str


@dataclass(frozen=True)
class HalfDaysDelivered:
    support_request_id: str
    service: str
    half_days: int
    delivered_on: dt.date


class Flag(StrEnum):
    """Why a call cannot be issued as it stands (blocking) or deserves a look (warning)."""

    NO_PUPIL_COUNT = "no_pupil_count"
    SCHOOL_WITHOUT_COUNT = "school_without_count"
    UNKNOWN_MEMBER = "unknown_member"
    SUBSIDY_REMAINDER = "subsidy_remainder"

    @property
    def blocking(self) -> bool:
        return self is not Flag.SUBSIDY_REMAINDER


@dataclass(frozen=True)
class MemberBasis:
    """Everything billing knows about one member that the contribution of a year depends on."""

    member_id: str
    adhesions: tuple[AdhesionPeriod, ...]
    schools: tuple[SchoolPupils, ...] = ()
    schools_without_count: tuple[str, ...] = ()  # UAIs attached on the reference date, not counted
    subsidies: tuple[SubsidyGranted, ...] = ()
    half_days: tuple[HalfDaysDelivered, ...] = ()
    identity_known: bool = True


@dataclass(frozen=True)
class ContributionCall:
    """Appel de contribution of one member for one year, with every figure that explains it."""

    member_id: str
    year: int
    tariff_revision: int
    deliberation_number: str  # the Comité's vote of the schedule
    deliberation_date: dt.date
    base_per_pupil: Decimal
    optional_per_pupil: Decimal
    half_day_rate: Decimal
    pupil_count_school_year: str
    prorata_rule: ProrataRule
    schools: tuple[SchoolPupils, ...]
    pupils: int
    period_start: dt.date
    period_end: dt.date  # last day in the competence within the year
    days_in_year: int
    days_in_competence: int
    days_with_option: int
    base_amount: Decimal  # pupils * base rate, a whole year
    optional_amount: Decimal  # pupils * optional rate, a whole year (zero without the option)
    yearly_part: Decimal  # base and optional parts after prorata, rounded once
    half_days: tuple[HalfDaysDelivered, ...]
    half_day_count: int
    half_day_amount: Decimal
    gross: Decimal
    subsidies: tuple[SubsidyGranted, ...]
    subsidies_total: Decimal
    subsidy_applied: Decimal
    subsidy_remainder: Decimal  # reported to the Comité, not lost
    total: Decimal
    flags: tuple[Flag, ...]

    @property
    def prorated(self) -> bool:
        """The yearly part is not simply the whole-year base and optional amounts."""
        return self.yearly_part != self.base_amount + self.optional_amount

    @property
    def had_option(self) -> bool:
        return self.days_with_option > 0

    @property
    def blocking(self) -> bool:
        return any(flag.blocking for flag in self.flags)


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _days_in_force(period: AdhesionPeriod, year: int) -> tuple[dt.date, dt.date, int, int] | None:
    """(first day, last day, days, days with the optional support) of the adhesion within `year`."""
    start = max(period.effective_date, dt.date(year, 1, 1))
    end_excluded = dt.date(year + 1, 1, 1)
    if period.withdrawal_date is not None:
        end_excluded = min(end_excluded, period.withdrawal_date)
    if start >= end_excluded:
        return None
    # The option changes on whole days: walk its segments, not each day.
    cuts = sorted({start, end_excluded, *(d for d, _ in period.option_changes if start < d < end_excluded)})
    with_option = sum(
        (b - a).days
        for a, b in itertools.pairwise(cuts)
        if period.option_on(a) is AdhesionOption.BASE_AND_FLAT
    )
    return start, end_excluded - dt.timedelta(days=1), (end_excluded - start).days, with_option


def compute_call(tariff: TariffSchedule, basis: MemberBasis) -> ContributionCall | None:
    """The member's call for the tariff's year; None when its adhesion is not in force that year."""
    year = tariff.year
    spans = [span for period in basis.adhesions if (span := _days_in_force(period, year)) is not None]
    if not spans:
        return None
    year_days = days_in_year(year)
    active = sum(span[2] for span in spans)
    with_option = sum(span[3] for span in spans)
    if tariff.prorata_rule is ProrataRule.BY_DAYS:
        base_days, option_days = active, with_option
    else:
        base_days, option_days = year_days, (year_days if with_option else 0)

    pupils = sum(school.pupils for school in basis.schools)
    with localcontext() as exact:
        exact.prec = 60  # wide enough to be exact before the single rounding
        yearly_exact = (
            pupils * (tariff.base_per_pupil * base_days + tariff.optional_per_pupil * option_days) / year_days
        )
    yearly_part = yearly_exact.quantize(CENT, rounding=ROUND_HALF_UP)
    half_day_count = sum(item.half_days for item in basis.half_days)
    half_day_amount = (tariff.half_day_rate * half_day_count).quantize(CENT)
    gross = yearly_part + half_day_amount
    subsidies_total = sum((s.amount for s in basis.subsidies), ZERO)
    applied = min(subsidies_total, gross)

    flags: list[Flag] = []
    if not basis.schools:
        flags.append(Flag.NO_PUPIL_COUNT)
    if basis.schools_without_count:
        flags.append(Flag.SCHOOL_WITHOUT_COUNT)
    if not basis.identity_known:
        flags.append(Flag.UNKNOWN_MEMBER)
    if subsidies_total > applied:
        flags.append(Flag.SUBSIDY_REMAINDER)
    return ContributionCall(
        member_id=basis.member_id,
        year=year,
        tariff_revision=tariff.revision,
        deliberation_number=tariff.deliberation_number,
        deliberation_date=tariff.deliberation_date,
        base_per_pupil=tariff.base_per_pupil,
        optional_per_pupil=tariff.optional_per_pupil,
        half_day_rate=tariff.half_day_rate,
        pupil_count_school_year=tariff.pupil_count_school_year,
        prorata_rule=tariff.prorata_rule,
        schools=tuple(sorted(basis.schools, key=lambda s: s.uai)),
        pupils=pupils,
        period_start=min(span[0] for span in spans),
        period_end=max(span[1] for span in spans),
        days_in_year=year_days,
        days_in_competence=active,
        days_with_option=with_option,
        base_amount=(tariff.base_per_pupil * pupils).quantize(CENT),
        optional_amount=(tariff.optional_per_pupil * pupils).quantize(CENT) if with_option else ZERO,
        yearly_part=yearly_part,
        half_days=tuple(sorted(basis.half_days, key=lambda h: (h.delivered_on, h.support_request_id))),
        half_day_count=half_day_count,
        half_day_amount=half_day_amount,
        gross=gross,
        subsidies=tuple(sorted(basis.subsidies, key=lambda s: s.subsidy_id)),
        subsidies_total=subsidies_total,
        subsidy_applied=applied,
        subsidy_remainder=subsidies_total - applied,
        total=gross - applied,
        flags=tuple(flags),
    )
