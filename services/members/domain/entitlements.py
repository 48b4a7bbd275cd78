"""What each level of contribution gives (art. 6), as data, and the check of a support request.

Levels: the base contribution (mandatory with the competence), the optional flat support (option
`base_and_flat`), and the specific support, on demand, billed per half-day to any member of the competence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from services.members.domain.adhesion import AdhesionOption, MemberStatus
from shared.errors import BusinessRuleViolation, Conflict

MAX_HALF_DAYS_PER_REQUEST = 40


class Level(StrEnum):
    BASE = "base"
    OPTIONAL_FLAT = "optional_flat"
    SPECIFIC = "specific"


@dataclass(frozen=True)
class SupportService:
    code: str
    label: str
    level: Level
    requestable: bool = True  # base services that are simply there (statistics) are not requested
    on_quote: bool = False  # "toute demande spécifique, sur devis": needs a description


# Article 6 of the conditions, as adopted; the Comité may change it (art. 8) — it is data, read below.
SERVICES: tuple[SupportService, ...] = (
    SupportService("contract_management", "Gestion du marché (comités, commandes, facturations)", Level.BASE),
    SupportService("account_management", "Gestion globale des comptes", Level.BASE),
    SupportService("webinars", "Formation et accompagnement par webinaires des agents et élus", Level.BASE),
    SupportService(
        "digital_inclusion_relay", "ONE, relais d'information sur l'inclusion numérique", Level.BASE
    ),
    SupportService("usage_statistics", "Statistiques d'utilisation de l'ENT", Level.BASE, requestable=False),
    SupportService("hardware_advice", "Conseils sur les matériels", Level.OPTIONAL_FLAT),
    SupportService(
        "account_opening_prospecting",
        "Prospection pour les ouvertures de comptes utilisateurs",
        Level.OPTIONAL_FLAT,
    ),
    SupportService(
        "personalised_account_management",
        "Gestion personnalisée des comptes (connecteurs, modules)",
        Level.OPTIONAL_FLAT,
    ),
    SupportService("family_training", "Formation des familles", Level.SPECIFIC),
    SupportService("other_specific", "Autre demande spécifique, sur devis", Level.SPECIFIC, on_quote=True),
)
BY_CODE = {service.code: service for service in SERVICES}


def levels_for(option: AdhesionOption) -> tuple[Level, ...]:
    """Specific support is open to every member of the competence, billed per half-day."""
    if option is AdhesionOption.BASE_AND_FLAT:
        return (Level.BASE, Level.OPTIONAL_FLAT, Level.SPECIFIC)
    return (Level.BASE, Level.SPECIFIC)


@dataclass(frozen=True)
class Entitlements:
    member_id: str
    on: dt.date
    status: MemberStatus
    option: AdhesionOption | None
    levels: tuple[Level, ...] = field(default=())

    @classmethod
    def of(
        cls, member_id: str, on: dt.date, status: MemberStatus, option: AdhesionOption | None
    ) -> Entitlements:
        active = status is MemberStatus.ACTIVE and option is not None
        return cls(member_id, on, status, option, levels_for(option) if active and option else ())

    def services(self) -> list[tuple[SupportService, bool]]:
        return [(service, service.level in self.levels) for service in SERVICES]

    def check_request(self, code: str, half_days: int | None, description: str | None) -> SupportService:
        """A request outside the member's level is refused with the reason; specific support counts
        half-days (at least one), the others are included in the contribution (no half-days)."""
        service = BY_CODE.get(code)
        if service is None:
            raise BusinessRuleViolation(
                f"unknown service {code!r}; one of {', '.join(BY_CODE)}", field="service"
            )
        if not service.requestable:
            raise BusinessRuleViolation(
                f"{service.label} is provided to every member, not requested", field="service"
            )
        if self.status is not MemberStatus.ACTIVE:
            raise BusinessRuleViolation(
                f"the member is {self.status.value.replace('_', ' ')} for the competence on "
                f"{self.on.isoformat()}: no support can be requested",
                field="member_id",
            )
        if service.level not in self.levels:
            raise BusinessRuleViolation(
                f"{service.label} belongs to the optional flat support; the member has chosen the base "
                "contribution only (change its option by deliberation, or ask for specific support)",
                field="service",
            )
        if service.level is Level.SPECIFIC:
            if half_days is None or half_days < 1:
                raise BusinessRuleViolation(
                    "specific support is requested in half-days (at least 1)", field="half_days"
                )
            if half_days > MAX_HALF_DAYS_PER_REQUEST:
                raise BusinessRuleViolation(
                    f"more than {MAX_HALF_DAYS_PER_REQUEST} half-days in one request is not plausible",
                    field="half_days",
                )
        elif half_days:
            raise BusinessRuleViolation(
                f"{service.label} is included in the contribution: it is not counted in half-days",
                field="half_days",
            )
        if service.on_quote and not (description or "").strip():
            raise BusinessRuleViolation(
                "describe the specific request (it is made on quote)", field="description"
            )
        return service


class SupportStatus(StrEnum):
    REQUESTED = "requested"
    DELIVERED = "delivered"


@dataclass
class SupportRequest:
    id: str
    member_id: str
    service: str
    level: Level
    requested_on: dt.date
    half_days: int
    description: str | None = None
    status: SupportStatus = SupportStatus.REQUESTED
    delivered_on: dt.date | None = None
    delivered_half_days: int | None = None

    @property
    def billable(self) -> bool:
        return self.level is Level.SPECIFIC

    def deliver(self, delivered_on: dt.date, half_days: int | None) -> None:
        """Delivered once; specific support records the half-days actually spent (billable)."""
        if self.status is SupportStatus.DELIVERED:
            raise Conflict("this support was already delivered", field="support_request_id")
        if delivered_on < self.requested_on:
            raise BusinessRuleViolation(
                "support cannot be delivered before it was requested", field="delivered_on"
            )
        spent = self.half_days if half_days is None else half_days
        if self.level is Level.SPECIFIC:
            if not 1 <= spent <= MAX_HALF_DAYS_PER_REQUEST:
                raise BusinessRuleViolation(
                    f"specific support is delivered in 1 to {MAX_HALF_DAYS_PER_REQUEST} half-days",
                    field="half_days",
                )
        elif spent:
            raise BusinessRuleViolation("this support is not counted in half-days", field="half_days")
        self.status = SupportStatus.DELIVERED
        self.delivered_on = delivered_on
        self.delivered_half_days = spent
