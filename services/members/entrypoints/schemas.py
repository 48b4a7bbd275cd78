"""Request and response bodies of the members API. Writes refuse unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.members.domain.adhesion import AdhesionOption, AdhesionStatus, MemberStatus
from services.members.domain.member import ChorusRequirement, MemberKind

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(Strict):
    line1: ShortText
    line2: Annotated[str, StringConstraints(max_length=200)] | None = None
    postcode: Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"


class MemberIn(Strict):
    kind: MemberKind
    name: ShortText
    siren: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] = Field(examples=["200041762"])
    siret: Annotated[str, StringConstraints(pattern=r"^\d{14}$")] = Field(examples=["20004176200014"])
    address: AddressIn
    service_code: Annotated[str, StringConstraints(max_length=100)] | None = None
    chorus_requirement: ChorusRequirement = ChorusRequirement.NONE


class MemberOut(BaseModel):
    id: str
    kind: MemberKind
    name: str
    siren: str
    siret: str
    address: AddressIn
    service_code: str | None
    chorus_requirement: ChorusRequirement


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class AdhesionIn(Strict):
    deliberation_number: ShortText
    deliberation_date: dt.date
    effective_date: dt.date
    option: AdhesionOption = AdhesionOption.BASE


class CommitteeVoteIn(Strict):
    session_date: dt.date
    votes_for: int = Field(ge=0, le=1000)
    votes_against: int = Field(ge=0, le=1000)
    abstentions: int = Field(default=0, ge=0, le=1000)


class WithdrawalIn(Strict):
    deliberation_date: dt.date
    effective_date: dt.date


class AdhesionOut(BaseModel):
    id: str
    member_id: str
    effective_date: dt.date
    option: AdhesionOption
    status: AdhesionStatus
    decided_on: dt.date | None
    withdrawal_date: dt.date | None


class MemberStatusOut(BaseModel):
    member_id: str
    on: dt.date
    status: MemberStatus
    adhesion: AdhesionOut | None
