"""What orders knows of members (annuaire des adhérents), a read model fed by the members service's events.

Events may arrive in any order (consumers run concurrently, retries reorder), so every event writes only
its own facts and the rules below read them together: the outcome does not depend on arrival order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from shared.errors import BusinessRuleViolation


class ChorusRequirement(StrEnum):
    """What the member requires on invoices routed through Chorus Pro."""

    NONE = "none"
    SERVICE_CODE = "service_code"
    COMMITMENT_NUMBER = "commitment_number"
    BOTH = "both"
    EITHER = "either"


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    postcode: str
    city: str
    line2: str | None = None
    country_code: str = "FR"


@dataclass(frozen=True)
class MemberIdentity:
    """The member's billing identity and Chorus routing, as last published by the members service."""

    member_id: str
    kind: str
    name: str
    siren: str
    siret: str
    address: PostalAddress
    service_code: str | None
    chorus_requirement: ChorusRequirement


@dataclass(frozen=True)
class AdhesionFacts:
    """What the events said of one adhesion; a withdrawal may be known before its approval."""

    adhesion_id: str
    effective_date: dt.date | None = None  # set by the approval
    rejected: bool = False
    withdrawal_date: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        """Approved, in effect on `day`, and not yet withdrawn on `day`."""
        if self.rejected or self.effective_date is None or self.effective_date > day:
            return False
        return self.withdrawal_date is None or self.withdrawal_date > day


@dataclass(frozen=True)
class MemberView:
    member_id: str
    identity: MemberIdentity | None
    adhesions: tuple[AdhesionFacts, ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.identity is not None

    def active_on(self, day: dt.date) -> bool:
        """The competence is exercised for this member on `day` (a member we cannot name is not)."""
        return self.identity is not None and any(a.active_on(day) for a in self.adhesions)

    def require_active_on(self, day: dt.date, *, field: str = "member_id") -> MemberIdentity:
        if self.identity is None:
            raise BusinessRuleViolation(
                f"member {self.member_id} is unknown to the orders service", field=field
            )
        if not self.active_on(day):
            raise BusinessRuleViolation(
                f"member {self.member_id} does not adhere to the competence on {day.isoformat()}", field=field
            )
        return self.identity


@dataclass(frozen=True)
class ChorusReferences:
    """The references an invoice to the member will carry: BT-13 commitment number, BT-10 service code."""

    commitment_number: str | None
    service_code: str | None


def chorus_references(
    requirement: ChorusRequirement,
    *,
    commitment_number: str | None,
    given_service_code: str | None,
    member_service_code: str | None,
) -> ChorusReferences:
    """A quote cannot be accepted without what the member requires on its invoices (DOMAIN.md, Chorus Pro).

    A service code given at acceptance wins over the member's usual one.
    """
    commitment = (commitment_number or "").strip() or None
    service_code = (given_service_code or "").strip() or member_service_code or None
    missing_commitment = BusinessRuleViolation(
        "this member requires a commitment number (numéro d'engagement) to accept a quote",
        field="commitment_number",
    )
    missing_service = BusinessRuleViolation(
        "this member requires a service code (code service) to accept a quote", field="service_code"
    )
    if requirement in (ChorusRequirement.COMMITMENT_NUMBER, ChorusRequirement.BOTH) and commitment is None:
        raise missing_commitment
    if requirement in (ChorusRequirement.SERVICE_CODE, ChorusRequirement.BOTH) and service_code is None:
        raise missing_service
    if requirement is ChorusRequirement.EITHER and commitment is None and service_code is None:
        raise BusinessRuleViolation(
            "this member requires a commitment number or a service code to accept a quote",
            field="commitment_number",
        )
    return ChorusReferences(commitment_number=commitment, service_code=service_code)
