"""Business dates are civil dates in Europe/Paris; instants are stored in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_today() -> dt.date:
    return dt.datetime.now(PARIS).date()


def paris_date(instant: dt.datetime) -> dt.date:
    """The civil date in Paris of a UTC instant (an invoice issued at 23:30 UTC on 31 Dec is dated 1 Jan)."""
    return instant.astimezone(PARIS).date()
