"""Request and response bodies for schools, pupil counts, tariffs, subsidies, notifications,
entitlements, support requests and usage statistics. Writes refuse unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.members.domain.entitlements import Level, SupportStatus
from services.members.domain.tariff import ProrataRule
from services.members.entrypoints.schemas import ShortText, Strict
from shared.security.inputs import decimal_type

Id = Annotated[str, StringConstraints(max_length=64)]
Uai = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=8)]
SchoolYearText = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{4}$")]
# Decimal inputs are strings of bounded digits (the OpenAPI shows the bound); floats are refused.
Rate = decimal_type(max_digits=9, decimal_places=2, ge=0)
SubsidyAmount = decimal_type(max_digits=12, decimal_places=2, gt=0)


class SchoolIn(Strict):
    uai: Uai = Field(examples=["0750655E"])
    name: ShortText
    commune_insee: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5)] = (
        Field(examples=["59350"])
    )
    member_id: Id
    attached_from: dt.date


class TransferIn(Strict):
    member_id: Id
    effective_date: dt.date
    deliberation_id: Id | None = None


class AttachmentOut(BaseModel):
    member_id: str
    from_date: dt.date
    until: dt.date | None = Field(description="First day the school no longer belongs to this member.")
    deliberation_id: str | None


class SchoolOut(BaseModel):
    uai: str
    name: str
    commune_insee: str
    member_id: str | None = Field(description="The member on `on` (today unless asked).")
    on: dt.date
    attachments: list[AttachmentOut]


class SchoolPage(BaseModel):
    items: list[SchoolOut]
    next_cursor: str | None


class SchoolMemberOut(BaseModel):
    uai: str
    on: dt.date
    member_id: str | None


class PupilCountIn(Strict):
    school_year: SchoolYearText = Field(examples=["2026-2027"])
    pupils: int = Field(ge=0, le=5000)
    counted_on: dt.date | None = Field(default=None, description="Defaults to 1 September (rentrée).")


class PupilCountOut(BaseModel):
    uai: str
    school_year: str
    pupils: int
    member_id: str
    counted_on: dt.date
    revision: int | None = None
    source: str | None = None


class LineOut(BaseModel):
    line: int
    status: str
    field: str | None = None
    reason: str | None = None


class ImportReportOut(BaseModel):
    imported: bool
    dry_run: bool
    accepted: int
    refused: int
    lines: list[LineOut]


class TariffIn(Strict):
    year: int = Field(ge=2000, le=2100)
    base_per_pupil: Rate = Field(examples=["1.30"])
    optional_per_pupil: Rate = Field(examples=["0.30"])
    half_day_rate: Rate = Field(examples=["150.00"])
    pupil_count_school_year: SchoolYearText = Field(examples=["2025-2026"])
    prorata_rule: ProrataRule = ProrataRule.NONE
    deliberation_id: Id


class TariffOut(BaseModel):
    id: str
    year: int
    revision: int
    base_per_pupil: str
    optional_per_pupil: str
    half_day_rate: str
    pupil_count_school_year: str
    prorata_rule: ProrataRule
    deliberation_id: str
    notified_member_ids: list[str] | None = None


class ConditionsChangeIn(Strict):
    deliberation_id: Id


class ConditionsChangeOut(BaseModel):
    deliberation_id: str
    notified_member_ids: list[str]


class SubsidyIn(Strict):
    member_id: Id
    year: int = Field(ge=2000, le=2100)
    amount: SubsidyAmount = Field(examples=["2500.00"])
    payer_name: ShortText
    payer_siren: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] | None = None
    deliberation_id: Id


class SubsidyOut(BaseModel):
    id: str
    member_id: str
    year: int
    amount: str
    payer_name: str
    payer_siren: str | None
    deliberation_id: str


class NotificationOut(BaseModel):
    id: str
    member_id: str
    deliberation_id: str
    kind: str
    subject: str
    details: dict[str, object]
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class ServiceOut(BaseModel):
    code: str
    label: str
    level: Level
    entitled: bool
    unit: str = Field(description="`included` in the contribution, or `half_day` (specific, billed).")


class EntitlementsOut(BaseModel):
    member_id: str
    on: dt.date
    status: str
    option: str | None
    levels: list[Level]
    services: list[ServiceOut]


class SupportRequestIn(Strict):
    member_id: Id
    service: Annotated[str, StringConstraints(max_length=50)] = Field(examples=["family_training"])
    requested_on: dt.date
    half_days: int | None = Field(default=None, ge=0, le=40)
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class DeliveryIn(Strict):
    delivered_on: dt.date
    half_days: int | None = Field(default=None, ge=0, le=40)


class SupportRequestOut(BaseModel):
    id: str
    member_id: str
    service: str
    level: Level
    requested_on: dt.date
    half_days: int
    description: str | None
    status: SupportStatus
    delivered_on: dt.date | None
    delivered_half_days: int | None
    billable: bool


class SupportRequestPage(BaseModel):
    items: list[SupportRequestOut]
    next_cursor: str | None


class UsageOut(BaseModel):
    uai: str
    month: str
    accounts_activated: int
    connections: int


class MemberUsageOut(BaseModel):
    member_id: str
    items: list[UsageOut]
    total_connections: int
