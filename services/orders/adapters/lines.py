"""Mapping of priced lines, shared by quote lines and purchase order lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.orders.domain.catalogue import canonical_price
from services.orders.domain.quote import QuoteLine


def plain_quantity(value: Decimal) -> Decimal:
    """NUMERIC(…, 3) gives 2.000 back; the document shows 2."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral_value() else normalized


def line_values(line: QuoteLine) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "item_code": line.item_code,
        "label": line.label,
        "unit": line.unit,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "vat_category": line.vat_category,
        "vat_rate": line.vat_rate,
        "source": line.source,
        "contract_reference": line.contract_reference,
        "price_valid_from": line.price_valid_from,
    }


def line_from_row(row: Any) -> QuoteLine:
    return QuoteLine(
        line_no=row.line_no,
        item_code=row.item_code,
        label=row.label,
        unit=row.unit,
        quantity=plain_quantity(row.quantity),
        unit_price=canonical_price(row.unit_price),
        vat_category=row.vat_category,
        vat_rate=row.vat_rate,
        source=row.source,
        contract_reference=row.contract_reference,
        price_valid_from=row.price_valid_from,
    )
