"""What makes a supplier invoice unusable (refused, nothing stored), before any matching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.billing.domain.supplier_invoice import SupplierInvoice
from shared.errors import BusinessRuleViolation
from tests.billing.builders import line

TODAY = dt.date(2026, 12, 1)


def receive(lines, total: str, *, issue_date: dt.date = TODAY, po_number: str = "BC-1") -> SupplierInvoice:
    return SupplierInvoice.received(
        id="x",
        number="F-1",
        po_number=po_number,
        issue_date=issue_date,
        received_on=TODAY,
        lines=lines,
        total_excl_tax=Decimal(total),
    )


def refused_field(lines, total: str, **kwargs) -> str | None:
    with pytest.raises(BusinessRuleViolation) as refused:
        receive(lines, total, **kwargs)
    return refused.value.field


def test_a_consistent_invoice_is_received_with_the_syndicates_payment_deadline() -> None:
    invoice = receive([line(1, "2", "10.005")], "20.01")
    assert invoice.payment_deadline == dt.date(2026, 12, 31)


def test_a_zero_or_negative_quantity_is_refused_naming_the_line() -> None:
    assert refused_field([line(1, "1", "1"), line(2, "0", "1")], "1.00") == "lines.1.quantity"
    assert refused_field([line(1, "-1", "1")], "-1.00") == "lines.0.quantity"


def test_a_negative_price_is_refused() -> None:
    assert refused_field([line(1, "1", "-0.01")], "-0.01") == "lines.0.unit_price"


def test_a_total_that_is_not_the_sum_of_line_nets_is_refused() -> None:
    assert refused_field([line(1, "3", "0.335")], "1.00") == "total_excl_tax"  # the lines make 1.01


def test_the_same_po_line_twice_is_refused() -> None:
    assert refused_field([line(1, "1", "1"), line(1, "1", "1")], "2.00") == "lines.1.line_no"


def test_an_invoice_dated_after_its_receipt_is_refused() -> None:
    assert refused_field([line(1, "1", "1")], "1.00", issue_date=TODAY + dt.timedelta(days=1)) == "issue_date"
