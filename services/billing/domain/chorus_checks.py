"""What Chorus Pro and the member require before an invoice is transmitted (contrôles avant dépôt).

Chorus routes an invoice by the recipient's SIRET and, where the recipient asks for them, its service
code (code service) and the commitment number (numéro d'engagement); a missing one comes back as
A_RECYCLER days later. Checking first turns that into an immediate, clear reason.
"""

from __future__ import annotations

from services.billing.domain.siren import luhn_valid

REQUIREMENTS = ("none", "service_code", "commitment_number", "both", "either")


def _siret_ok(value: str | None) -> bool:
    return value is not None and len(value) == 14 and luhn_valid(value)


def transmission_problems(
    *,
    seller_siret: str,
    buyer_siret: str | None,
    service_code: str | None,
    commitment_number: str | None,
    requirement: str,
) -> list[str]:
    """Every reason the invoice cannot be deposited yet; empty when it can."""
    problems = []
    if not _siret_ok(seller_siret):
        problems.append(f"the syndicate's SIRET {seller_siret} is not a valid SIRET (14 digits, Luhn)")
    if not _siret_ok(buyer_siret):
        problems.append(f"the member's SIRET {buyer_siret} is not a valid SIRET (14 digits, Luhn)")
    has_code, has_commitment = bool(service_code), bool(commitment_number)
    if requirement in ("service_code", "both") and not has_code:
        problems.append("the member requires a service code (code service) and the invoice has none")
    if requirement in ("commitment_number", "both") and not has_commitment:
        problems.append(
            "the member requires a commitment number (numéro d'engagement) and the invoice has none"
        )
    if requirement == "either" and not (has_code or has_commitment):
        problems.append("the member requires a service code or a commitment number; the invoice has neither")
    if requirement not in REQUIREMENTS:
        problems.append(f"unknown Chorus requirement {requirement!r} on the member record")
    return problems
