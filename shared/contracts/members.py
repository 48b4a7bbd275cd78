"""Events published by the members service (routing keys `members.*`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.common import Amount, ChorusRequirement, PostalAddress
from shared.contracts.envelope import Event


class AdhesionOption(StrEnum):
    """Level chosen at adhesion (art. 5): the base contribution alone, or with the optional flat support."""

    BASE = "base"
    BASE_AND_FLAT = "base_and_flat"


class MemberContact(BaseModel):
    """A person to reach at the member (invoices, ENT project, elected official)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(max_length=200)
    role: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)


class MemberRegistered(Event):
    """A local authority was registered (adhérent), with its billing identity and Chorus routing."""

    TYPE = "members.member.registered"
    member_id: str
    kind: str
    name: str
    siren: str
    siret: str
    address: PostalAddress
    service_code: str | None = None
    chorus_requirement: ChorusRequirement = ChorusRequirement.NONE
    contacts: list[MemberContact] = Field(default_factory=list)
    version: int = Field(default=1, ge=1, description="1 at registration, +1 at each update.")


class MemberUpdated(MemberRegistered):
    """The member's identity or Chorus routing changed; the payload is the full new state."""

    TYPE = "members.member.updated"


class AdhesionApproved(Event):
    """The Comité approved the adhesion by two thirds of votes cast (délibérations concordantes)."""

    TYPE = "members.adhesion.approved"
    adhesion_id: str
    member_id: str
    effective_date: dt.date
    deliberation_date: dt.date | None = None
    deliberation_number: str | None = None
    option: AdhesionOption
    decided_on: dt.date
    member_deliberation_number: str | None = None
    member_deliberation_date: dt.date | None = None
    votes_for: int | None = Field(default=None, ge=0)
    votes_against: int | None = Field(default=None, ge=0)
    abstentions: int | None = Field(default=None, ge=0)


class AdhesionRejected(Event):
    TYPE = "members.adhesion.rejected"
    adhesion_id: str
    member_id: str
    decided_on: dt.date
    votes_for: int = Field(ge=0)
    votes_against: int = Field(ge=0)


class AdhesionWithdrawn(Event):
    """The member took the competence back (reprise): nothing is billed after `effective_date`."""

    TYPE = "members.adhesion.withdrawn"
    adhesion_id: str
    member_id: str
    effective_date: dt.date
    deliberation_date: dt.date | None = None
    deliberation_number: str | None = None


class AdhesionOptionChanged(Event):
    """The member changed its level by deliberation (base ↔ base + optional flat support), from
    `effective_date` on; the contribution of the optional flat part follows it."""

    TYPE = "members.adhesion.option_changed"
    adhesion_id: str
    member_id: str
    previous_option: AdhesionOption
    option: AdhesionOption
    effective_date: dt.date
    deliberation_id: str
    deliberation_number: str
    deliberation_date: dt.date


class SchoolAttached(Event):
    """A school (UAI) is attached to a member from `from_date` (registration or transfer between members);
    the previous attachment, if any, ended the day before."""

    TYPE = "members.school.attached"
    uai: str
    name: str
    commune_insee: str
    member_id: str
    from_date: dt.date
    previous_member_id: str | None = None


class PupilCountRecorded(Event):
    """The pupil count (effectifs) of a school for a school year, with the member the school belonged to
    on `counted_on`. A later count for the same (uai, school_year) replaces it (higher `revision`)."""

    TYPE = "members.pupil_count.recorded"
    uai: str
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
    pupils: int = Field(ge=0)
    member_id: str
    counted_on: dt.date
    revision: int = Field(ge=1)


class ProrataRule(StrEnum):
    """How a mid-year adhesion or withdrawal is billed: the whole year, or by days in the competence."""

    NONE = "none"
    BY_DAYS = "by_days"


class TariffScheduleAdopted(Event):
    """The Comité adopted (or amended, `revision` > 1) the contribution schedule of `year` (art. 5);
    every member of the competence was notified (art. 8). Amounts are TTC euros."""

    TYPE = "members.tariff.adopted"
    tariff_id: str
    year: int
    revision: int = Field(ge=1)
    base_per_pupil: Amount
    optional_per_pupil: Amount
    half_day_rate: Amount
    pupil_count_school_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    prorata_rule: ProrataRule
    deliberation_id: str
    deliberation_number: str
    deliberation_date: dt.date
    notified_member_ids: list[str]


class SubsidyRecorded(Event):
    """A commune or grouping pays the syndicate a subsidy for `member_id` and `year` (art. 5): it reduces
    that member's contribution call for the year, never below zero."""

    TYPE = "members.subsidy.recorded"
    subsidy_id: str
    member_id: str
    year: int
    amount: Amount
    payer_name: str
    payer_siren: str | None = None
    deliberation_id: str
    deliberation_number: str
    deliberation_date: dt.date


class SupportDelivered(Event):
    """Support (accompagnement) was delivered to a member (art. 6). `billable` is true for the specific
    support, billed per half-day at the rate of the schedule of the delivery year."""

    TYPE = "members.support.delivered"
    support_request_id: str
    member_id: str
    service: str
    level: str = Field(description="base, optional_flat or specific.")
    billable: bool
    half_days: int = Field(ge=0)
    requested_on: dt.date
    delivered_on: dt.date
    description: str | None = None


class ConditionsChangeNotified(Event):
    """A Comité deliberation changing the conditions of the competence was notified to every member
    of the competence (art. 8)."""

    TYPE = "members.conditions.notified"
    deliberation_id: str
    deliberation_number: str
    deliberation_date: dt.date
    subject: str
    notified_member_ids: list[str]
