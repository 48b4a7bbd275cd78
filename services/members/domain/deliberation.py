"""Deliberations (délibérations): the decisions every fact of the competence rests on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import BusinessRuleViolation


class Assembly(StrEnum):
    """Which body decided: the member's own assembly, or the syndicate's Comité syndical."""

    MEMBER = "member"
    COMMITTEE = "committee"


@dataclass(frozen=True)
class Deliberation:
    id: str
    number: str
    date: dt.date
    assembly: Assembly
    subject: str
    member_id: str | None = None  # the member whose assembly decided; None for the Comité
    document_ref: str | None = None  # reference of the signed PDF (acte, registre, GED)

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise BusinessRuleViolation("a deliberation needs its number", field="number")
        if not self.subject.strip():
            raise BusinessRuleViolation("a deliberation needs its subject", field="subject")
        if self.assembly is Assembly.MEMBER and not self.member_id:
            raise BusinessRuleViolation(
                "a deliberation of a member's assembly names the member", field="member_id"
            )
        if self.assembly is Assembly.COMMITTEE and self.member_id:
            raise BusinessRuleViolation(
                "a deliberation of the Comité syndical is not a member's", field="member_id"
            )

    @property
    def body_key(self) -> str:
        """Numbers are unique per deciding body: the Comité, or one member's assembly."""
        return "committee" if self.assembly is Assembly.COMMITTEE else f"member:{self.member_id}"

    def require_decided_by(
        self, assemblies: Iterable[Assembly], *, member_id: str | None = None, field: str = "deliberation_id"
    ) -> Deliberation:
        """This deliberation may ground the act: taken by an allowed body (a member's own, not another's)."""
        allowed = tuple(assemblies)
        if self.assembly not in allowed:
            names = " or ".join(a.value for a in allowed)
            raise BusinessRuleViolation(
                f"deliberation {self.number} was taken by the {self.assembly.value} assembly; "
                f"this needs one of the {names} assembly",
                field=field,
            )
        if self.assembly is Assembly.MEMBER and member_id is not None and self.member_id != member_id:
            raise BusinessRuleViolation(
                f"deliberation {self.number} belongs to another member's assembly", field=field
            )
        return self
