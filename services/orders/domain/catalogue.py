"""The contract's price list: BPU (bordereau des prix unitaires) and the contractor's catalogue.

Prices are versioned by validity date: a new price is a new version from its `valid_from` date, and
the version in force on the quote's date is copied into the quote, so a later price never alters it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.errors import BusinessRuleViolation

MAX_UNIT_PRICE = Decimal("1000000")
UNIT_PRICE_PLACES = 4  # BPU prices may carry sub-cent unit prices (e.g. 0.125 € per account)

# EN 16931 VAT categories a marketplace item can carry, and whether their rate must be positive.
VAT_CATEGORIES_WITH_RATE = {"S"}
VAT_CATEGORIES_WITHOUT_RATE = {"Z", "E", "AE", "O"}


class CatalogueSource(StrEnum):
    BPU = "BPU"
    CATALOGUE = "catalogue"


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def canonical_price(value: Decimal) -> Decimal:
    """At least 2 decimals, no trailing zeros beyond: 120 → 120.00, 0.1250 → 0.125."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1).scaleb(-max(2, decimal_places(normalized))))


@dataclass(frozen=True)
class CatalogueItem:
    """One price version of an item of the BPU or of the contractor's catalogue (article du catalogue)."""

    code: str
    label: str
    unit: str
    unit_price: Decimal  # excluding tax, euros
    vat_category: str
    vat_rate: Decimal  # percent, e.g. 20.00
    source: CatalogueSource
    contract_reference: str
    valid_from: dt.date

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise BusinessRuleViolation("an item needs a code", field="code")
        if self.unit_price < 0 or self.unit_price > MAX_UNIT_PRICE:
            raise BusinessRuleViolation(
                f"a unit price is between 0 and {MAX_UNIT_PRICE} €", field="unit_price"
            )
        if decimal_places(self.unit_price) > UNIT_PRICE_PLACES:
            raise BusinessRuleViolation(
                f"a unit price has at most {UNIT_PRICE_PLACES} decimals", field="unit_price"
            )
        if self.vat_category in VAT_CATEGORIES_WITH_RATE:
            if not Decimal(0) < self.vat_rate <= Decimal(100):
                raise BusinessRuleViolation(
                    "a standard-rated item needs a VAT rate above 0 %", field="vat_rate"
                )
        elif self.vat_category in VAT_CATEGORIES_WITHOUT_RATE:
            if self.vat_rate != 0:
                raise BusinessRuleViolation(
                    f"VAT category {self.vat_category} carries a 0 % rate", field="vat_rate"
                )
        else:
            known = sorted(VAT_CATEGORIES_WITH_RATE | VAT_CATEGORIES_WITHOUT_RATE)
            raise BusinessRuleViolation(f"VAT category must be one of {known}", field="vat_category")


def price_in_force(versions: list[CatalogueItem], day: dt.date) -> CatalogueItem | None:
    """The version with the latest `valid_from` on or before `day`."""
    candidates = [v for v in versions if v.valid_from <= day]
    return max(candidates, key=lambda v: v.valid_from) if candidates else None
