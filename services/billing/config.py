"""Settings of the billing service (`BILLING_*`, and the common `ENT_*`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings, database_url_default, service_field

# Euros per unit; a tolerance above a euro would no longer be "the contract's price".
Tolerance = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]
Siren = Annotated[str, Field(pattern=r"^\d{9}$")]
Siret = Annotated[str, Field(pattern=r"^\d{14}$")]


class BillingSettings(ServiceSettings):
    database_url: str = service_field("billing", "database_url", database_url_default("billing"))
    host: str = service_field("billing", "host", "127.0.0.1")
    port: int = service_field("billing", "port", 8003)
    roles: str = service_field("billing", "roles", "api,relay,consumers")
    # How far an invoiced unit price may stray from the PO's and still match (default: not at all).
    price_tolerance: Tolerance = service_field("billing", "price_tolerance", Decimal(0))
    # The largest e-invoice file the contractor may upload (the request limit, ENT_MAX_REQUEST_BYTES,
    # applies first: keep this below it).
    upload_max_bytes: int = service_field("billing", "upload_max_bytes", 1_000_000)

    # The syndicate as the seller of every member invoice (BG-4). The identifiers are checked with
    # Luhn at start-up, like any SIREN/SIRET the system handles.
    seller_name: str = service_field("billing", "seller_name", "Syndicat mixte Nord-Pas-de-Calais Numérique")
    seller_siren: Siren = service_field("billing", "seller_siren", "255901076")
    seller_siret: Siret = service_field("billing", "seller_siret", "25590107600018")
    seller_address_line1: str = service_field("billing", "seller_address_line1", "151 boulevard Hoover")
    seller_address_line2: str | None = service_field("billing", "seller_address_line2", None)
    seller_postcode: str = service_field("billing", "seller_postcode", "59800")
    seller_city: str = service_field("billing", "seller_city", "Lille")
    # Its intra-community VAT number: marketplace lines are taxed (category S needs BT-31, BR-S-02).
    seller_vat_id: str | None = service_field("billing", "seller_vat_id", "FR38255901076")
    # The public accountant's account (Trésor public) where members pay.
    seller_iban: str | None = service_field("billing", "seller_iban", "FR283000100794C591000000080")

    # --- Chorus Pro (the built-in PISTE adapter; without an API URL the external connector transmits) --
    chorus_api_url: str | None = service_field(
        "billing", "chorus_api_url", None
    )  # e.g. sandbox-api.piste.gouv.fr
    chorus_oauth_url: str | None = service_field(
        "billing", "chorus_oauth_url", None
    )  # PISTE /api/oauth/token
    chorus_client_id: str | None = service_field("billing", "chorus_client_id", None)
    chorus_client_secret: SecretStr | None = service_field("billing", "chorus_client_secret", None)
    chorus_login: str | None = service_field("billing", "chorus_login", None)  # the technical account
    chorus_password: SecretStr | None = service_field("billing", "chorus_password", None)
    chorus_timeout_s: float = service_field("billing", "chorus_timeout_s", 30.0)
    # A claim's lease: a transmitter silent for longer loses the invoice to another one.
    chorus_claim_lease_s: float = service_field("billing", "chorus_claim_lease_s", 300.0)
    chorus_retry_base_s: float = service_field("billing", "chorus_retry_base_s", 30.0)
    chorus_retry_max_s: float = service_field("billing", "chorus_retry_max_s", 3600.0)
    chorus_poll_base_s: float = service_field("billing", "chorus_poll_base_s", 300.0)
    chorus_poll_max_s: float = service_field("billing", "chorus_poll_max_s", 21600.0)
    chorus_job_interval_s: float = service_field("billing", "chorus_job_interval_s", 10.0)
    # The daily job (overdue invoices, reminders, the syndicate's own deadlines); 0 = only on request.
    dunning_interval_s: float = service_field("billing", "dunning_interval_s", 86400.0)

    @property
    def chorus_piste_configured(self) -> bool:
        return bool(
            self.chorus_api_url
            and self.chorus_oauth_url
            and self.chorus_client_id
            and self.chorus_client_secret
            and self.chorus_login
            and self.chorus_password
        )
