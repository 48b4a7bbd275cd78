"""Dunning (relances) of member invoices: the reminder levels and their texts, in one place.

Only an invoice with its legal due date (made available on Chorus Pro) is dunned: before that the
member has received nothing it could pay. A level is due once its day has come and the invoice still
has something to pay; when the daily job missed days, only the most advanced level due is sent (the
member gets one letter, not a pile). Overdue: past the due date (the day after) and not fully paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ReminderLevel(StrEnum):
    BEFORE_DUE = "J-7"
    ON_DUE = "J"
    AFTER_15 = "J+15"
    AFTER_30 = "J+30"


OFFSETS = {
    ReminderLevel.BEFORE_DUE: -7,
    ReminderLevel.ON_DUE: 0,
    ReminderLevel.AFTER_15: 15,
    ReminderLevel.AFTER_30: 30,
}


@dataclass(frozen=True)
class DunningView:
    """What the job needs to know of one invoice."""

    invoice_number: str
    due_date: dt.date
    balance: Decimal  # what is left to pay, incl. tax
    sent: frozenset[ReminderLevel]


def is_overdue(due_date: dt.date, balance: Decimal, today: dt.date) -> bool:
    return balance > 0 and today > due_date


def reminder_due(view: DunningView, today: dt.date) -> ReminderLevel | None:
    """The level to send today, if any."""
    if view.balance <= 0:
        return None
    reached = [level for level, days in OFFSETS.items() if today >= view.due_date + dt.timedelta(days=days)]
    if not reached:
        return None
    latest = reached[-1]
    # Never send a level again, nor a lower one after a higher one went out.
    if any(list(OFFSETS).index(sent) >= list(OFFSETS).index(latest) for sent in view.sent):
        return None
    return latest


def reminder_text(level: ReminderLevel, view: DunningView) -> str:
    amount = f"{view.balance:.2f} €"
    due = view.due_date.strftime("%d/%m/%Y")
    if level is ReminderLevel.BEFORE_DUE:
        return (
            f"Rappel : la facture {view.invoice_number} arrive à échéance le {due}. "
            f"Montant restant dû : {amount}."
        )
    if level is ReminderLevel.ON_DUE:
        return f"La facture {view.invoice_number} est échue ce jour ({due}). Montant restant dû : {amount}."
    late = "quinze" if level is ReminderLevel.AFTER_15 else "trente"
    return (
        f"Relance : la facture {view.invoice_number}, échue le {due}, reste impayée depuis {late} jours. "
        f"Montant restant dû : {amount}. Merci de procéder au mandatement sans délai."
    )
