"""Payment terms on both sides of the marketplace, in one place (civil dates, Europe/Paris).

- Member invoices (art. 7): the member pays within 30 days of the invoice being made available on
  Chorus Pro (status MISE_A_DISPOSITION). Until that date is known the due date is provisional:
  issue date + 30 days.
- Supplier invoices: the syndicate, a public payer, must pay the contractor within 30 days of receiving
  the invoice (délai global de paiement); late payment owes interest and a flat 40 € indemnity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MEMBER_PAYMENT_TERM = dt.timedelta(days=30)
SYNDICATE_PAYMENT_TERM = dt.timedelta(days=30)


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    provisional: bool


def member_invoice_due_date(issue_date: dt.date, made_available_on: dt.date | None = None) -> DueDate:
    """Legal due date once the invoice is made available on Chorus Pro, else provisional from issue."""
    if made_available_on is not None:
        return DueDate(made_available_on + MEMBER_PAYMENT_TERM, provisional=False)
    return DueDate(issue_date + MEMBER_PAYMENT_TERM, provisional=True)


def syndicate_payment_deadline(received_on: dt.date) -> dt.date:
    """The date by which the syndicate must pay the contractor's invoice (délai global de paiement)."""
    return received_on + SYNDICATE_PAYMENT_TERM
