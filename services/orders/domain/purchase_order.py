"""Purchase order (bon de commande): what the syndicate orders from the ENT contractor once a member
accepted a quote. One accepted quote gives exactly one purchase order.

Lifecycle:
    issued → transmitted → acknowledged → partly_done → fully_done → closed
    issued | transmitted → cancelled   (never once the contractor acknowledged it)
An acknowledgement may arrive before we recorded the transmission (the contractor answered garbage but
kept the order, then acknowledged it): `issued → acknowledged` is allowed and implies the transmission.
Service-done attestations (service fait) may be recorded from `issued` on: the syndicate attests a fact,
whatever the contractor's paperwork says; a PO with attested services can no longer be cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from services.orders.domain.member_directory import MemberIdentity
from services.orders.domain.quote import Quote, QuoteLine, QuoteStatus, validate_quantity
from services.orders.domain.totals import DocumentTotals, document_totals
from shared.errors import BusinessRuleViolation, Conflict

ZERO = Decimal(0)


class PurchaseOrderStatus(StrEnum):
    ISSUED = "issued"
    TRANSMITTED = "transmitted"
    ACKNOWLEDGED = "acknowledged"
    PARTLY_DONE = "partly_done"
    FULLY_DONE = "fully_done"
    CLOSED = "closed"
    CANCELLED = "cancelled"


CANCELLABLE = (PurchaseOrderStatus.ISSUED, PurchaseOrderStatus.TRANSMITTED)
ATTESTABLE = (
    PurchaseOrderStatus.ISSUED,
    PurchaseOrderStatus.TRANSMITTED,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTLY_DONE,
)
CLOSABLE = (PurchaseOrderStatus.ACKNOWLEDGED, PurchaseOrderStatus.PARTLY_DONE, PurchaseOrderStatus.FULLY_DONE)


def format_po_number(year: int, number: int) -> str:
    """`BC-2026-000001`: one gapless series per year (shared.numbering, series `purchase_orders`)."""
    return f"BC-{year}-{number:06d}"


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    kind: str
    detail: str


@dataclass(frozen=True)
class AttestedLine:
    line_no: int
    quantity: Decimal


@dataclass(frozen=True)
class ServiceAttestation:
    """Service fait: who attested, on which date, which quantities of which PO lines (this time only)."""

    id: str
    attested_on: dt.date
    attested_by: str
    recorded_at: dt.datetime
    lines: tuple[AttestedLine, ...]


@dataclass
class PurchaseOrder:
    id: str
    po_number: str
    quote_id: str
    quote_number: str
    member_id: str
    issued_on: dt.date
    issued_at: dt.datetime
    buyer: MemberIdentity  # snapshot at acceptance; its service code is the one the invoice will carry
    commitment_number: str | None
    lines: list[QuoteLine]
    status: PurchaseOrderStatus = PurchaseOrderStatus.ISSUED
    member_invoice_number: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    attestations: list[ServiceAttestation] = field(default_factory=list)
    contractor_reference: str | None = None
    transmitted_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    transmission_attempts: int = 0
    transmission_due_at: dt.datetime | None = None  # set while a transmission to the contractor is pending
    transmission_error: str | None = None

    @classmethod
    def for_accepted_quote(
        cls, *, id: str, po_number: str, quote: Quote, buyer: MemberIdentity
    ) -> PurchaseOrder:
        if quote.status is not QuoteStatus.ACCEPTED or quote.acceptance is None:
            raise ValueError("a purchase order is only issued for an accepted quote")
        acceptance = quote.acceptance
        return cls(
            id=id,
            po_number=po_number,
            quote_id=quote.id,
            quote_number=quote.number,
            member_id=quote.member_id,
            issued_on=acceptance.accepted_on,
            issued_at=acceptance.accepted_at,
            buyer=buyer,
            commitment_number=acceptance.references.commitment_number,
            lines=list(quote.lines),
            history=[
                HistoryEntry(
                    acceptance.accepted_at,
                    "issued",
                    f"issued for quote {quote.number} accepted by {acceptance.accepted_by}",
                )
            ],
        )

    @property
    def totals(self) -> DocumentTotals:
        return document_totals(self.lines)

    def _log(self, at: dt.datetime, kind: str, detail: str) -> None:
        self.history.append(HistoryEntry(at, kind, detail[:500]))

    def note(self, at: dt.datetime, kind: str, detail: str) -> None:
        """A fact about the order that changes no state (kept in its history for staff)."""
        self._log(at, kind, detail)

    # --- transmission to the contractor -------------------------------------------------------------

    def schedule_transmission(self, *, at: dt.datetime) -> bool:
        """Put the PO in the transmission queue once; False when it is not (or no longer) to transmit."""
        if not self.awaiting_transmission or self.transmission_due_at is not None:
            return False
        if self.transmission_attempts:
            return False  # a permanent refusal stopped it: staff decide, not a redelivered event
        self.transmission_due_at = at
        return True

    @property
    def awaiting_transmission(self) -> bool:
        """The contractor does not hold the order yet, and should. Transmission is a fact of its own,
        not a step of the status: staff may attest service done (the contractor delivered on the
        phone's word) before the contractor's system confirmed it holds the order."""
        return self.transmitted_at is None and self.status not in (
            PurchaseOrderStatus.CANCELLED,
            PurchaseOrderStatus.CLOSED,
        )

    def record_transmission(self, *, at: dt.datetime, contractor_reference: str | None) -> bool:
        """The contractor confirmed it holds the order. False when that is no news (already known)."""
        self.transmission_due_at = None
        self.transmission_error = None
        if not self.awaiting_transmission:
            return False
        if self.status is PurchaseOrderStatus.ISSUED:
            self.status = PurchaseOrderStatus.TRANSMITTED
        self.transmitted_at = at
        self.contractor_reference = contractor_reference or self.contractor_reference
        self._log(
            at,
            "transmitted",
            f"transmitted to the contractor (its reference {contractor_reference}), "
            f"attempt {self.transmission_attempts}",
        )
        return True

    def record_transmission_failure(
        self, *, at: dt.datetime, reason: str, retry_at: dt.datetime | None
    ) -> None:
        """A failed attempt, kept in the history; `retry_at` None means the contractor refused it for good."""
        self.transmission_error = reason[:1000]
        if not self.awaiting_transmission:
            self.transmission_due_at = None
            return
        self.transmission_due_at = retry_at
        if retry_at is None:
            self._log(
                at, "transmission_refused", f"attempt {self.transmission_attempts}: {reason}; not retried"
            )
        else:
            self._log(
                at,
                "transmission_failed",
                f"attempt {self.transmission_attempts}: {reason}; next attempt at {retry_at.isoformat()}",
            )

    def acknowledge(self, *, at: dt.datetime, contractor_reference: str | None) -> bool:
        """The contractor acknowledged the order (accusé de réception). Idempotent: False when known.
        The caller records the transmission first (`record_transmission`): an acknowledged order is
        one the contractor holds."""
        if self.status is PurchaseOrderStatus.CANCELLED:
            raise Conflict(f"purchase order {self.po_number} was cancelled: it cannot be acknowledged")
        if self.acknowledged_at is not None:
            return False
        # An acknowledgement may overtake the transmission's answer, or come after service done:
        # it is recorded whenever it comes (call `record_transmission` first: it implies one).
        if self.status in CANCELLABLE:
            self.status = PurchaseOrderStatus.ACKNOWLEDGED
        self.acknowledged_at = at
        self.contractor_reference = contractor_reference or self.contractor_reference
        self._log(
            at, "acknowledged", f"acknowledged by the contractor (reference {self.contractor_reference})"
        )
        return True

    # --- cancellation and closing --------------------------------------------------------------------

    def cancel(self, *, at: dt.datetime, by: str, reason: str) -> bool:
        """Only before the contractor acknowledged it. Returns whether the contractor had it already
        (then it must be told: the compensation)."""
        if self.status not in CANCELLABLE:
            raise Conflict(f"purchase order {self.po_number} is {self.status.value}: it cannot be cancelled")
        if not by.strip() or not reason.strip():
            raise BusinessRuleViolation("a cancellation records who cancels and why", field="reason")
        was_transmitted = self.transmitted_at is not None
        self.status = PurchaseOrderStatus.CANCELLED
        self.cancelled_at = at
        self.transmission_due_at = None
        self._log(at, "cancelled", f"cancelled by {by}: {reason}")
        return was_transmitted

    def close(self, *, at: dt.datetime, by: str, reason: str | None) -> None:
        """Nothing more is expected from this order (all done, or the rest will not be delivered)."""
        if self.status not in CLOSABLE:
            raise Conflict(f"purchase order {self.po_number} is {self.status.value}: it cannot be closed")
        self.status = PurchaseOrderStatus.CLOSED
        self.closed_at = at
        self._log(at, "closed", f"closed by {by}" + (f": {reason}" if reason else ""))

    # --- service done (service fait) -----------------------------------------------------------------

    def attested_quantity(self, line_no: int) -> Decimal:
        return sum((x.quantity for a in self.attestations for x in a.lines if x.line_no == line_no), ZERO)

    def attest(self, attestation: ServiceAttestation, *, today: dt.date) -> None:
        """The rule of service fait: quantities > 0 on lines of this PO, each line once per attestation,
        and never more than ordered in total (all attestations summed); dated between the PO's issue and
        today. The PO becomes partly or fully done."""
        if self.status not in ATTESTABLE:
            raise Conflict(
                f"purchase order {self.po_number} is {self.status.value}: no service can be attested on it"
            )
        if not attestation.attested_by.strip():
            raise BusinessRuleViolation("who attests the service must be recorded", field="attested_by")
        if attestation.attested_on > today:
            raise BusinessRuleViolation("a service cannot be attested in advance", field="attested_on")
        if attestation.attested_on < self.issued_on:
            raise BusinessRuleViolation(
                f"a service cannot be done before the order ({self.issued_on.isoformat()})",
                field="attested_on",
            )
        if not attestation.lines:
            raise BusinessRuleViolation("an attestation names at least one line", field="lines")
        ordered = {line.line_no: line for line in self.lines}
        seen: set[int] = set()
        for index, attested in enumerate(attestation.lines):
            line = ordered.get(attested.line_no)
            if line is None:
                raise BusinessRuleViolation(
                    f"purchase order {self.po_number} has no line {attested.line_no}",
                    field=f"lines.{index}.line_no",
                )
            if attested.line_no in seen:
                raise BusinessRuleViolation(
                    f"line {attested.line_no} appears twice in the attestation",
                    field=f"lines.{index}.line_no",
                )
            seen.add(attested.line_no)
            validate_quantity(attested.quantity, field=f"lines.{index}.quantity")
            already = self.attested_quantity(attested.line_no)
            if already + attested.quantity > line.quantity:
                raise BusinessRuleViolation(
                    f"line {attested.line_no} ({line.item_code}): {attested.quantity} more would make "
                    f"{already + attested.quantity} attested, above the {line.quantity} ordered "
                    f"({line.quantity - already} left)",
                    field=f"lines.{index}.quantity",
                )
        self.attestations.append(attestation)
        done = all(self.attested_quantity(line.line_no) >= line.quantity for line in self.lines)
        self.status = PurchaseOrderStatus.FULLY_DONE if done else PurchaseOrderStatus.PARTLY_DONE
        quantities = ", ".join(f"line {x.line_no}: {x.quantity}" for x in attestation.lines)
        self._log(
            attestation.recorded_at,
            "service_attested",
            f"service done on {attestation.attested_on.isoformat()} attested by {attestation.attested_by} "
            f"({quantities}); now {self.status.value}",
        )

    # --- billing feedback ----------------------------------------------------------------------------

    def record_member_invoice(self, *, invoice_number: str, issue_date: dt.date, at: dt.datetime) -> None:
        """Billing rebilled this order to the member (refacturation); a reissue after a credit note
        replaces the number shown, the history keeps both."""
        self.member_invoice_number = invoice_number
        self.history.append(
            HistoryEntry(
                at, "member_invoiced", f"member invoice {invoice_number} issued on {issue_date.isoformat()}"
            )
        )


def transmission_backoff(attempt: int, *, base_s: float, max_s: float) -> dt.timedelta:
    """Delay before the next transmission attempt: doubling from `base_s`, capped at `max_s`. There is
    no last attempt: a PO is retried until the contractor takes it or staff cancel it."""
    return dt.timedelta(seconds=min(max_s, base_s * 2 ** max(0, attempt - 1)))
