"""Yearly tariff schedules voted by the Comité (art. 5), and subsidies from communes (art. 5, last §).

Amounts are TTC euros, voted each year: data with a validity year, never constants in code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.members.domain.identifiers import validate_siren
from services.members.domain.school import SchoolYear
from shared.errors import BusinessRuleViolation

CENT = Decimal("0.01")
MAX_RATE = Decimal("100000")
MAX_SUBSIDY = Decimal("100000000")


class ProrataRule(StrEnum):
    """A mid-year adhesion or withdrawal pays the whole year (none) or the days in the competence."""

    NONE = "none"
    BY_DAYS = "by_days"


def validate_amount(
    value: Decimal, field: str, *, positive: bool = False, maximum: Decimal = MAX_RATE
) -> Decimal:
    """Euros with at most 2 decimals (cents), never negative (never zero when `positive`)."""
    if not value.is_finite() or value != value.quantize(CENT):
        raise BusinessRuleViolation("an amount has at most 2 decimals (euros and cents)", field=field)
    if value < 0 or (positive and value == 0):
        raise BusinessRuleViolation(
            "the amount must be positive" if positive else "the amount cannot be negative", field=field
        )
    if value > maximum:
        raise BusinessRuleViolation(f"more than {maximum} € is not plausible", field=field)
    return value.quantize(CENT)


def validate_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise BusinessRuleViolation("the year must lie between 2000 and 2100", field=field)
    return year


@dataclass(frozen=True)
class TariffSchedule:
    """The contribution schedule of one calendar year: base and optional flat per pupil, specific support
    per half-day, which school year's pupil counts are the basis, and the prorata rule."""

    id: str
    year: int
    revision: int
    base_per_pupil: Decimal
    optional_per_pupil: Decimal
    half_day_rate: Decimal
    pupil_count_school_year: SchoolYear
    prorata_rule: ProrataRule
    deliberation_id: str

    def __post_init__(self) -> None:
        validate_year(self.year)
        validate_amount(self.base_per_pupil, "base_per_pupil", positive=True)
        validate_amount(self.optional_per_pupil, "optional_per_pupil")
        validate_amount(self.half_day_rate, "half_day_rate")
        # The counts known when the Comité votes: the school year begun the year before, or this one.
        if self.pupil_count_school_year.first_year not in (self.year - 1, self.year):
            raise BusinessRuleViolation(
                f"the pupil counts of {self.pupil_count_school_year} cannot be the basis of {self.year}; "
                f"use {self.year - 1}-{self.year} or {self.year}-{self.year + 1}",
                field="pupil_count_school_year",
            )

    @staticmethod
    def check_deliberation_date(year: int, deliberation_date: dt.date) -> None:
        """The Comité votes a year's amounts before or during that year, not after it ended."""
        if deliberation_date.year > year:
            raise BusinessRuleViolation(
                f"a deliberation of {deliberation_date.isoformat()} cannot set the amounts of {year}",
                field="deliberation_id",
            )


@dataclass(frozen=True)
class Subsidy:
    """A subsidy a commune or grouping pays the syndicate for a member and a year; it reduces that
    member's contribution call for the year (never below zero; billing reports the remainder)."""

    id: str
    member_id: str
    year: int
    amount: Decimal
    payer_name: str
    deliberation_id: str
    payer_siren: str | None = None

    def __post_init__(self) -> None:
        validate_year(self.year)
        validate_amount(self.amount, "amount", positive=True, maximum=MAX_SUBSIDY)
        if not self.payer_name.strip():
            raise BusinessRuleViolation("name the commune or grouping that pays", field="payer_name")
        if self.payer_siren is not None:
            validate_siren(self.payer_siren, field="payer_siren")
