"""The matching rule (rapprochement) of a supplier invoice against its PO, in one place.

For every invoice line, paired with the PO line of the same `line_no`:
- the quantity invoiced may not exceed what can still be invoiced on that PO line: the ceiling (what was
  attested as done, service fait, summed over the PO's attestations and never above the quantity
  ordered) minus what earlier supplier invoices of the PO already claimed. A line nobody attested has
  a ceiling of zero: the syndicate pays only for what it saw delivered;
- the unit price must equal the PO's within the configured tolerance (default zero, in euros);
- the VAT category and rate must equal the PO's;
- the item must be the one ordered.
Every disagreement is reported, not only the first: staff see the whole picture before approving or
disputing. A mismatch is never silently accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.billing.domain.lines import Line

ZERO = Decimal(0)


@dataclass(frozen=True)
class Discrepancy:
    """One reason why an invoice line disagrees with its PO (écart de rapprochement)."""

    code: str
    message: str
    line_no: int | None = None


@dataclass(frozen=True)
class MatchOutcome:
    discrepancies: tuple[Discrepancy, ...]

    @property
    def matched(self) -> bool:
        return not self.discrepancies


@dataclass(frozen=True)
class MatchingPolicy:
    price_tolerance: Decimal = ZERO  # absolute, euros per unit


def invoiceable_quantity(
    ordered: Decimal, already_invoiced: Decimal, attested: Decimal | None = None
) -> Decimal:
    """What may still be invoiced on one PO line.

    The ceiling is the quantity attested as done (service fait), capped by the quantity ordered;
    `attested=None` (no attestation rule, e.g. a unit test of prices alone) falls back to the ordered one.
    """
    ceiling = ordered if attested is None else min(ordered, attested)
    return ceiling - already_invoiced


def match_supplier_invoice(
    order_lines: Sequence[Line],
    invoice_lines: Sequence[Line],
    already_invoiced: Mapping[int, Decimal],
    *,
    policy: MatchingPolicy,
    attested: Mapping[int, Decimal] | None = None,
) -> MatchOutcome:
    ordered = {line.line_no: line for line in order_lines}
    found: list[Discrepancy] = []
    for line in invoice_lines:
        po_line = ordered.get(line.line_no)
        if po_line is None:
            found.append(
                Discrepancy("unknown_po_line", f"line {line.line_no}: the PO has no such line", line.line_no)
            )
            continue
        found.extend(
            _line_discrepancies(
                line,
                po_line,
                already_invoiced.get(line.line_no, ZERO),
                None if attested is None else attested.get(line.line_no, ZERO),
                policy,
            )
        )
    return MatchOutcome(tuple(found))


def _line_discrepancies(
    line: Line, po_line: Line, already: Decimal, attested: Decimal | None, policy: MatchingPolicy
) -> list[Discrepancy]:
    n = line.line_no
    found: list[Discrepancy] = []
    if line.item_code != po_line.item_code:
        found.append(
            Discrepancy(
                "item_mismatch", f"line {n}: item {line.item_code} invoiced, {po_line.item_code} ordered", n
            )
        )
    q = _plain
    ordered_left = invoiceable_quantity(po_line.quantity, already)
    attested_left = invoiceable_quantity(po_line.quantity, already, attested)
    if line.quantity > ordered_left:
        found.append(
            Discrepancy(
                "quantity_exceeds",
                f"line {n}: quantity {q(line.quantity)} invoiced, only {q(max(ordered_left, ZERO))} left "
                f"to invoice ({q(po_line.quantity)} ordered, {q(already)} already invoiced)",
                n,
            )
        )
    elif line.quantity > attested_left:
        found.append(
            Discrepancy(
                "quantity_not_attested",
                f"line {n}: quantity {q(line.quantity)} invoiced, only {q(max(attested_left, ZERO))} "
                f"attested as done and not yet invoiced ({q(attested or ZERO)} attested, {q(already)} "
                f"already invoiced, {q(po_line.quantity)} ordered)",
                n,
            )
        )
    if abs(line.unit_price - po_line.unit_price) > policy.price_tolerance:
        found.append(
            Discrepancy(
                "unit_price_mismatch",
                f"line {n}: unit price {line.unit_price} invoiced, {po_line.unit_price} ordered "
                f"(tolerance {policy.price_tolerance})",
                n,
            )
        )
    if line.vat_category != po_line.vat_category or line.vat_rate != po_line.vat_rate:
        found.append(
            Discrepancy(
                "vat_mismatch",
                f"line {n}: VAT {line.vat_category} {line.vat_rate} % invoiced, "
                f"{po_line.vat_category} {po_line.vat_rate} % ordered",
                n,
            )
        )
    return found


def _plain(quantity: Decimal) -> str:
    """4.0000 -> "4", 2.50 -> "2.5": quantities as a person writes them."""
    return format(quantity.normalize(), "f") if quantity else "0"
