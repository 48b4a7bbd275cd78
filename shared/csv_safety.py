"""CSV in and out without surprises.

Out: a spreadsheet runs a cell starting with = + - @ (or a tab or carriage return before them) as a
formula (`=HYPERLINK(…)`, DDE); such text cells get a leading apostrophe, which spreadsheets show as
text. Numbers (int, Decimal) are written as numbers: pass amounts as Decimal, not as text.

In: bounded in bytes, rows, columns and cell length, decoded strictly (UTF-8, BOM allowed), with a
report per line so an import can answer "line 12: siren: 9 digits expected".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.errors import ApplicationError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DELIMITER = ";"  # what French spreadsheets expect


def neutralise(value: str) -> str:
    """`'=1+1` for `=1+1`; other text unchanged."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return neutralise(str(value))


class SafeCsvWriter:
    """`csv.writer` whose text cells are neutralised."""

    def __init__(self, stream: io.TextIOBase | Any, *, delimiter: str = DELIMITER) -> None:
        self._writer = csv.writer(
            stream, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(header: Sequence[str], rows: Iterable[Iterable[Any]], *, delimiter: str = DELIMITER) -> bytes:
    """A whole export as UTF-8 with a BOM (so spreadsheets detect the encoding)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class CsvRefused(ApplicationError):
    status = 422
    type_slug = "csv-refused"
    title = "CSV file refused"


@dataclass(frozen=True)
class CsvLine:
    number: int  # the physical line where the record ends, as a spreadsheet numbers it (header: 1)
    values: dict[str, str]


@dataclass
class LineReport:
    """What happened to each line of an import, for the answer to the user."""

    accepted: list[int] = field(default_factory=list)
    errors: dict[int, list[dict[str, str]]] = field(default_factory=dict)

    def ok(self, line: int) -> None:
        self.accepted.append(line)

    def error(self, line: int, reason: str, *, column: str | None = None) -> None:
        self.errors.setdefault(line, []).append({"column": column or "", "reason": reason})

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "rejected": len(self.errors),
            "errors": [
                {"line": line, **problem} for line in sorted(self.errors) for problem in self.errors[line]
            ],
        }


@dataclass(frozen=True)
class CsvLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 10_000
    max_columns: int = 50
    max_cell_chars: int = 1_000


def read_csv(
    data: bytes,
    *,
    required_columns: Sequence[str] = (),
    limits: CsvLimits = CsvLimits(),
    delimiter: str | None = None,
    report: LineReport | None = None,
) -> Iterator[CsvLine]:
    """The data lines of a CSV file with a header. Whole-file problems raise `CsvRefused` (422);
    line problems (wrong column count, cell too long) go to `report` and the line is skipped."""
    if len(data) > limits.max_bytes:
        raise CsvRefused(f"The file exceeds {limits.max_bytes} bytes.")
    if b"\x00" in data:
        raise CsvRefused("The file contains NUL bytes: not a text CSV file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRefused(f"The file is not UTF-8 (byte {exc.start}).") from None
    sep = delimiter or (
        ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    report = report if report is not None else LineReport()
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise CsvRefused("The file is empty.") from None
    except csv.Error as exc:
        raise CsvRefused(f"Unreadable header: {exc}") from None
    if len(header) > limits.max_columns or any(len(name) > 100 for name in header):
        raise CsvRefused("The header has too many or too long columns.")
    missing = [name for name in required_columns if name not in header]
    if missing:
        raise CsvRefused(f"Missing columns: {', '.join(missing)}.")
    if len(set(header)) != len(header):
        raise CsvRefused("The header repeats a column.")
    rows = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A broken quote swallows the rest of the file: stop rather than guess.
            raise CsvRefused(f"Line {reader.line_num}: {exc}") from None
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # blank line
        rows += 1
        if rows > limits.max_rows:
            raise CsvRefused(f"The file has more than {limits.max_rows} lines.")
        if len(values) != len(header):
            report.error(line, f"{len(values)} columns instead of {len(header)}")
            continue
        too_long = [
            name for name, value in zip(header, values, strict=True) if len(value) > limits.max_cell_chars
        ]
        if too_long:
            for name in too_long:
                report.error(line, f"longer than {limits.max_cell_chars} characters", column=name)
            continue
        yield CsvLine(number=line, values=dict(zip(header, (v.strip() for v in values), strict=True)))
