"""Rows to domain objects and back, for the shapes several tables share (lines, buyer snapshots)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.billing.domain.lines import Address, Buyer, Line


def line_values(line: Line) -> dict[str, Any]:
    return asdict(line)


def line_from_row(row: Any) -> Line:
    return Line(
        line_no=row.line_no,
        item_code=row.item_code,
        label=row.label,
        unit=row.unit,
        quantity=row.quantity,
        unit_price=row.unit_price,
        vat_category=row.vat_category,
        vat_rate=row.vat_rate,
    )


def buyer_to_json(buyer: Buyer) -> dict[str, Any]:
    return asdict(buyer)


def buyer_from_json(data: dict[str, Any]) -> Buyer:
    return Buyer(**(data | {"address": Address(**data["address"])}))
