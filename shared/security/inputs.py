"""Strict input types for request schemas: decimals bounded in scale and size, bounded text.

    class LineIn(StrictInput):
        unit_price: UnitPrice            # "12.3456", at most 4 decimals
        quantity: decimal_type(max_digits=12, decimal_places=3, ge=Decimal("0.001"))
        label: BoundedText(200)

Amounts travel as decimal strings (`"5617.30"`): JSON numbers are binary floats, so a float is refused
rather than rounded; an integer is exact and accepted. NaN, infinities and exponents are refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


class StrictInput(BaseModel):
    """Base of write bodies: unknown fields refused, strings bounded even when a field forgets to."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


TRAILING_ZEROS = 6


def decimal_type(
    *,
    max_digits: int = 18,
    decimal_places: int = 2,
    ge: Decimal | int | None = None,
    gt: Decimal | int | None = None,
    le: Decimal | int | None = None,
) -> Any:
    """An `Annotated[Decimal, …]` accepting "123.45" (string), 123 (integer) or a Decimal.

    Its schema is a string with a bounded pattern (digits before and after the point), so the
    OpenAPI says how large and how precise a value may be; a binary float is refused."""
    if not 0 <= decimal_places < max_digits <= 38:
        raise ValueError("need 0 <= decimal_places < max_digits <= 38")
    integer_digits = max_digits - decimal_places
    # Trailing zeros beyond the scale are harmless ("2.0000" for a quantity of scale 3: a client echoing
    # a 4-decimal value we served); bounded all the same.
    fraction = rf"(\.\d{{1,{decimal_places}}}0{{0,{TRAILING_ZEROS}}})?" if decimal_places else ""
    pattern = rf"^-?\d{{1,{integer_digits}}}{fraction}$"
    shape = re.compile(pattern)

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool | float):
            raise ValueError('a decimal string is expected ("12.50"), not a binary float')
        if isinstance(value, int | Decimal):
            value = format(Decimal(value), "f")
        if not isinstance(value, str):
            raise ValueError("a decimal string is expected")
        text = value.strip()
        if len(text) > max_digits + 2 + TRAILING_ZEROS or not shape.match(text):
            raise ValueError(f"at most {integer_digits} digits before the point and {decimal_places} after")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already vouches for it
            raise ValueError("not a decimal") from None

    def bounded(value: Decimal) -> Decimal:
        if ge is not None and value < ge:
            raise ValueError(f"must be at least {ge}")
        if gt is not None and value <= gt:
            raise ValueError(f"must be more than {gt}")
        if le is not None and value > le:
            raise ValueError(f"must be at most {le}")
        return value

    schema: dict[str, Any] = {
        "type": "string",
        "pattern": pattern,
        "examples": ["1.00" if decimal_places else "1"],
    }
    if (ge is not None and ge >= 0) or (gt is not None and gt >= 0):
        schema["pattern"] = pattern.replace("^-?", "^")
    return Annotated[
        Decimal,
        BeforeValidator(parse),
        AfterValidator(bounded),
        PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
        WithJsonSchema(schema),
    ]


Amount = decimal_type(max_digits=14, decimal_places=2)
PositiveAmount = decimal_type(max_digits=14, decimal_places=2, ge=Decimal("0"))
UnitPrice = decimal_type(max_digits=16, decimal_places=4, ge=Decimal("0"))
Quantity = decimal_type(max_digits=12, decimal_places=3, ge=Decimal("0"))

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def BoundedText(max_length: int, *, min_length: int = 1, multiline: bool = False) -> Any:
    """Text of bounded length, stripped, without control characters (newlines only if multiline)."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
            raise ValueError("control characters are not allowed")
        if not min_length <= len(value) <= max_length:
            raise ValueError(f"between {min_length} and {max_length} characters")
        return value

    return Annotated[
        str,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "minLength": min_length, "maxLength": max_length}),
    ]
