"""Schools (écoles, by UAI), their attachment to one member at a time, and their pupil counts (effectifs)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from services.members.domain.identifiers import validate_insee_commune, validate_uai
from shared.errors import BusinessRuleViolation, Conflict

# A primary school of more than this many pupils is a typing error, not a school.
MAX_PUPILS_PER_SCHOOL = 5000

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A school year such as "2026-2027": it starts on 1 September and ends on 31 August."""

    first_year: int

    @classmethod
    def parse(cls, text: str, field: str = "school_year") -> SchoolYear:
        match = _SCHOOL_YEAR.match(text.strip())
        if not match:
            raise BusinessRuleViolation(f"{text!r} is not a school year like 2026-2027", field=field)
        first, second = int(match.group(1)), int(match.group(2))
        if second != first + 1:
            raise BusinessRuleViolation(
                f"{text!r}: a school year spans two consecutive years (e.g. {first}-{first + 1})", field=field
            )
        if not 2000 <= first <= 2100:
            raise BusinessRuleViolation(f"{text!r} is outside 2000-2101", field=field)
        return cls(first)

    def __str__(self) -> str:
        return f"{self.first_year}-{self.first_year + 1}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.first_year, 9, 1)

    @property
    def ends_on(self) -> dt.date:
        return dt.date(self.first_year + 1, 8, 31)

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


def validate_pupils(value: int, field: str = "pupils") -> int:
    if value < 0:
        raise BusinessRuleViolation("a pupil count cannot be negative", field=field)
    if value > MAX_PUPILS_PER_SCHOOL:
        raise BusinessRuleViolation(
            f"more than {MAX_PUPILS_PER_SCHOOL} pupils in one primary school is not plausible", field=field
        )
    return value


@dataclass(frozen=True)
class Attachment:
    """The school belongs to `member_id` from `from_date` until the day before `until` (None: still)."""

    member_id: str
    from_date: dt.date
    until: dt.date | None = None
    deliberation_id: str | None = None

    def covers(self, day: dt.date) -> bool:
        return self.from_date <= day and (self.until is None or day < self.until)


@dataclass
class School:
    uai: str
    name: str
    commune_insee: str
    attachments: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.uai = validate_uai(self.uai)
        self.commune_insee = validate_insee_commune(self.commune_insee)
        if not self.name.strip():
            raise BusinessRuleViolation("a school needs a name", field="name")

    @property
    def current(self) -> Attachment | None:
        return next((a for a in self.attachments if a.until is None), None)

    def member_on(self, day: dt.date) -> str | None:
        """The member the school belonged to on `day`, from the attachments' history."""
        return next((a.member_id for a in self.attachments if a.covers(day)), None)

    def attach(self, member_id: str, from_date: dt.date, deliberation_id: str | None = None) -> Attachment:
        """First attachment, or a transfer: the current attachment ends where the new one starts, so a
        school belongs to exactly one member on any date after its first attachment."""
        current = self.current
        if current is not None:
            if current.member_id == member_id:
                raise Conflict(f"school {self.uai} already belongs to this member", field="member_id")
            if from_date <= current.from_date:
                raise BusinessRuleViolation(
                    f"the transfer must take effect after {current.from_date.isoformat()}, "
                    "when the current attachment started",
                    field="effective_date",
                )
            index = self.attachments.index(current)
            self.attachments[index] = Attachment(
                current.member_id, current.from_date, from_date, current.deliberation_id
            )
        attachment = Attachment(member_id, from_date, None, deliberation_id)
        self.attachments.append(attachment)
        return attachment


@dataclass(frozen=True)
class PupilCount:
    """Effectifs of a school for a school year, counted on `counted_on` (by default at the rentrée,
    1 September), with the member the school belonged to on that date."""

    uai: str
    school_year: SchoolYear
    pupils: int
    member_id: str
    counted_on: dt.date

    @classmethod
    def of(
        cls, school: School, school_year: SchoolYear, pupils: int, counted_on: dt.date | None
    ) -> PupilCount:
        day = counted_on or school_year.starts_on
        if not school_year.contains(day):
            raise BusinessRuleViolation(
                f"{day.isoformat()} is not in the school year {school_year}", field="counted_on"
            )
        member_id = school.member_on(day)
        if member_id is None:
            raise BusinessRuleViolation(
                f"school {school.uai} belonged to no member on {day.isoformat()}", field="counted_on"
            )
        return cls(school.uai, school_year, validate_pupils(pupils), member_id, day)
