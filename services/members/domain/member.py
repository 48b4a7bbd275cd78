"""A member (adhérent) of the syndicate: its identity, billing SIRET and Chorus Pro routing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

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


MAX_CONTACTS = 20


@dataclass(frozen=True)
class Contact:
    """Someone to reach at the member: invoices, the ENT project, an elected official."""

    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise BusinessRuleViolation("a contact needs a name", field="contacts.name")
        if self.email is not None:
            local, _, domain = self.email.partition("@")
            if not local or "." not in domain or " " in self.email:
                raise BusinessRuleViolation(
                    f"{self.email!r} is not an e-mail address", field="contacts.email"
                )


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
    contacts: list[Contact] = field(default_factory=list)
    version: int = 1

    def __post_init__(self) -> None:
        if len(self.contacts) > MAX_CONTACTS:
            raise BusinessRuleViolation(f"at most {MAX_CONTACTS} contacts", field="contacts")
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

    def updated(self, **changes: Any) -> Member:
        """The next version of the member with `changes` applied and every rule checked again.

        The SIREN is the legal identity of the body: another SIREN is another member, never an update.
        """
        if "siren" in changes and changes["siren"] != self.siren:
            raise BusinessRuleViolation(
                "the SIREN identifies the member and cannot change; register the new body", field="siren"
            )
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise BusinessRuleViolation(f"cannot update {sorted(unknown)}", field=sorted(unknown)[0])
        return replace(self, **changes, version=self.version + 1)


UPDATABLE_FIELDS = frozenset(
    {"kind", "name", "siret", "address", "service_code", "chorus_requirement", "contacts", "siren"}
)
