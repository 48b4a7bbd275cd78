"""The syndicate's identity as the seller, from billing's settings."""

from __future__ import annotations

from typing import Any

from services.billing.config import BillingSettings
from services.billing.domain.documents import Seller
from services.billing.domain.lines import Address
from services.billing.domain.siren import check_siren, check_siret


def seller_from_settings(settings: Any) -> Seller:
    """`settings` is the runtime's; a runtime built without billing's settings gets the defaults."""
    if not isinstance(settings, BillingSettings):
        settings = BillingSettings()
    check_siren(settings.seller_siren, field="seller_siren")
    check_siret(settings.seller_siret, field="seller_siret")
    return Seller(
        name=settings.seller_name,
        siren=settings.seller_siren,
        siret=settings.seller_siret,
        address=Address(
            line1=settings.seller_address_line1,
            line2=settings.seller_address_line2,
            postcode=settings.seller_postcode,
            city=settings.seller_city,
        ),
        vat_id=settings.seller_vat_id,
        iban=settings.seller_iban,
    )
