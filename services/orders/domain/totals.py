"""The totals rule of every priced document (quote, purchase order), in one place (EN 16931 way).

A line's net amount is quantity * unit price, rounded half up to the cent. VAT is computed once per
(category, rate) on the sum of the line net amounts of that group, never line by line, so the VAT of
a document does not depend on how its lines are split. Total including tax = net total + VAT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """Euros with 2 decimals, ROUND_HALF_UP (never banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return to_cents(quantity * unit_price)


class PricedLine(Protocol):
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def vat_category(self) -> str: ...
    @property
    def vat_rate(self) -> Decimal: ...


@dataclass(frozen=True)
class VatSubtotal:
    """One row of the VAT breakdown: the taxable base of a (category, rate) and its VAT."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    total_excl_tax: Decimal
    vat_breakdown: tuple[VatSubtotal, ...]
    total_vat: Decimal
    total_incl_tax: Decimal


def document_totals(lines: Iterable[PricedLine]) -> DocumentTotals:
    """Totals excluding tax, VAT per (category, rate) on the sum of line nets, and including tax."""
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate.normalize())
        bases[key] = bases.get(key, ZERO) + line_net_amount(line.quantity, line.unit_price)
    breakdown = tuple(
        VatSubtotal(category, to_cents(rate), to_cents(base), to_cents(base * rate / 100))
        for (category, rate), base in sorted(bases.items())
    )
    net = sum((row.taxable_amount for row in breakdown), ZERO)
    vat = sum((row.vat_amount for row in breakdown), ZERO)
    return DocumentTotals(
        total_excl_tax=net, vat_breakdown=breakdown, total_vat=vat, total_incl_tax=net + vat
    )
