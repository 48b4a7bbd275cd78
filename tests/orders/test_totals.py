"""The totals rule (domain, no database): line nets rounded half up, VAT per (category, rate) on their sum."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.orders.domain.totals import document_totals, line_net_amount


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    vat_category: str = "S"
    vat_rate: Decimal = Decimal("20.00")


def test_line_net_is_rounded_half_up_to_the_cent() -> None:
    assert line_net_amount(Decimal("1"), Decimal("0.125")) == Decimal("0.13")  # banker's rounding gives 0.12
    assert line_net_amount(Decimal("3"), Decimal("0.0050")) == Decimal("0.02")  # 0.015 → 0.02
    assert line_net_amount(Decimal("2.5"), Decimal("150")) == Decimal("375.00")


def test_vat_is_computed_on_the_sum_of_line_nets_not_line_by_line() -> None:
    # Each line: net 0.13, VAT 0.026 which would round to 0.03 line by line (0.09 in all).
    lines = [Line(Decimal("1"), Decimal("0.125"))] * 3
    totals = document_totals(lines)
    assert totals.total_excl_tax == Decimal("0.39")
    assert totals.total_vat == Decimal("0.08")  # 0.39 * 20 % = 0.078 → 0.08, not 0.09
    assert totals.total_incl_tax == Decimal("0.47")


def test_vat_breakdown_has_one_row_per_category_and_rate() -> None:
    totals = document_totals(
        [
            Line(Decimal("2"), Decimal("100.00")),
            Line(Decimal("1"), Decimal("50.00"), "S", Decimal("5.5")),
            Line(Decimal("1"), Decimal("10.00"), "O", Decimal("0")),
            Line(Decimal("1"), Decimal("33.33"), "S", Decimal("20")),
        ]
    )
    rows = {(row.category, row.rate): (row.taxable_amount, row.vat_amount) for row in totals.vat_breakdown}
    assert rows == {
        ("O", Decimal("0.00")): (Decimal("10.00"), Decimal("0.00")),
        ("S", Decimal("5.50")): (Decimal("50.00"), Decimal("2.75")),
        ("S", Decimal("20.00")): (Decimal("233.33"), Decimal("46.67")),  # 46.666 → 46.67
    }
    assert totals.total_excl_tax == Decimal("293.33")
    assert totals.total_vat == Decimal("49.42")
    assert totals.total_incl_tax == Decimal("342.75")
