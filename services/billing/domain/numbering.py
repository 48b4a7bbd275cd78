"""Invoice numbers: gapless series per kind and year, their format, and the proof there is no gap.

Every issued invoice and credit note gets a unique number in a chronological, continuous series
(several series are allowed: marketplace, contributions, credit notes, each per year). The number is
given at issue, never to a draft; the counter lives in the issuing transaction (adapters), so a
rolled-back issue consumes none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Series(StrEnum):
    MARKETPLACE = "marketplace"  # rebilling of marketplace orders (refacturation)
    CREDIT_NOTES = "credit_notes"  # avoirs, whatever invoice they credit
    CONTRIBUTIONS = "contributions"  # appels de contribution (art. 5), hors champ de la TVA


PREFIXES: dict[Series, str] = {
    Series.MARKETPLACE: "FAC-M",
    Series.CREDIT_NOTES: "AV",
    Series.CONTRIBUTIONS: "FAC-C",
}


@dataclass(frozen=True)
class InvoiceNumber:
    series: Series
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{PREFIXES[self.series]}-{self.year}-{self.sequence:06d}"


@dataclass(frozen=True)
class SeriesCheck:
    """What the check of one (series, year) found among issued documents."""

    series: str
    year: int
    count: int
    first: int | None
    last: int | None
    gaps: tuple[int, ...]
    duplicates: tuple[int, ...]
    counter_last: int | None

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.duplicates and self.first in (None, 1)


def check_series(series: str, year: int, sequences: Iterable[int], counter_last: int | None) -> SeriesCheck:
    """Numbers run 1..N without a hole or a repeat; the counter's last number counts too, so a number
    consumed without a document at the end of the series shows as a gap."""
    counts = Counter(sequences)
    top = max([*counts, counter_last or 0], default=0)
    return SeriesCheck(
        series=series,
        year=year,
        count=sum(counts.values()),
        first=min(counts) if counts else None,
        last=max(counts) if counts else None,
        gaps=tuple(n for n in range(1, top + 1) if n not in counts),
        duplicates=tuple(sorted(n for n, seen in counts.items() if seen > 1)),
        counter_last=counter_last,
    )
