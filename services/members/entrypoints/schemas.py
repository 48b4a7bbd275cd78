"""Request and response bodies of the members API. Writes refuse unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.members.domain.adhesion import AdhesionOption, AdhesionStatus, MemberStatus
from services.members.domain.deliberation import Assembly
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


OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class ContactIn(Strict):
    name: ShortText
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = Field(
        default=None, examples=["ent@cc-exemple.fr"]
    )
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = None


class MemberIn(Strict):
    kind: MemberKind
    name: ShortText
    siren: Annotated[str, StringConstraints(pattern=r"^\d{9}$")] = Field(examples=["200041762"])
    siret: Annotated[str, StringConstraints(pattern=r"^\d{14}$")] = Field(examples=["20004176200014"])
    address: AddressIn
    service_code: Annotated[str, StringConstraints(max_length=100)] | None = None
    chorus_requirement: ChorusRequirement = ChorusRequirement.NONE
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class MemberUpdateIn(Strict):
    """Only the fields sent change (the SIREN never does: another SIREN is another member)."""

    kind: MemberKind | None = None
    name: ShortText | None = None
    siret: Annotated[str, StringConstraints(pattern=r"^\d{14}$")] | None = None
    address: AddressIn | None = None
    service_code: Annotated[str, StringConstraints(max_length=100)] | None = None
    chorus_requirement: ChorusRequirement | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=20)


class MemberVersionOut(BaseModel):
    version: int
    recorded_at: dt.datetime
    changed_fields: list[str]
    state: dict[str, object]


class MemberOut(BaseModel):
    id: str
    kind: MemberKind
    name: str
    siren: str
    siret: str
    address: AddressIn
    service_code: str | None
    chorus_requirement: ChorusRequirement
    contacts: list[ContactIn] = Field(default_factory=list)
    version: int = 1


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class AdhesionIn(Strict):
    deliberation_number: ShortText
    deliberation_date: dt.date
    effective_date: dt.date
    option: AdhesionOption = AdhesionOption.BASE
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = (
        None
    )
    document_ref: Reference = None


class CommitteeVoteIn(Strict):
    session_date: dt.date
    votes_for: int = Field(ge=0, le=1000)
    votes_against: int = Field(ge=0, le=1000)
    abstentions: int = Field(default=0, ge=0, le=1000)
    deliberation_number: Number | None = Field(default=None, description="The Comité's deliberation.")
    document_ref: Reference = None


class WithdrawalIn(Strict):
    deliberation_date: dt.date
    effective_date: dt.date
    deliberation_number: Number | None = Field(default=None, description="The member's deliberation.")
    document_ref: Reference = None


class OptionChangeIn(Strict):
    option: AdhesionOption
    effective_date: dt.date
    deliberation_id: Annotated[str, StringConstraints(max_length=64)]


class OptionChangeOut(BaseModel):
    option: AdhesionOption
    effective_date: dt.date
    deliberation_id: str


class DeliberationIn(Strict):
    number: Number = Field(examples=["CS-2026-014"])
    date: dt.date
    assembly: Assembly
    member_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Required for a member's assembly, absent for the Comité."
    )
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    document_ref: Reference = Field(default=None, description="Reference of the signed document (PDF).")


class DeliberationOut(BaseModel):
    id: str
    number: str
    date: dt.date
    assembly: Assembly
    member_id: str | None
    subject: str
    document_ref: str | None


class DeliberationPage(BaseModel):
    items: list[DeliberationOut]
    next_cursor: str | None


class AdhesionOut(BaseModel):
    id: str
    member_id: str
    effective_date: dt.date
    option: AdhesionOption
    status: AdhesionStatus
    decided_on: dt.date | None
    withdrawal_date: dt.date | None
    member_deliberation_id: str | None = None
    committee_deliberation_id: str | None = None
    withdrawal_deliberation_id: str | None = None
    option_changes: list[OptionChangeOut] = Field(default_factory=list)


class MemberStatusOut(BaseModel):
    member_id: str
    on: dt.date
    status: MemberStatus
    adhesion: AdhesionOut | None
    option: AdhesionOption | None = None
