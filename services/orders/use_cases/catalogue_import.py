"""Import of the BPU or of the contractor's catalogue from a CSV file, all or nothing.

The file: UTF-8 (a BOM is tolerated), `;`-separated, a header line naming the columns
    code;label;unit;unit_price;vat_category;vat_rate;source;contract_reference;valid_from
(`vat_category`, `source`, `contract_reference` may be left out when the request gives a default).
Decimals take a comma or a point (`120,50`), dates ISO (`2026-09-01`) or French (`01/09/2026`).
Every line is checked (the item rules of `CatalogueItem`, a code+date twice in the file, a price version
that already exists); the report names each line's errors, and nothing is written unless all are good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.orders.adapters.catalogue_repository import CatalogueRepository
from services.orders.domain.catalogue import CatalogueItem, CatalogueSource
from shared.errors import ApplicationError, BusinessRuleViolation
from shared.uow import UnitOfWork

REQUIRED_COLUMNS = ("code", "label", "unit", "unit_price", "vat_rate", "valid_from")
OPTIONAL_COLUMNS = ("vat_category", "source", "contract_reference")
MAX_LINES = 5000


@dataclass(frozen=True)
class ImportDefaults:
    source: CatalogueSource | None = None
    contract_reference: str | None = None
    vat_category: str = "S"


@dataclass
class LineReport:
    line: int  # the line number in the file, header = 1
    code: str | None
    valid_from: dt.date | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    lines: list[LineReport]
    imported: int = 0

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


class CatalogueImportRefused(BusinessRuleViolation):
    """At least one line is wrong: nothing was imported. Carries the per-line report."""

    def __init__(self, report: ImportReport) -> None:
        bad = [line for line in report.lines if not line.ok]
        super().__init__(f"{len(bad)} of {len(report.lines)} lines refused: nothing was imported")
        self.report = report


def _decimal(text: str) -> Decimal:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def _date(text: str) -> dt.date:
    text = text.strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a civil date, no instant
    return dt.date.fromisoformat(text)


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BusinessRuleViolation(
            f"the file is not UTF-8 (byte {exc.start}): save it as CSV UTF-8", field="file"
        ) from exc


def parse_catalogue_csv(text: str, defaults: ImportDefaults) -> tuple[ImportReport, list[CatalogueItem]]:
    """Every line checked; items only for the good lines."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise BusinessRuleViolation(f"the header misses the columns {missing}", field="file")
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise BusinessRuleViolation(f"unknown columns {unknown}", field="file")
    reader.fieldnames = header
    report = ImportReport(lines=[])
    items: list[CatalogueItem] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for row in reader:
        number = reader.line_num
        if len(report.lines) >= MAX_LINES:
            raise BusinessRuleViolation(f"a file has at most {MAX_LINES} lines", field="file")
        if None in row:
            report.lines.append(LineReport(number, None, errors=["more fields than the header names"]))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue  # a blank line
        line = LineReport(number, values.get("code") or None)
        report.lines.append(line)
        parsed: dict[str, object] = {}
        for name, parse in (("unit_price", _decimal), ("vat_rate", _decimal), ("valid_from", _date)):
            try:
                parsed[name] = parse(values.get(name, ""))
            except (InvalidOperation, ValueError):
                kind = "date" if name == "valid_from" else "number"
                line.errors.append(f"{name}: {values.get(name)!r} is not a valid {kind}")
        source_text = values.get("source") or (defaults.source.value if defaults.source else "")
        try:
            parsed["source"] = CatalogueSource(source_text)
        except ValueError:
            line.errors.append(f"source: {source_text!r} is not one of {[s.value for s in CatalogueSource]}")
        reference = values.get("contract_reference") or defaults.contract_reference or ""
        if not reference:
            line.errors.append("contract_reference: missing")
        for name, limit in (("code", 50), ("label", 300), ("unit", 30)):
            if not values.get(name):
                line.errors.append(f"{name}: missing")
            elif len(values[name]) > limit:
                line.errors.append(f"{name}: longer than {limit} characters")
        if line.errors:
            continue
        try:
            item = CatalogueItem(
                code=values["code"],
                label=values["label"],
                unit=values["unit"],
                unit_price=parsed["unit_price"],  # type: ignore[arg-type]
                vat_category=values.get("vat_category") or defaults.vat_category,
                vat_rate=parsed["vat_rate"],  # type: ignore[arg-type]
                source=parsed["source"],  # type: ignore[arg-type]
                contract_reference=reference[:100],
                valid_from=parsed["valid_from"],  # type: ignore[arg-type]
            )
        except ApplicationError as exc:
            line.errors.append(f"{exc.field}: {exc.detail}" if exc.field else exc.detail)
            continue
        line.valid_from = item.valid_from
        key = (item.code, item.valid_from)
        if key in seen:
            line.errors.append(
                f"{item.code} from {item.valid_from.isoformat()} is already on line {seen[key]}"
            )
            continue
        seen[key] = number
        items.append(item)
    if not report.lines:
        raise BusinessRuleViolation("the file has no item line", field="file")
    return report, items


async def import_catalogue(
    content: bytes, defaults: ImportDefaults, uow: UnitOfWork, *, dry_run: bool
) -> ImportReport:
    """All or nothing: any refused line (including a price version already in the catalogue) refuses
    the file, with the report (`CatalogueImportRefused`). `dry_run` checks without writing."""
    report, items = parse_catalogue_csv(decode(content), defaults)
    if report.ok:
        repository = CatalogueRepository(uow.session)
        by_key = {(line.code, line.valid_from): line for line in report.lines}
        for item in items:
            if not await repository.add_version(item):
                by_key[(item.code, item.valid_from)].errors.append(
                    f"{item.code} already has a price from {item.valid_from.isoformat()}"
                )
    if not report.ok:
        raise CatalogueImportRefused(report)
    if not dry_run:
        await uow.commit()
        report.imported = len(items)
    return report
