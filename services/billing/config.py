"""Settings of the billing service (`BILLING_*`, and the common `ENT_*`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.settings import ServiceSettings, database_url_default, service_field

# Euros per unit; a tolerance above a euro would no longer be "the contract's price".
Tolerance = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class BillingSettings(ServiceSettings):
    database_url: str = service_field("billing", "database_url", database_url_default("billing"))
    host: str = service_field("billing", "host", "127.0.0.1")
    port: int = service_field("billing", "port", 8003)
    roles: str = service_field("billing", "roles", "api,relay,consumers")
    # How far an invoiced unit price may stray from the PO's and still match (default: not at all).
    price_tolerance: Tolerance = service_field("billing", "price_tolerance", Decimal(0))
