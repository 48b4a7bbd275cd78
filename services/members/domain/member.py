"""A member (adhérent) of the syndicate: its identity, billing SIRET and Chorus Pro routing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.members.domain.identifiers import validate_siren, validate_siret
from shared.errors import BusinessRuleViolation


class MemberKind(StrEnum):
    EPCI = "epci"
    COMMUNE = "commune"
    DEPARTEMENT = "departement"
    REGION = "region"
    OTHER = "other"


class ChorusRequirement(StrEnum):
    """What the member requires on invoices routed through Chorus Pro."""

    NONE = "none"
    SERVICE_CODE = "service_code"
    COMMITMENT_NUMBER = "commitment_number"
    BOTH = "both"
    EITHER = "either"


@dataclass
class Address:
    line1: str
    postcode: str
    city: str
    line2: str | None = None
    country_code: str = "FR"


@dataclass
class Member:
    id: str
    kind: MemberKind
    name: str
    siren: str
    siret: str
    address: Address
    service_code: str | None = None
    chorus_requirement: ChorusRequirement = ChorusRequirement.NONE

    def __post_init__(self) -> None:
        validate_siren(self.siren)
        validate_siret(self.siret, self.siren)
        if not self.name.strip():
            raise BusinessRuleViolation("a member needs a name", field="name")
        if (
            self.chorus_requirement in (ChorusRequirement.SERVICE_CODE, ChorusRequirement.BOTH)
            and not self.service_code
        ):
            raise BusinessRuleViolation(
                "the member requires a service code on its invoices but none is given", field="service_code"
            )
