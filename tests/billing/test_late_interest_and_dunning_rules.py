"""The syndicate's late-payment interest on a worked example, the reminder levels, and the reading of a
treasury statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.billing.domain.dunning import (
    DunningView,
    ReminderLevel,
    is_overdue,
    reminder_due,
    reminder_text,
)
from services.billing.domain.ecb_rates import MAIN_REFINANCING_RATES, rate_in_force
from services.billing.domain.late_interest import half_year_start, late_payment
from services.billing.domain.payment import check_payment
from services.billing.domain.payment_statement import parse_statement
from shared.errors import BusinessRuleViolation


def test_worked_example_of_late_interest_and_the_40_euro_indemnity() -> None:
    # Received 2 January 2025: deadline 1 February. Paid 3 March 2025, 30 days late. Interest started
    # to run on 2 February 2025, in the first half of 2025: the ECB rate in force on 1 January 2025 was
    # 3.15 % (since 18 December 2024), so 11.15 %. 12 000.00 x 11.15 % x 30 / 365 = 109.9726... → 109.97.
    late = late_payment(Decimal("12000.00"), dt.date(2025, 1, 2), dt.date(2025, 3, 3), MAIN_REFINANCING_RATES)
    assert late.deadline == dt.date(2025, 2, 1)
    assert late.days_late == 30
    assert (late.half_year_start, late.ecb_rate, late.interest_rate) == (
        dt.date(2025, 1, 1),
        Decimal("3.15"),
        Decimal("11.15"),
    )
    assert (late.interest, late.indemnity, late.total) == (
        Decimal("109.97"),
        Decimal("40.00"),
        Decimal("149.97"),
    )


def test_the_rate_is_the_one_of_the_half_year_the_interest_started_in() -> None:
    # Deadline 30 June 2025: interest runs from 1 July, rate in force on 1 July 2025 = 2.15 %.
    late = late_payment(
        Decimal("1000.00"), dt.date(2025, 5, 31), dt.date(2025, 7, 10), MAIN_REFINANCING_RATES
    )
    assert (late.half_year_start, late.ecb_rate, late.days_late) == (dt.date(2025, 7, 1), Decimal("2.15"), 10)
    assert late.interest == Decimal("2.78")  # 1000 x 10.15 % x 10 / 365 = 2.7808...


def test_paid_on_the_deadline_owes_nothing() -> None:
    late = late_payment(Decimal("1000.00"), dt.date(2025, 1, 2), dt.date(2025, 2, 1), MAIN_REFINANCING_RATES)
    assert (late.days_late, late.interest, late.indemnity) == (0, Decimal("0.00"), Decimal("0.00"))


def test_the_rate_table_refuses_a_half_year_it_does_not_cover() -> None:
    assert rate_in_force(dt.date(2023, 7, 1)) == Decimal("4.00")
    assert half_year_start(dt.date(2026, 12, 31)) == dt.date(2026, 7, 1)
    with pytest.raises(BusinessRuleViolation, match="extend it"):
        rate_in_force(dt.date(2027, 1, 1))


DUE = dt.date(2027, 3, 2)


def view(sent: set[ReminderLevel] = frozenset(), balance: str = "120.00") -> DunningView:  # type: ignore[assignment]
    return DunningView("FAC-M-2027-000001", DUE, Decimal(balance), frozenset(sent))


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (dt.date(2027, 2, 22), None),
        (dt.date(2027, 2, 23), ReminderLevel.BEFORE_DUE),
        (dt.date(2027, 3, 2), ReminderLevel.ON_DUE),
        (dt.date(2027, 3, 17), ReminderLevel.AFTER_15),
        (dt.date(2027, 4, 1), ReminderLevel.AFTER_30),
    ],
)
def test_reminder_levels_a_week_before_on_the_day_then_15_and_30_days_after(
    today: dt.date, level: ReminderLevel | None
) -> None:
    assert reminder_due(view(), today) is level


def test_no_level_twice_nor_below_one_sent_and_nothing_once_paid() -> None:
    assert reminder_due(view({ReminderLevel.ON_DUE}), dt.date(2027, 3, 5)) is None
    assert reminder_due(view({ReminderLevel.AFTER_15}), dt.date(2027, 3, 20)) is None
    assert reminder_due(view({ReminderLevel.ON_DUE}), dt.date(2027, 3, 17)) is ReminderLevel.AFTER_15
    assert reminder_due(view(balance="0.00"), dt.date(2027, 4, 1)) is None


def test_overdue_the_day_after_the_due_date_while_something_is_left() -> None:
    assert not is_overdue(DUE, Decimal("1.00"), DUE)
    assert is_overdue(DUE, Decimal("1.00"), DUE + dt.timedelta(days=1))
    assert not is_overdue(DUE, Decimal("0.00"), DUE + dt.timedelta(days=1))


def test_a_reminder_says_the_invoice_the_date_and_what_is_left() -> None:
    text = reminder_text(ReminderLevel.AFTER_15, view())
    assert "FAC-M-2027-000001" in text and "02/03/2027" in text and "120.00 €" in text and "quinze" in text


def test_a_payment_above_the_balance_is_refused() -> None:
    check_payment(Decimal("120.00"), Decimal("120.00"))
    with pytest.raises(BusinessRuleViolation, match=r"exceeds the invoice's balance of 120\.00"):
        check_payment(Decimal("120.01"), Decimal("120.00"))
    with pytest.raises(BusinessRuleViolation, match="positive"):
        check_payment(Decimal("0"), Decimal("120.00"))


def test_a_statement_is_read_line_by_line_and_each_bad_line_is_named() -> None:
    lines, problems = parse_statement(
        "invoice_number;amount;paid_on;reference\n"
        "FAC-M-2027-000001;1 200,50;02/03/2027;TRESOR-1\n"
        "FAC-M-2027-000002;abc;2027-03-02;TRESOR-2\n"
        "FAC-M-2027-000003;10.00;31/02/2027;TRESOR-3\n"
        "FAC-M-2027-000004;10.00\n"
    )
    assert [(x.line, x.invoice_number, x.amount, x.paid_on) for x in lines] == [
        (2, "FAC-M-2027-000001", Decimal("1200.50"), dt.date(2027, 3, 2))
    ]
    assert [(p.line, p.reason) for p in problems] == [
        (3, "amount 'abc' is not a number"),
        (4, "date '31/02/2027' is neither 2027-03-02 nor 02/03/2027"),
        (5, "2 fields instead of 4"),
    ]


def test_a_statement_without_the_header_is_refused() -> None:
    assert parse_statement("a,b\n1,2\n")[1][0].reason.startswith("the header must be")
