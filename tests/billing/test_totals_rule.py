"""The totals rule: line nets rounded half-up to the cent, VAT per (category, rate) on the sum of nets."""

from __future__ import annotations

from decimal import Decimal

from services.billing.domain.totals import compute_totals, line_net
from tests.billing.builders import line


def test_a_line_net_is_rounded_half_up_to_the_cent() -> None:
    assert line_net(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 rounds up, not to even
    assert line_net(Decimal("1.5"), Decimal("0.01")) == Decimal("0.02")  # 0.015
    assert line_net(Decimal("2"), Decimal("0.0025")) == Decimal("0.01")  # 0.005


def test_vat_is_computed_on_the_sum_of_line_nets_not_line_by_line() -> None:
    # Three lines of 0.05 at 10 %: line by line 3 x 0.01 = 0.03, on the sum 0.15 x 10 % = 0.015 -> 0.02.
    totals = compute_totals([line(n, "1", "0.05", vat_rate="10.00") for n in (1, 2, 3)])
    assert totals.excl_tax == Decimal("0.15")
    assert totals.vat == Decimal("0.02")
    assert totals.incl_tax == Decimal("0.17")


def test_several_vat_rates_each_get_their_own_breakdown_row() -> None:
    totals = compute_totals(
        [
            line(1, "3", "33.333", vat_rate="20.00"),  # 99.999 -> 100.00
            line(2, "1", "10.05", vat_rate="5.50"),  # VAT 0.55275 -> 0.55
            line(3, "2", "0.125", vat_rate="5.50"),  # 0.25; group 10.30 x 5.5 % = 0.5665 -> 0.57
            line(4, "1", "150.00", vat_category="O", vat_rate="0"),
        ]
    )
    rows = {(r.category, r.rate): (r.taxable_amount, r.vat_amount) for r in totals.vat_breakdown}
    assert rows == {
        ("O", Decimal("0.00")): (Decimal("150.00"), Decimal("0.00")),
        ("S", Decimal("5.50")): (Decimal("10.30"), Decimal("0.57")),
        ("S", Decimal("20.00")): (Decimal("100.00"), Decimal("20.00")),
    }
    assert totals.excl_tax == Decimal("260.30")
    assert totals.vat == Decimal("20.57")
    assert totals.incl_tax == Decimal("280.87")


def test_a_rate_written_differently_is_the_same_group() -> None:
    totals = compute_totals([line(1, "1", "10", vat_rate="20"), line(2, "1", "10", vat_rate="20.00")])
    assert len(totals.vat_breakdown) == 1 and totals.vat == Decimal("4.00")
