"""Late-payment interest the syndicate owes the contractor (intérêts moratoires, décret 2013-269 art. 8
and the code de la commande publique R2192-31), and the flat recovery indemnity (indemnité forfaitaire
pour frais de recouvrement, 40 €).

Rate: the ECB main refinancing rate in force on the first day of the half-year (1 January or 1 July)
in which the interest started to run, plus 8 points; one rate for the whole delay. Interest runs from
the day after the deadline to the payment date included: amount incl. tax * rate * days / 365.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.billing.domain.due_dates import syndicate_payment_deadline
from services.billing.domain.ecb_rates import EcbRate, rate_in_force

STATUTORY_MARGIN = Decimal("8.00")  # points over the ECB rate
RECOVERY_INDEMNITY = Decimal("40.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LatePayment:
    deadline: dt.date
    paid_on: dt.date
    days_late: int
    half_year_start: dt.date | None
    ecb_rate: Decimal | None
    interest_rate: Decimal | None  # percent, ECB + 8
    interest: Decimal
    indemnity: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.indemnity


def half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def late_payment(
    amount_incl_tax: Decimal, received_on: dt.date, paid_on: dt.date, rates: Sequence[EcbRate]
) -> LatePayment:
    """What a payment on `paid_on` owes on top of the invoice (nothing when on time)."""
    deadline = syndicate_payment_deadline(received_on)
    days = (paid_on - deadline).days
    if days <= 0:
        return LatePayment(deadline, paid_on, 0, None, None, None, Decimal("0.00"), Decimal("0.00"))
    start = half_year_start(deadline + dt.timedelta(days=1))
    ecb = rate_in_force(start, rates)
    rate = ecb + STATUTORY_MARGIN
    interest = (amount_incl_tax * rate / Decimal(100) * Decimal(days) / Decimal(365)).quantize(
        CENT, ROUND_HALF_UP
    )
    return LatePayment(deadline, paid_on, days, start, ecb, rate, interest, RECOVERY_INDEMNITY)
