"""Bulk imports from semicolon-separated files (the format spreadsheets export in France): a report per
line, and the all-or-nothing rule — one refused line and nothing is imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from shared.errors import ApplicationError, BusinessRuleViolation

MAX_IMPORT_BYTES = 512 * 1024
MAX_IMPORT_LINES = 20_000

T = TypeVar("T")


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


@dataclass(frozen=True)
class LineReport(Generic[T]):
    line: int  # 1-based line number in the file, header included
    status: LineStatus
    value: T | None = None
    field: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ImportReport(Generic[T]):
    lines: list[LineReport[T]]

    @property
    def accepted(self) -> list[T]:
        return [r.value for r in self.lines if r.status is LineStatus.ACCEPTED and r.value is not None]

    @property
    def refused(self) -> list[LineReport[T]]:
        return [r for r in self.lines if r.status is LineStatus.REFUSED]

    @property
    def complete(self) -> bool:
        """All-or-nothing: the file is imported only when every line is accepted."""
        return bool(self.lines) and not self.refused


def split_rows(text: str, columns: Sequence[str], header_marker: str) -> list[tuple[int, list[str]]]:
    """The file's data rows with their line numbers; a first line containing `header_marker` is a header.

    Raises for what is wrong with the file as a whole (size, no data): the caller answers 413/422.
    """
    if len(text.encode()) > MAX_IMPORT_BYTES:
        raise BusinessRuleViolation(f"the file exceeds {MAX_IMPORT_BYTES} bytes; split it", field="file")
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"), start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if number == 1 and header_marker in ";".join(cells).lower():
            continue
        rows.append((number, [cell.strip() for cell in cells]))
        if len(rows) > MAX_IMPORT_LINES:
            raise BusinessRuleViolation(f"more than {MAX_IMPORT_LINES} lines; split the file", field="file")
    if not rows:
        raise BusinessRuleViolation(f"no data line; expected {';'.join(columns)}", field="file")
    return rows


def check_rows(
    rows: list[tuple[int, list[str]]], columns: Sequence[str], check: Callable[[list[str]], T]
) -> ImportReport[T]:
    """Run `check` on every row (not stopping at the first error) and report each line."""
    reports: list[LineReport[T]] = []
    for number, cells in rows:
        if len(cells) != len(columns):
            reports.append(
                LineReport(
                    number,
                    LineStatus.REFUSED,
                    reason=f"expected {len(columns)} columns ({';'.join(columns)}), found {len(cells)}",
                )
            )
            continue
        try:
            reports.append(LineReport(number, LineStatus.ACCEPTED, value=check(cells)))
        except ApplicationError as error:
            reports.append(LineReport(number, LineStatus.REFUSED, field=error.field, reason=error.detail))
    return ImportReport(reports)


def parse_count(text: str, field: str) -> int:
    """A non-negative integer cell ("1 234" with a space as thousands separator is accepted)."""
    cleaned = text.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if not cleaned.isdigit():
        raise BusinessRuleViolation(f"{text!r} is not a whole non-negative number", field=field)
    return int(cleaned)
