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


UAI_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai_check_letter(digits: str) -> str:
    """The check letter of a UAI (unité administrative immatriculée, ex-RNE) from its 7 digits.

    Rule of the Ministry of Education's directory (BCE / RNE): the 7-digit number modulo 23 indexes the
    23 letters A-Z without I, O and Q. Checked on real codes: 0750655E (lycée Louis-le-Grand, Paris),
    0750654D (lycée Henri-IV, Paris), 0690026D (lycée du Parc, Lyon).
    """
    return UAI_CHECK_LETTERS[int(digits) % 23]


def validate_uai(value: str, field: str = "uai") -> str:
    """UAI: 7 digits (département on 3, then a serial number) and the check letter; upper-cased."""
    code = value.strip().upper()
    if len(code) != 8 or not code[:7].isdigit() or not code[7].isalpha():
        raise BusinessRuleViolation(
            "a UAI is 7 digits followed by a check letter (e.g. 0750655E)", field=field
        )
    expected = uai_check_letter(code[:7])
    if code[7] != expected:
        raise BusinessRuleViolation(
            f"UAI {code} has a wrong check letter (expected {code[:7]}{expected})", field=field
        )
    return code


def validate_insee_commune(value: str, field: str = "commune_insee") -> str:
    """INSEE commune code (code officiel géographique): 5 characters, the département first —
    01 to 95 (2A/2B for Corsica), or 971 to 976 overseas — then the commune's number (not 000)."""
    code = value.strip().upper()
    valid = False
    if len(code) == 5:
        if code[:2] in ("2A", "2B") and code[2:].isdigit():
            valid = True
        elif code.isdigit():
            department = int(code[:2])
            if department == 97:
                valid = code[2] in "123456" and code[3:] != "00"
            else:
                valid = 1 <= department <= 95 and department != 20
    if not valid or code[2:] == "000":
        raise BusinessRuleViolation(f"{value!r} is not an INSEE commune code (e.g. 59350)", field=field)
    return code
