"""Invoice number format and the gap/duplicate check, without a database."""

from __future__ import annotations

from services.billing.domain.numbering import InvoiceNumber, Series, check_series


def test_a_marketplace_number_is_prefixed_with_its_year_and_six_digits() -> None:
    assert str(InvoiceNumber(Series.MARKETPLACE, 2026, 1)) == "FAC-M-2026-000001"
    assert str(InvoiceNumber(Series.MARKETPLACE, 2027, 123456)) == "FAC-M-2027-123456"


def test_a_continuous_series_is_ok() -> None:
    check = check_series("marketplace", 2026, [3, 1, 2], counter_last=3)
    assert check.ok and (check.count, check.first, check.last, check.gaps) == (3, 1, 3, ())


def test_a_hole_and_a_repeat_are_both_reported() -> None:
    check = check_series("marketplace", 2026, [1, 2, 2, 5], counter_last=5)
    assert not check.ok
    assert check.gaps == (3, 4) and check.duplicates == (2,)


def test_a_number_consumed_by_the_counter_without_an_invoice_is_a_gap() -> None:
    check = check_series("marketplace", 2026, [1, 2], counter_last=3)
    assert not check.ok and check.gaps == (3,)


def test_a_series_not_starting_at_one_is_not_ok() -> None:
    assert not check_series("marketplace", 2026, [2, 3], counter_last=None).ok
