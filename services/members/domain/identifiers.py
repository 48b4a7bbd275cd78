"""French public identifiers and their check rules (SIREN, SIRET)."""

from __future__ import annotations

from shared.errors import BusinessRuleViolation


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum used by INSEE for SIREN and SIRET numbers."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siren(value: str, field: str = "siren") -> str:
    """SIREN: 9 digits passing the Luhn check."""
    if len(value) != 9 or not value.isdigit():
        raise BusinessRuleViolation("a SIREN is exactly 9 digits", field=field)
    if not luhn_valid(value):
        raise BusinessRuleViolation(f"SIREN {value} fails the Luhn check", field=field)
    return value


def validate_siret(value: str, siren: str, field: str = "siret") -> str:
    """SIRET: 14 digits passing the Luhn check and starting with the SIREN of the same body."""
    if len(value) != 14 or not value.isdigit():
        raise BusinessRuleViolation("a SIRET is exactly 14 digits", field=field)
    if not luhn_valid(value):
        raise BusinessRuleViolation(f"SIRET {value} fails the Luhn check", field=field)
    if not value.startswith(siren):
        raise BusinessRuleViolation(f"SIRET {value} does not start with the SIREN {siren}", field=field)
    return value
