"""The ECB main refinancing operations rate (taux des opérations principales de refinancement), as data.

Each entry is a rate change with the date it took effect, as published by the ECB ("Key ECB interest
rates", https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/). The table
is kept by staff: every ECB decision that changes the rate is appended here (and the late-interest
computation refuses a date this table does not cover, rather than guessing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import BusinessRuleViolation


@dataclass(frozen=True)
class EcbRate:
    effective_from: dt.date
    rate: Decimal  # percent


MAIN_REFINANCING_RATES: tuple[EcbRate, ...] = tuple(
    EcbRate(dt.date.fromisoformat(day), Decimal(rate))
    for day, rate in (
        ("2016-03-16", "0.00"),
        ("2022-07-27", "0.50"),
        ("2022-09-14", "1.25"),
        ("2022-11-02", "2.00"),
        ("2022-12-21", "2.50"),
        ("2023-02-08", "3.00"),
        ("2023-03-22", "3.50"),
        ("2023-05-10", "3.75"),
        ("2023-06-21", "4.00"),
        ("2023-08-02", "4.25"),
        ("2023-09-20", "4.50"),
        ("2024-06-12", "4.25"),
        ("2024-09-18", "3.65"),  # the spread to the deposit rate narrowed to 15 points that day
        ("2024-10-23", "3.40"),
        ("2024-12-18", "3.15"),
        ("2025-02-05", "2.90"),
        ("2025-03-12", "2.65"),
        ("2025-04-23", "2.40"),
        ("2025-06-11", "2.15"),
    )
)
# The last day the table is known complete: the Governing Council kept the rates unchanged on
# 24 July, 11 September and 30 October 2025. Beyond it a rate may have changed without an entry here:
# staff append the later decisions and move this date (until then the computation refuses, not guesses).
RATES_VERIFIED_THROUGH = dt.date(2025, 10, 30)


def rate_in_force(day: dt.date, rates: Sequence[EcbRate] = MAIN_REFINANCING_RATES) -> Decimal:
    if day > RATES_VERIFIED_THROUGH and rates is MAIN_REFINANCING_RATES:
        raise BusinessRuleViolation(
            f"the ECB rate table is verified through {RATES_VERIFIED_THROUGH}, not {day}: extend it first"
        )
    known = [r for r in rates if r.effective_from <= day]
    if not known:
        raise BusinessRuleViolation(f"no ECB rate known on {day}")
    return max(known, key=lambda r: r.effective_from).rate
