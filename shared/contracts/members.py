"""Events published by the members service (routing keys `members.*`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from shared.contracts.common import ChorusRequirement, PostalAddress
from shared.contracts.envelope import Event


class AdhesionOption(StrEnum):
    """Level chosen at adhesion (art. 5): the base contribution alone, or with the optional flat support."""

    BASE = "base"
    BASE_AND_FLAT = "base_and_flat"


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


class MemberUpdated(MemberRegistered):
    """The member's identity or Chorus routing changed; the payload is the full new state."""

    TYPE = "members.member.updated"


class AdhesionApproved(Event):
    """The Comité approved the adhesion by two thirds of votes cast (délibérations concordantes)."""

    TYPE = "members.adhesion.approved"
    adhesion_id: str
    member_id: str
    effective_date: dt.date
    option: AdhesionOption
    decided_on: dt.date


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
