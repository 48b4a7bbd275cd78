"""Reading a treasury statement (relevé du comptable public) exported as CSV, line by line.

Expected header: `invoice_number;amount;paid_on;reference` (`,` also accepted as the separator);
amounts with a dot or a French decimal comma, dates ISO (2027-03-02) or French (02/03/2027). Every line
is read; each bad one is reported with its line number and reason, so the whole file can be fixed and
sent again (nothing of a file with a bad line is imported).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COLUMNS = ("invoice_number", "amount", "paid_on", "reference")


@dataclass(frozen=True)
class StatementLine:
    line: int
    invoice_number: str
    amount: Decimal
    paid_on: dt.date
    reference: str


@dataclass(frozen=True)
class LineProblem:
    line: int
    reason: str


def parse_statement(text: str) -> tuple[list[StatementLine], list[LineProblem]]:
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    rows = list(reader)
    if not rows or tuple(c.strip().lower() for c in rows[0]) != COLUMNS:
        return [], [LineProblem(1, f"the header must be {';'.join(COLUMNS)}")]
    lines, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed = _line(number, row)
        if isinstance(parsed, LineProblem):
            problems.append(parsed)
        else:
            lines.append(parsed)
    if not lines and not problems:
        problems.append(LineProblem(1, "the statement has no line"))
    return lines, problems


def _line(number: int, row: list[str]) -> StatementLine | LineProblem:
    if len(row) != len(COLUMNS):
        return LineProblem(number, f"{len(row)} fields instead of {len(COLUMNS)}")
    invoice_number, amount_text, date_text, reference = (cell.strip() for cell in row)
    if not invoice_number or not reference:
        return LineProblem(number, "the invoice number and the reference are required")
    try:
        amount = Decimal(amount_text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return LineProblem(number, f"amount {amount_text!r} is not a number")
    if not amount.is_finite():
        return LineProblem(number, f"amount {amount_text!r} is not a number")
    paid_on = _date(date_text)
    if paid_on is None:
        return LineProblem(number, f"date {date_text!r} is neither 2027-03-02 nor 02/03/2027")
    return StatementLine(number, invoice_number, amount, paid_on, reference)


def _date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a civil date, no instant
        except ValueError:
            continue
    return None
