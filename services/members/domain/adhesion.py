"""Adhesion to the competence by concordant deliberations (art. 4), and the member's status at a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class OptionChange:
    """A change of level decided by deliberation, in force from `effective_date`."""

    option: AdhesionOption
    effective_date: dt.date
    deliberation_id: str


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
    member_deliberation_id: str | None = None
    committee_deliberation_id: str | None = None
    withdrawal_deliberation_id: str | None = None
    withdrawal_deliberation_date: dt.date | None = None
    option_changes: list[OptionChange] = field(default_factory=list)

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
        self.withdrawal_deliberation_date = deliberation_date

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

    def option_on(self, day: dt.date) -> AdhesionOption:
        """The level in force on `day`: the one chosen at adhesion, then each change from its date."""
        option = self.option
        for change in sorted(self.option_changes, key=lambda c: c.effective_date):
            if change.effective_date <= day:
                option = change.option
        return option

    def change_option(
        self,
        *,
        option: AdhesionOption,
        effective_date: dt.date,
        deliberation_date: dt.date,
        deliberation_id: str,
    ) -> OptionChange:
        """Base only ↔ base + optional flat support, by deliberation, from a date (art. 5 and 6).

        Only for an approved adhesion, not before the adhesion or the deliberation takes effect, after
        the last change, before any withdrawal, and to another level than the one then in force.
        """
        if self.status is not AdhesionStatus.APPROVED:
            raise Conflict(
                f"the options of a {self.status.value} adhesion cannot change", field="adhesion_id"
            )
        if effective_date < deliberation_date:
            raise BusinessRuleViolation(
                "the change cannot take effect before its deliberation", field="effective_date"
            )
        if effective_date < self.effective_date:
            raise BusinessRuleViolation(
                "the change cannot take effect before the adhesion does", field="effective_date"
            )
        latest = max((c.effective_date for c in self.option_changes), default=None)
        if latest is not None and effective_date <= latest:
            raise BusinessRuleViolation(
                f"a change already takes effect on {latest.isoformat()}; a new one must come after it",
                field="effective_date",
            )
        if option is self.option_on(effective_date):
            raise BusinessRuleViolation(
                f"the option on {effective_date.isoformat()} is already {option.value}", field="option"
            )
        change = OptionChange(option=option, effective_date=effective_date, deliberation_id=deliberation_id)
        self.option_changes.append(change)
        return change

    def in_competence_on(self, day: dt.date) -> bool:
        """Who is a member *of the competence* for art. 8 notifications on `day`: adhesion approved by
        the Comité (even if it takes effect later) and not yet withdrawn on that day."""
        if self.status not in (AdhesionStatus.APPROVED, AdhesionStatus.WITHDRAWN):
            return False
        return self.withdrawal_date is None or self.withdrawal_date > day


def adhesion_on(adhesions: list[Adhesion], day: dt.date) -> Adhesion | None:
    """Which of a member's adhesions (oldest first) speaks for `day`: the latest not rejected that had
    taken effect by then, else the first one (still to come). A member may leave and adhere again."""
    candidates = [a for a in adhesions if a.status is not AdhesionStatus.REJECTED]
    started = [a for a in candidates if a.effective_date <= day]
    if started:
        return started[-1]
    return candidates[0] if candidates else None
