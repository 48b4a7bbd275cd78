"""A member's statement (relevé de compte): what it was invoiced, credited and paid over a period, and
its balance, in one place. Amounts including tax; a positive balance is what the member owes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementEntry:
    date: dt.date
    kind: str  # "invoice", "credit_note" or "payment"
    id: str
    number: str
    debit: Decimal  # what the entry adds to what the member owes
    credit: Decimal  # what it takes off
    reference: str | None = None  # the invoice a credit note or payment applies to


@dataclass(frozen=True)
class Statement:
    member_id: str
    start: dt.date
    end: dt.date
    opening_balance: Decimal
    entries: tuple[StatementEntry, ...]
    total_debit: Decimal
    total_credit: Decimal
    closing_balance: Decimal


def build_statement(
    member_id: str, start: dt.date, end: dt.date, entries: Iterable[StatementEntry]
) -> Statement:
    """`entries` are every entry of the member up to `end`; those before `start` make the opening balance."""
    ordered = sorted(entries, key=lambda e: (e.date, e.kind != "invoice", e.number))
    before = [e for e in ordered if e.date < start]
    during = tuple(e for e in ordered if start <= e.date <= end)
    opening = sum((e.debit - e.credit for e in before), ZERO)
    debit = sum((e.debit for e in during), ZERO)
    credit = sum((e.credit for e in during), ZERO)
    return Statement(
        member_id=member_id,
        start=start,
        end=end,
        opening_balance=opening,
        entries=during,
        total_debit=debit,
        total_credit=credit,
        closing_balance=opening + debit - credit,
    )
