"""The totals rule of every invoice and credit note (EN 16931 way), in one place.

- line net = quantity * unit price, rounded half-up to the cent;
- VAT is computed per (category, rate) on the sum of the line nets of that group, rounded half-up,
  never line by line (the sum of rounded line VATs can differ from the group's VAT by a cent);
- total excluding tax = sum of line nets; total VAT = sum of group VATs; including tax = the two added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.billing.domain.lines import Line

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Net amount of a line, excluding tax (BT-131)."""
    return to_cents(quantity * unit_price)


@dataclass(frozen=True)
class VatSubtotal:
    """One VAT breakdown row (BG-23): the taxable base and the VAT of one (category, rate)."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class Totals:
    excl_tax: Decimal
    vat: Decimal
    incl_tax: Decimal
    vat_breakdown: tuple[VatSubtotal, ...]


def sum_of_line_nets(lines: Iterable[Line]) -> Decimal:
    return sum((line_net(line.quantity, line.unit_price) for line in lines), ZERO)


def compute_totals(lines: Iterable[Line]) -> Totals:
    groups: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate.quantize(CENT))
        groups[key] = groups.get(key, ZERO) + line_net(line.quantity, line.unit_price)
    breakdown = tuple(
        VatSubtotal(category=category, rate=rate, taxable_amount=base, vat_amount=to_cents(base * rate / 100))
        for (category, rate), base in sorted(groups.items())
    )
    excl = sum((row.taxable_amount for row in breakdown), ZERO)
    vat = sum((row.vat_amount for row in breakdown), ZERO)
    return Totals(excl_tax=excl, vat=vat, incl_tax=excl + vat, vat_breakdown=breakdown)
