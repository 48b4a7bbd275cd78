"""SIREN (9 digits) and SIRET (14 digits) carry a Luhn check digit; a wrong one is a typing error."""

from __future__ import annotations

from shared.errors import BusinessRuleViolation


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def check_siren(value: str, *, field: str = "siren") -> None:
    if len(value) != 9 or not luhn_valid(value):
        raise BusinessRuleViolation(f"{value} is not a valid SIREN (9 digits, Luhn)", field=field)


def check_siret(value: str, *, field: str = "siret") -> None:
    # La Poste's establishments (SIREN 356000000) use another rule; none of them is a seller here.
    if len(value) != 14 or not luhn_valid(value):
        raise BusinessRuleViolation(f"{value} is not a valid SIRET (14 digits, Luhn)", field=field)
