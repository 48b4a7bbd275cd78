"""Domain objects for the billing unit tests."""

from __future__ import annotations

from decimal import Decimal

from services.billing.domain.lines import Line


def line(
    line_no: int = 1,
    quantity: str = "10",
    unit_price: str = "100.00",
    *,
    item_code: str | None = None,
    vat_category: str = "S",
    vat_rate: str = "20.00",
) -> Line:
    return Line(
        line_no=line_no,
        item_code=item_code or f"ITEM-{line_no}",
        label=f"Article {line_no}",
        unit="unit",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        vat_category=vat_category,
        vat_rate=Decimal(vat_rate),
    )
