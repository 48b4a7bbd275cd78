"""An invoice's journey on Chorus Pro (transmission — dépôt, then statuts de la facture), as one state
machine in one place.

Our side (`Stage`): waiting for a transmitter, blocked by a pre-transmission check, claimed by one
transmitter (the external connector or the built-in PISTE adapter), deposited; then the returns that
need staff: to recycle (A_RECYCLER: fix the routing, resend under the same number), suspended
(SUSPENDUE: add documents, the transmitter completes it), rejected (REJETEE: final, a credit note and a
new invoice with a new number), replaced.

Chorus's side (`ChorusStatus`) arrives as status reports (the connector's, or the adapter's polling of
the status history). Reports may come twice or out of order: a report already known changes nothing,
and the current status is the latest by its own time, whatever the order of arrival. The 30-day clock
of art. 7 starts on the first MISE_A_DISPOSITION date (after the last A_RECYCLER, if any).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from services.billing.domain.due_dates import member_invoice_due_date
from shared.clock import paris_date
from shared.errors import BusinessRuleViolation, Conflict


class ChorusStatus(StrEnum):
    """Statuts Chorus Pro of an invoice."""

    DEPOSEE = "DEPOSEE"
    EN_COURS_ACHEMINEMENT = "EN_COURS_ACHEMINEMENT"
    A_RECYCLER = "A_RECYCLER"
    MISE_A_DISPOSITION = "MISE_A_DISPOSITION"
    SUSPENDUE = "SUSPENDUE"
    COMPLETEE = "COMPLETEE"
    SERVICE_FAIT = "SERVICE_FAIT"
    MANDATEE = "MANDATEE"
    MISE_A_DISPOSITION_COMPTABLE = "MISE_A_DISPOSITION_COMPTABLE"
    COMPTABILISEE = "COMPTABILISEE"
    MISE_EN_PAIEMENT = "MISE_EN_PAIEMENT"
    REJETEE = "REJETEE"


# The order of the lifecycle, used to break ties between reports of the same instant.
_RANK = {status: rank for rank, status in enumerate(ChorusStatus)}
RETURNS = frozenset({ChorusStatus.A_RECYCLER, ChorusStatus.SUSPENDUE, ChorusStatus.REJETEE})


class Stage(StrEnum):
    WAITING = "waiting"
    BLOCKED = "blocked"
    CLAIMED = "claimed"
    DEPOSITED = "deposited"
    TO_RECYCLE = "to_recycle"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    REPLACED = "replaced"


class Action(StrEnum):
    """What a transmitter must do with a waiting invoice."""

    DEPOSIT = "deposit"  # deposit the Factur-X (again, after a routing fix: same number)
    COMPLETE = "complete"  # send the documents staff added to a suspended invoice


# Where a report can move our stage: only once the invoice is on Chorus Pro and waits for no one.
_SETTLED = frozenset({Stage.DEPOSITED, Stage.TO_RECYCLE, Stage.SUSPENDED, Stage.REJECTED})


@dataclass(frozen=True)
class StatusReport:
    status: ChorusStatus
    at: dt.datetime  # aware; Chorus's dateHeureChangement
    comment: str | None = None

    @property
    def key(self) -> tuple[ChorusStatus, dt.datetime]:
        return (self.status, self.at)

    @property
    def order(self) -> tuple[dt.datetime, int]:
        return (self.at, _RANK[self.status])


@dataclass(frozen=True)
class Routing:
    """The routing data Chorus needs (données d'acheminement); staff may correct them after A_RECYCLER
    without touching the issued invoice: the corrected values are sent under the same number."""

    buyer_siret: str
    service_code: str | None
    commitment_number: str | None


# What a status report (or a deposit) changed, for the use case to publish.
@dataclass(frozen=True)
class MadeAvailable:
    on: dt.date
    due_date: dt.date


@dataclass(frozen=True)
class Returned:
    status: ChorusStatus
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class PaymentOrdered:
    on: dt.date


Effect = MadeAvailable | Returned | PaymentOrdered


@dataclass
class Transmission:
    invoice_id: str
    invoice_number: str
    member_id: str
    issue_date: dt.date
    stage: Stage = Stage.WAITING
    action: Action = Action.DEPOSIT
    chorus_status: ChorusStatus | None = None
    claim_id: str | None = None
    claimed_by: str | None = None
    lease_until: dt.datetime | None = None
    attempts: int = 0
    blocked_reason: str | None = None
    flux_number: str | None = None
    deposited_at: dt.datetime | None = None
    chorus_invoice_id: str | None = None
    made_available_on: dt.date | None = None
    due_date: dt.date | None = None
    routing_override: Routing | None = None
    replaced_by: str | None = None
    reports: list[StatusReport] = field(default_factory=list)

    # --- claiming and transmitting -------------------------------------------------------------------

    def claimable(self, now: dt.datetime) -> bool:
        if self.stage is Stage.WAITING:
            return True
        # A transmitter that died holding a claim does not hold the invoice forever.
        return self.stage is Stage.CLAIMED and self.lease_until is not None and self.lease_until <= now

    def claim(self, *, claim_id: str, by: str, now: dt.datetime, lease: dt.timedelta) -> None:
        if not self.claimable(now):
            holder = f" by {self.claimed_by}" if self.stage is Stage.CLAIMED else ""
            if self.stage is Stage.BLOCKED:
                holder = f" ({self.blocked_reason})"
            raise Conflict(
                f"invoice {self.invoice_number} is {self.stage.value}{holder}: it cannot be claimed"
            )
        self.stage = Stage.CLAIMED
        self.claim_id, self.claimed_by = claim_id, by
        self.lease_until = now + lease
        self.attempts += 1

    def block(self, reasons: list[str]) -> None:
        """A pre-transmission check failed: nothing is sent until staff fix it."""
        self.stage = Stage.BLOCKED
        self.blocked_reason = "; ".join(reasons)
        self._release()

    def check_claim(self, claim_id: str) -> None:
        if self.stage is not Stage.CLAIMED or self.claim_id != claim_id:
            raise Conflict(
                f"invoice {self.invoice_number} is not held under claim {claim_id}", field="claim_id"
            )

    def deposited(self, *, flux_number: str, at: dt.datetime, chorus_invoice_id: str | None) -> None:
        self.flux_number, self.deposited_at = flux_number, at
        if chorus_invoice_id:
            self.chorus_invoice_id = chorus_invoice_id
        self.stage = Stage.DEPOSITED
        self._release()

    def completed(self) -> None:
        """The documents of a suspended invoice were sent: Chorus's COMPLETEE status follows."""
        self.action = Action.DEPOSIT
        self.stage = Stage.DEPOSITED
        self._release()

    def failed(self) -> None:
        """The attempt failed (Chorus down, an error): back in the queue, the failure in the history."""
        self.stage = Stage.WAITING
        self._release()

    def _release(self) -> None:
        self.claim_id = self.claimed_by = None
        self.lease_until = None

    # --- staff answers to returns ----------------------------------------------------------------------

    def fix_routing(self, routing: Routing) -> None:
        """After A_RECYCLER (or a failed check): the corrected routing, resent under the same number."""
        if self.stage not in (Stage.TO_RECYCLE, Stage.BLOCKED):
            raise Conflict(
                f"invoice {self.invoice_number} is {self.stage.value}: routing is fixed after A_RECYCLER "
                "or a failed check only"
            )
        self.routing_override = routing
        self.stage, self.action, self.blocked_reason = Stage.WAITING, Action.DEPOSIT, None

    def documents_added(self) -> None:
        if self.stage is not Stage.SUSPENDED:
            raise Conflict(f"invoice {self.invoice_number} is {self.stage.value}, not suspended")
        self.stage, self.action = Stage.WAITING, Action.COMPLETE

    def replace(self, new_invoice_id: str) -> None:
        if self.stage is not Stage.REJECTED:
            raise Conflict(
                f"invoice {self.invoice_number} is {self.stage.value}: only a rejected invoice is replaced"
            )
        self.stage, self.replaced_by = Stage.REPLACED, new_invoice_id

    # --- Chorus's status reports -----------------------------------------------------------------------

    def apply(self, report: StatusReport) -> list[Effect]:
        """Record one status report; the effects it had (none for a duplicate)."""
        if report.at.tzinfo is None:
            raise BusinessRuleViolation("a status time needs its UTC offset", field="at")
        if any(known.key == report.key for known in self.reports):
            return []
        if self.flux_number is None:
            raise Conflict(f"invoice {self.invoice_number} was never deposited: no status can be reported")
        if report.status is ChorusStatus.COMPLETEE and not self._has(ChorusStatus.SUSPENDUE):
            raise Conflict(f"invoice {self.invoice_number} was never suspended: it cannot be COMPLETEE")
        rejected = self._first(ChorusStatus.REJETEE)
        if rejected is not None and report.at > rejected.at:
            raise Conflict(
                f"invoice {self.invoice_number} was rejected on {rejected.at.isoformat()} (final): "
                f"{report.status.value} cannot follow"
            )
        self.reports.append(report)
        current = max(self.reports, key=lambda r: r.order)
        self.chorus_status = current.status
        if self.stage in _SETTLED:
            self.stage = _stage_of(current.status)
        return self._effects_of(report)

    def availability(self) -> dt.date | None:
        """The date the 30-day clock starts: the first MISE_A_DISPOSITION after the last A_RECYCLER (a
        recycled invoice is made available again, to the right service, and its clock starts again),
        whatever order the reports came in."""
        recycled = [r.at for r in self.reports if r.status is ChorusStatus.A_RECYCLER]
        last_recycled = max(recycled) if recycled else None
        available = [
            r.at
            for r in self.reports
            if r.status is ChorusStatus.MISE_A_DISPOSITION and (last_recycled is None or r.at > last_recycled)
        ]
        return paris_date(min(available)) if available else None

    def _effects_of(self, report: StatusReport) -> list[Effect]:
        effects: list[Effect] = []
        on = self.availability()
        if on != self.made_available_on:
            self.made_available_on = on
            self.due_date = member_invoice_due_date(self.issue_date, on).date if on else None
            if on is not None and self.due_date is not None:
                effects.append(MadeAvailable(on, self.due_date))
        if report.status in RETURNS:
            effects.append(Returned(report.status, report.at, report.comment or "no reason given"))
        if report.status is ChorusStatus.MISE_EN_PAIEMENT:
            effects.append(PaymentOrdered(paris_date(report.at)))
        return effects

    def _has(self, status: ChorusStatus) -> bool:
        return self._first(status) is not None

    def _first(self, status: ChorusStatus) -> StatusReport | None:
        found = [r for r in self.reports if r.status is status]
        return min(found, key=lambda r: r.at) if found else None


def _stage_of(status: ChorusStatus) -> Stage:
    return {
        ChorusStatus.A_RECYCLER: Stage.TO_RECYCLE,
        ChorusStatus.SUSPENDUE: Stage.SUSPENDED,
        ChorusStatus.REJETEE: Stage.REJECTED,
    }.get(status, Stage.DEPOSITED)
