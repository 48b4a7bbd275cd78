"""Payment terms: 30 days from availability on Chorus Pro (provisional from issue), and the syndicate's
own 30 days to pay the contractor from receipt."""

from __future__ import annotations

import datetime as dt

from services.billing.domain.due_dates import member_invoice_due_date, syndicate_payment_deadline


def test_the_due_date_is_provisional_until_the_invoice_is_made_available() -> None:
    due = member_invoice_due_date(dt.date(2026, 12, 15))
    assert due.provisional and due.date == dt.date(2027, 1, 14)  # across the year end


def test_the_legal_due_date_counts_from_availability_on_chorus_pro() -> None:
    due = member_invoice_due_date(dt.date(2027, 1, 20), made_available_on=dt.date(2027, 1, 31))
    assert not due.provisional and due.date == dt.date(2027, 3, 2)  # February 2027 has 28 days


def test_a_leap_february_shifts_the_due_date_by_a_day() -> None:
    assert member_invoice_due_date(dt.date(2028, 1, 1), dt.date(2028, 1, 31)).date == dt.date(2028, 3, 1)


def test_the_syndicate_pays_the_contractor_within_30_days_of_receipt() -> None:
    assert syndicate_payment_deadline(dt.date(2026, 12, 10)) == dt.date(2027, 1, 9)
    assert syndicate_payment_deadline(dt.date(2026, 4, 30)) == dt.date(2026, 5, 30)
