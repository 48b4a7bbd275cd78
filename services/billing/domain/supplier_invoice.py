"""SupplierInvoice — facture fournisseur: the contractor's invoice to the syndicate for one PO."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from services.billing.domain.due_dates import syndicate_payment_deadline
from services.billing.domain.lines import Line
from services.billing.domain.matching import Discrepancy, MatchOutcome
from services.billing.domain.totals import sum_of_line_nets
from shared.errors import BusinessRuleViolation, Conflict


class SupplierInvoiceStatus(StrEnum):
    MATCHED = "matched"  # agrees with its PO: approved for payment and rebilling
    EXCEPTION = "exception"  # disagrees: waits for staff to approve with a reason, or dispute
    APPROVED = "approved"  # an exception staff approved with a written reason: paid and rebilled
    DISPUTED = "disputed"  # an exception staff disputed: not paid, the contractor owes a credit note


# Statuses whose quantities count as already invoiced on the PO. An exception still claims its
# quantities until staff dispute it: otherwise a second invoice could be matched against quantities
# that the first one may yet be approved for. A disputed invoice claims nothing any more.
CLAIMING_STATUSES = frozenset(
    {SupplierInvoiceStatus.MATCHED, SupplierInvoiceStatus.EXCEPTION, SupplierInvoiceStatus.APPROVED}
)
REBILLABLE_STATUSES = frozenset({SupplierInvoiceStatus.MATCHED, SupplierInvoiceStatus.APPROVED})


@dataclass(frozen=True)
class StaffDecision:
    """A finance staff member's decision on an exception, with the written reason the audit keeps."""

    reason: str
    decided_by: str
    decided_at: dt.datetime


@dataclass
class SupplierInvoice:
    """Received, checked for consistency, then matched against its PO (rapprochement)."""

    id: str
    number: str  # the contractor's own invoice number
    po_number: str
    issue_date: dt.date
    received_on: dt.date
    payment_deadline: dt.date  # the syndicate's own deadline to pay the contractor
    lines: tuple[Line, ...]
    total_excl_tax: Decimal
    status: SupplierInvoiceStatus = SupplierInvoiceStatus.EXCEPTION
    discrepancies: tuple[Discrepancy, ...] = field(default_factory=tuple)
    source: str = "api"  # "api" (JSON) or "upload" (the contractor's own e-invoice)
    upload_id: str | None = None
    decision: StaffDecision | None = None

    @classmethod
    def received(
        cls,
        *,
        id: str,
        number: str,
        po_number: str,
        issue_date: dt.date,
        received_on: dt.date,
        lines: Sequence[Line],
        total_excl_tax: Decimal,
    ) -> SupplierInvoice:
        """Refuses what is not a usable invoice (4xx); disagreements with the PO are matching's business."""
        if not number.strip():
            raise BusinessRuleViolation(
                "the contractor's invoice number is mandatory", field="supplier_invoice_number"
            )
        if not po_number.strip():
            raise BusinessRuleViolation("a public-procurement invoice must name its PO", field="po_number")
        if issue_date > received_on:
            raise BusinessRuleViolation("the invoice is dated after its receipt", field="issue_date")
        _check_lines(lines)
        expected = sum_of_line_nets(lines)
        if total_excl_tax != expected:
            raise BusinessRuleViolation(
                f"total excluding tax {total_excl_tax} does not equal the sum of the line nets {expected}",
                field="total_excl_tax",
            )
        return cls(
            id=id,
            number=number,
            po_number=po_number,
            issue_date=issue_date,
            received_on=received_on,
            payment_deadline=syndicate_payment_deadline(received_on),
            lines=tuple(lines),
            total_excl_tax=total_excl_tax,
        )

    def record_match(self, outcome: MatchOutcome) -> None:
        self.discrepancies = outcome.discrepancies
        self.status = SupplierInvoiceStatus.MATCHED if outcome.matched else SupplierInvoiceStatus.EXCEPTION

    def approve(self, decision: StaffDecision) -> None:
        """Staff accept the exception as it is (e.g. a price revision the PO did not carry): it is then
        paid and rebilled like a matched invoice. Only an exception can be approved, with a reason."""
        self._decide(decision, SupplierInvoiceStatus.APPROVED)

    def dispute(self, decision: StaffDecision) -> None:
        """Staff refuse the exception: not paid nor rebilled; the contractor must send a credit note.
        Its quantities stop counting as invoiced on the PO, so a corrected invoice can claim them."""
        self._decide(decision, SupplierInvoiceStatus.DISPUTED)

    def _decide(self, decision: StaffDecision, status: SupplierInvoiceStatus) -> None:
        if self.status is not SupplierInvoiceStatus.EXCEPTION:
            raise Conflict(
                f"supplier invoice {self.number} is {self.status.value}: only an exception can be "
                f"{status.value}"
            )
        if not decision.reason.strip():
            raise BusinessRuleViolation("a written reason is mandatory", field="reason")
        if not decision.decided_by.strip():
            raise BusinessRuleViolation("who decides must be named", field="decided_by")
        self.status = status
        self.decision = decision

    @property
    def rebillable(self) -> bool:
        """Only what was matched, or approved by staff, is rebilled to the member."""
        return self.status in REBILLABLE_STATUSES


def _check_lines(lines: Sequence[Line]) -> None:
    if not lines:
        raise BusinessRuleViolation("an invoice needs at least one line", field="lines")
    seen: set[int] = set()
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if line.line_no in seen:
            raise BusinessRuleViolation(f"PO line {line.line_no} is invoiced twice", field=f"{where}.line_no")
        seen.add(line.line_no)
        if line.quantity <= 0:
            raise BusinessRuleViolation("a quantity must be positive", field=f"{where}.quantity")
        if line.unit_price < 0:
            raise BusinessRuleViolation("a unit price cannot be negative", field=f"{where}.unit_price")
        if line.vat_rate < 0:
            raise BusinessRuleViolation("a VAT rate cannot be negative", field=f"{where}.vat_rate")
