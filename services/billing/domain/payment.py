"""Payments (encaissements) of member invoices as the public accountant's statements show them.

A payment applies to one invoice, may be partial, and never exceeds what the invoice has left to pay
(its amount incl. tax, less its credit notes and the payments already recorded): a larger amount is a
matching error to resolve with the treasury, not an overpayment to keep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import BusinessRuleViolation

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payment:
    id: str
    invoice_id: str
    invoice_number: str
    member_id: str
    amount: Decimal
    paid_on: dt.date
    reference: str  # the treasury statement's reference of the line


def invoice_balance(total_incl_tax: Decimal, credited: Decimal, paid: Decimal) -> Decimal:
    return total_incl_tax - credited - paid


def check_payment(amount: Decimal, balance: Decimal, *, field: str = "amount") -> None:
    if amount <= 0:
        raise BusinessRuleViolation(f"a payment is a positive amount, not {amount}", field=field)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BusinessRuleViolation(f"{amount} has more than 2 decimals", field=field)
    if amount > balance:
        raise BusinessRuleViolation(
            f"the payment of {amount:.2f} € exceeds the invoice's balance of {balance:.2f} €", field=field
        )
