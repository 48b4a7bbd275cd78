"""The matching rule (rapprochement) of a supplier invoice against its PO, without a database."""

from __future__ import annotations

from decimal import Decimal

from services.billing.domain.matching import MatchingPolicy, invoiceable_quantity, match_supplier_invoice
from tests.billing.builders import line

STRICT = MatchingPolicy()
ORDER = (line(1, "10", "100.00"), line(2, "3", "49.99", vat_category="S", vat_rate="5.50"))


def codes(outcome) -> list[tuple[str, int | None]]:
    return [(d.code, d.line_no) for d in outcome.discrepancies]


def test_an_invoice_equal_to_its_po_matches() -> None:
    assert match_supplier_invoice(ORDER, ORDER, {}, policy=STRICT).matched


def test_a_partial_invoice_matches_and_a_second_one_for_the_rest_matches_too() -> None:
    first = (line(1, "4", "100.00"),)
    assert match_supplier_invoice(ORDER, first, {}, policy=STRICT).matched
    rest = (line(1, "6", "100.00"), line(2, "3", "49.99", vat_rate="5.50"))
    assert match_supplier_invoice(ORDER, rest, {1: Decimal("4")}, policy=STRICT).matched


def test_the_second_invoice_cannot_claim_what_the_first_already_invoiced() -> None:
    second = (line(1, "7", "100.00"),)
    outcome = match_supplier_invoice(ORDER, second, {1: Decimal("4")}, policy=STRICT)
    assert codes(outcome) == [("quantity_exceeds", 1)]
    assert "only 6 left" in outcome.discrepancies[0].message


def test_invoicing_more_than_ordered_is_an_exception() -> None:
    outcome = match_supplier_invoice(ORDER, (line(1, "10.001", "100.00"),), {}, policy=STRICT)
    assert codes(outcome) == [("quantity_exceeds", 1)]


def test_a_price_off_by_one_cent_is_an_exception_without_tolerance() -> None:
    outcome = match_supplier_invoice(ORDER, (line(1, "1", "100.01"),), {}, policy=STRICT)
    assert codes(outcome) == [("unit_price_mismatch", 1)]


def test_a_tolerance_accepts_a_price_within_it_and_refuses_one_beyond() -> None:
    tolerant = MatchingPolicy(price_tolerance=Decimal("0.01"))
    assert match_supplier_invoice(ORDER, (line(1, "1", "99.99"),), {}, policy=tolerant).matched
    assert match_supplier_invoice(ORDER, (line(1, "1", "100.01"),), {}, policy=tolerant).matched
    outcome = match_supplier_invoice(ORDER, (line(1, "1", "100.02"),), {}, policy=tolerant)
    assert codes(outcome) == [("unit_price_mismatch", 1)]


def test_a_different_vat_rate_or_category_is_an_exception() -> None:
    rate = match_supplier_invoice(ORDER, (line(2, "1", "49.99", vat_rate="20.00"),), {}, policy=STRICT)
    category = match_supplier_invoice(
        ORDER, (line(1, "1", "100.00", vat_category="E", vat_rate="20.00"),), {}, policy=STRICT
    )
    assert codes(rate) == [("vat_mismatch", 2)]
    assert codes(category) == [("vat_mismatch", 1)]


def test_every_reason_is_listed_not_only_the_first() -> None:
    invoice = (
        line(1, "11", "100.50", item_code="OTHER", vat_rate="10.00"),
        line(2, "3", "49.99", vat_rate="5.50"),
        line(9, "1", "1.00"),
    )
    outcome = match_supplier_invoice(ORDER, invoice, {}, policy=STRICT)
    assert codes(outcome) == [
        ("item_mismatch", 1),
        ("quantity_exceeds", 1),
        ("unit_price_mismatch", 1),
        ("vat_mismatch", 1),
        ("unknown_po_line", 9),
    ]


def test_attested_quantities_are_the_ceiling() -> None:
    assert invoiceable_quantity(Decimal("10"), Decimal("2")) == Decimal("8")
    assert invoiceable_quantity(Decimal("10"), Decimal("2"), attested=Decimal("5")) == Decimal("3")
    assert invoiceable_quantity(Decimal("10"), Decimal("0"), attested=Decimal("12")) == Decimal("10")
    outcome = match_supplier_invoice(
        ORDER, (line(1, "6", "100.00"),), {}, policy=STRICT, attested={1: Decimal("5")}
    )
    assert codes(outcome) == [("quantity_not_attested", 1)]
    assert "only 5 attested as done and not yet invoiced" in outcome.discrepancies[0].message


def test_a_line_nobody_attested_cannot_be_invoiced() -> None:
    attested = {1: Decimal("10")}  # line 2 was not attested at all
    outcome = match_supplier_invoice(ORDER, ORDER, {}, policy=STRICT, attested=attested)
    assert codes(outcome) == [("quantity_not_attested", 2)]


def test_partial_attestations_let_the_invoice_through_up_to_what_was_attested() -> None:
    attested = {1: Decimal("4"), 2: Decimal("3")}  # two attestations of 2 each on line 1, summed
    exactly = (line(1, "4", "100.00"), line(2, "3", "49.99", vat_rate="5.50"))
    one_more = (line(1, "4.001", "100.00"),)
    assert match_supplier_invoice(ORDER, exactly, {}, policy=STRICT, attested=attested).matched
    outcome = match_supplier_invoice(ORDER, one_more, {}, policy=STRICT, attested=attested)
    assert codes(outcome) == [("quantity_not_attested", 1)]


def test_two_invoices_on_one_po_share_what_was_attested() -> None:
    attested = {1: Decimal("6")}
    first = (line(1, "4", "100.00"),)
    assert match_supplier_invoice(ORDER, first, {}, policy=STRICT, attested=attested).matched
    second_within = (line(1, "2", "100.00"),)
    second_beyond = (line(1, "3", "100.00"),)
    already = {1: Decimal("4")}
    assert match_supplier_invoice(ORDER, second_within, already, policy=STRICT, attested=attested).matched
    outcome = match_supplier_invoice(ORDER, second_beyond, already, policy=STRICT, attested=attested)
    assert codes(outcome) == [("quantity_not_attested", 1)]
    assert "only 2 attested as done and not yet invoiced" in outcome.discrepancies[0].message


def test_beyond_the_ordered_quantity_is_over_invoicing_whatever_was_attested() -> None:
    outcome = match_supplier_invoice(
        ORDER, (line(1, "11", "100.00"),), {}, policy=STRICT, attested={1: Decimal("11")}
    )
    assert codes(outcome) == [("quantity_exceeds", 1)]
