"""Adhesion to the competence by concordant deliberations (art. 4), and the member's status at a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import BusinessRuleViolation, Conflict


class AdhesionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class MemberStatus(StrEnum):
    """What a member is for the competence on a given date."""

    NOT_ADHERING = "not_adhering"
    PENDING = "pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class AdhesionOption(StrEnum):
    BASE = "base"
    BASE_AND_FLAT = "base_and_flat"


# An assembly of a few hundred seats at most: a larger count is a typing error, not a vote.
MAX_PLAUSIBLE_VOTES = 1000


def committee_vote_passes(votes_for: int, votes_against: int, abstentions: int = 0) -> bool:
    """Two-thirds majority of the votes cast (suffrages exprimés = for + against), in integers.

    Abstentions and blank votes are not votes cast; exactly two thirds passes.
    """
    for name, value in (
        ("votes_for", votes_for),
        ("votes_against", votes_against),
        ("abstentions", abstentions),
    ):
        if value < 0:
            raise BusinessRuleViolation("a vote count cannot be negative", field=name)
        if value > MAX_PLAUSIBLE_VOTES:
            raise BusinessRuleViolation(f"more than {MAX_PLAUSIBLE_VOTES} votes is not plausible", field=name)
    cast = votes_for + votes_against
    if cast == 0:
        raise BusinessRuleViolation("no vote was cast: the Comité did not decide", field="votes_for")
    return 3 * votes_for >= 2 * cast


@dataclass
class Adhesion:
    """A member's adhesion to the « numérique éducatif » competence."""

    id: str
    member_id: str
    member_deliberation_date: dt.date
    effective_date: dt.date
    option: AdhesionOption
    status: AdhesionStatus = AdhesionStatus.PENDING
    decided_on: dt.date | None = None
    withdrawal_date: dt.date | None = None

    @classmethod
    def requested(
        cls,
        *,
        id: str,
        member_id: str,
        deliberation_date: dt.date,
        effective_date: dt.date,
        option: AdhesionOption,
    ) -> Adhesion:
        if effective_date < deliberation_date:
            raise BusinessRuleViolation(
                "the effective date cannot precede the member's deliberation", field="effective_date"
            )
        return cls(
            id=id,
            member_id=member_id,
            member_deliberation_date=deliberation_date,
            effective_date=effective_date,
            option=option,
        )

    def decide(self, *, session_date: dt.date, votes_for: int, votes_against: int, abstentions: int) -> bool:
        if self.status is not AdhesionStatus.PENDING:
            raise Conflict(f"the adhesion is already {self.status.value}")
        if session_date < self.member_deliberation_date:
            raise BusinessRuleViolation(
                "the Comité cannot vote before the member's deliberation", field="session_date"
            )
        passed = committee_vote_passes(votes_for, votes_against, abstentions)
        self.status = AdhesionStatus.APPROVED if passed else AdhesionStatus.REJECTED
        self.decided_on = session_date
        return passed

    def withdraw(self, *, deliberation_date: dt.date, effective_date: dt.date) -> None:
        if self.status is not AdhesionStatus.APPROVED:
            raise Conflict("only an approved adhesion can be withdrawn")
        if effective_date < deliberation_date:
            raise BusinessRuleViolation(
                "the withdrawal cannot take effect before its deliberation", field="effective_date"
            )
        if effective_date <= self.effective_date:
            raise BusinessRuleViolation(
                "the withdrawal must take effect after the adhesion", field="effective_date"
            )
        self.status = AdhesionStatus.WITHDRAWN
        self.withdrawal_date = effective_date

    def status_on(self, day: dt.date) -> MemberStatus:
        """Active from the effective date, withdrawn from the withdrawal's effective date."""
        if self.status is AdhesionStatus.REJECTED:
            return MemberStatus.NOT_ADHERING
        if self.status is AdhesionStatus.PENDING:
            return MemberStatus.PENDING
        if self.withdrawal_date is not None and day >= self.withdrawal_date:
            return MemberStatus.WITHDRAWN
        if day >= self.effective_date:
            return MemberStatus.ACTIVE
        return MemberStatus.PENDING
