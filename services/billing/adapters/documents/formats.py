"""Number and code formats the EN 16931 syntaxes share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from services.billing.domain.totals import CENT

# The units our catalogue uses, as UN/ECE Recommendation 20 codes (BT-130); anything else counts as "one".
UNIT_CODES = {
    "unit": "C62",
    "unité": "C62",
    "day": "DAY",
    "jour": "DAY",
    "hour": "HUR",
    "heure": "HUR",
    "month": "MON",
    "mois": "MON",
    "year": "ANN",
    "an": "ANN",
}
UNIT_NAMES = {
    "C62": "unit",
    "H87": "unit",
    "EA": "unit",
    "DAY": "day",
    "HUR": "hour",
    "MON": "month",
    "ANN": "year",
}

# VAT exemption reasons (BT-120/121) for the categories that need one.
EXEMPTIONS = {
    "E": ("VATEX-EU-132", "Exonération de TVA (art. 132 de la directive 2006/112/CE)"),
    "O": ("VATEX-EU-O", "Hors champ d'application de la TVA (participation statutaire)"),
}


def unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit.strip().lower(), "C62")


def amount(value: Decimal) -> str:
    """Two decimals, as EN 16931 wants every amount (BR-DEC-*)."""
    return format(value.quantize(CENT), "f")


def quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def price(value: Decimal) -> str:
    """As precise as stored (up to 4 decimals), at least to the cent."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return format(value.quantize(CENT), "f")
    return format(normal, "f")


def rate(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def cii_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
