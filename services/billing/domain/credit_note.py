"""CreditNote — avoir: the only way to cancel or reduce an issued invoice, in one place.

- A credit note references exactly one member invoice and takes its buyer, references and VAT.
- Full (everything still creditable), or partial: by lines (an invoice line and a quantity, at the
  invoice's price and VAT) or by an amount excluding tax on one of the invoice's VAT rates.
- Over all its credit notes, an invoice is credited at most its amount: per VAT rate, the credited
  taxable amounts never exceed the invoice's; per line, the credited quantity never exceeds the invoiced
  one; and the credited total including tax never exceeds the invoice's.
- Numbered at issue in its own gapless series (AV-YYYY-NNNNNN); immutable once issued, like an invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from services.billing.domain.lines import Buyer, Line
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import InvoiceNumber
from services.billing.domain.totals import CENT, Totals, compute_totals
from shared.errors import BusinessRuleViolation

ZERO = Decimal(0)
AMOUNT_ITEM_CODE = "AVOIR-MONTANT"

VatGroup = tuple[str, Decimal]  # (category, rate to the cent)


@dataclass(frozen=True)
class CreditNote:
    id: str
    number: InvoiceNumber
    issue_date: dt.date
    invoice_id: str
    invoice_number: str
    invoice_issue_date: dt.date
    buyer: Buyer
    commitment_number: str | None
    po_number: str
    quote_number: str
    reason: str
    lines: tuple[Line, ...]
    totals: Totals
    # Per credit note line: the invoice line it credits, None for a line crediting an amount.
    invoice_line_nos: tuple[int | None, ...] = field(default_factory=tuple)

    @property
    def member_id(self) -> str:
        return self.buyer.member_id


@dataclass(frozen=True)
class CreditRequest:
    """What staff ask: `lines` (invoice line number, quantity) or `amount` (excluding tax), or neither
    for a full credit note of what is left."""

    reason: str
    lines: tuple[tuple[int, Decimal], ...] | None = None
    amount: Decimal | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None


@dataclass(frozen=True)
class AlreadyCredited:
    """What the invoice's earlier credit notes took from it."""

    quantities: Mapping[int, Decimal] = field(default_factory=dict)  # per invoice line
    bases: Mapping[VatGroup, Decimal] = field(default_factory=dict)  # taxable amount per VAT group
    incl_tax: Decimal = ZERO


def credit_note_lines(
    invoice: MemberInvoice, request: CreditRequest, credited: AlreadyCredited
) -> tuple[tuple[Line, ...], tuple[int | None, ...]]:
    """The credit note's lines and, per line, the invoice line it credits. Refuses (422) what would
    credit the invoice beyond its amount."""
    if not request.reason.strip():
        raise BusinessRuleViolation("a credit note states its reason", field="reason")
    if request.lines is not None and request.amount is not None:
        raise BusinessRuleViolation("credit by lines or by amount, not both", field="amount")
    if request.lines is not None:
        lines, where = _by_lines(invoice, request.lines, credited), "lines"
    elif request.amount is not None:
        lines, where = _by_amount(invoice, request), "amount"
    else:
        lines, where = _full(invoice, credited), "invoice"
    if not lines:
        raise BusinessRuleViolation(f"invoice {invoice.number} is already fully credited", field=where)
    _within_the_invoice(invoice, compute_totals(lines), credited, where)
    return lines, tuple(None if line.item_code == AMOUNT_ITEM_CODE else line.line_no for line in lines)


def _by_lines(
    invoice: MemberInvoice, wanted: Sequence[tuple[int, Decimal]], credited: AlreadyCredited
) -> tuple[Line, ...]:
    if not wanted:
        raise BusinessRuleViolation("name at least one line to credit", field="lines")
    by_no = {line.line_no: line for line in invoice.lines}
    out: list[Line] = []
    seen: set[int] = set()
    for index, (line_no, quantity) in enumerate(wanted):
        where = f"lines.{index}"
        line = by_no.get(line_no)
        if line is None:
            raise BusinessRuleViolation(
                f"invoice {invoice.number} has no line {line_no}", field=f"{where}.line_no"
            )
        if line_no in seen:
            raise BusinessRuleViolation(f"line {line_no} is credited twice", field=f"{where}.line_no")
        seen.add(line_no)
        if quantity <= 0:
            raise BusinessRuleViolation("a credited quantity must be positive", field=f"{where}.quantity")
        left = line.quantity - credited.quantities.get(line_no, ZERO)
        if quantity > left:
            raise BusinessRuleViolation(
                f"line {line_no}: {quantity} to credit, only {max(left, ZERO)} of {line.quantity} left "
                "to credit on the invoice",
                field=f"{where}.quantity",
            )
        out.append(_with_quantity(line, quantity))
    return tuple(out)


def _by_amount(invoice: MemberInvoice, request: CreditRequest) -> tuple[Line, ...]:
    amount = request.amount or ZERO
    if amount <= 0 or amount != amount.quantize(CENT):
        raise BusinessRuleViolation("the amount to credit is positive, in cents", field="amount")
    groups = sorted({(line.vat_category, line.vat_rate.quantize(CENT)) for line in invoice.lines})
    if request.vat_category is None and request.vat_rate is None:
        if len(groups) > 1:
            raise BusinessRuleViolation(
                "the invoice has several VAT rates: say which one the amount is credited on",
                field="vat_rate",
            )
        category, rate = groups[0]
    else:
        category = request.vat_category or ""
        rate = (request.vat_rate if request.vat_rate is not None else Decimal(-1)).quantize(CENT)
        if (category, rate) not in groups:
            raise BusinessRuleViolation(f"the invoice has no VAT {category} {rate} %", field="vat_rate")
    return (
        Line(
            line_no=1,
            item_code=AMOUNT_ITEM_CODE,
            label=f"Réduction sur la facture {invoice.number}",
            unit="unit",
            quantity=Decimal(1),
            unit_price=amount,
            vat_category=category,
            vat_rate=rate,
        ),
    )


def _full(invoice: MemberInvoice, credited: AlreadyCredited) -> tuple[Line, ...]:
    """Every invoice line for what is left of it; when earlier amount credit notes make the lines no longer
    add up to what is left, one amount line per VAT rate for the taxable amount left instead."""
    by_lines = tuple(
        _with_quantity(line, line.quantity - credited.quantities.get(line.line_no, ZERO))
        for line in invoice.lines
        if line.quantity - credited.quantities.get(line.line_no, ZERO) > 0
    )
    left = {
        (row.category, row.rate): row.taxable_amount - credited.bases.get((row.category, row.rate), ZERO)
        for row in invoice.totals.vat_breakdown
    }
    from_lines = {(r.category, r.rate): r.taxable_amount for r in compute_totals(by_lines).vat_breakdown}
    if all(from_lines.get(group, ZERO) == base for group, base in left.items()):
        return by_lines
    return tuple(
        Line(
            line_no=n,
            item_code=AMOUNT_ITEM_CODE,
            label=f"Solde de la facture {invoice.number} (TVA {category} {rate} %)",
            unit="unit",
            quantity=Decimal(1),
            unit_price=base,
            vat_category=category,
            vat_rate=rate,
        )
        for n, ((category, rate), base) in enumerate(sorted(left.items()), start=1)
        if base > 0
    )


def _within_the_invoice(
    invoice: MemberInvoice, totals: Totals, credited: AlreadyCredited, where: str
) -> None:
    invoiced = {(row.category, row.rate): row.taxable_amount for row in invoice.totals.vat_breakdown}
    for row in totals.vat_breakdown:
        group = (row.category, row.rate)
        left = invoiced.get(group, ZERO) - credited.bases.get(group, ZERO)
        if row.taxable_amount > left:
            raise BusinessRuleViolation(
                f"{row.taxable_amount} excluding tax at VAT {row.category} {row.rate} % is above what is "
                f"left to credit on invoice {invoice.number} ({max(left, ZERO)})",
                field=where,
            )
    left_incl = invoice.totals.incl_tax - credited.incl_tax
    if totals.incl_tax > left_incl:
        raise BusinessRuleViolation(
            f"{totals.incl_tax} including tax is above what is left to credit on invoice {invoice.number} "
            f"({max(left_incl, ZERO)})",
            field=where,
        )


def _with_quantity(line: Line, quantity: Decimal) -> Line:
    return Line(
        line_no=line.line_no,
        item_code=line.item_code,
        label=line.label,
        unit=line.unit,
        quantity=quantity,
        unit_price=line.unit_price,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
    )


def credit_note(
    *,
    id: str,
    number: InvoiceNumber,
    issue_date: dt.date,
    invoice: MemberInvoice,
    reason: str,
    lines: tuple[Line, ...],
    invoice_line_nos: tuple[int | None, ...],
) -> CreditNote:
    return CreditNote(
        id=id,
        number=number,
        issue_date=issue_date,
        invoice_id=invoice.id,
        invoice_number=str(invoice.number),
        invoice_issue_date=invoice.issue_date,
        buyer=invoice.buyer,
        commitment_number=invoice.commitment_number,
        po_number=invoice.po_number,
        quote_number=invoice.quote_number,
        reason=reason.strip(),
        lines=lines,
        totals=compute_totals(lines),
        invoice_line_nos=invoice_line_nos,
    )
