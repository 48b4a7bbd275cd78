"""Settings of the orders service (`ORDERS_*`, and the common `ENT_*`)."""

from __future__ import annotations

from decimal import Decimal

from shared.settings import ServiceSettings, database_url_default, service_field


class OrdersSettings(ServiceSettings):
    database_url: str = service_field("orders", "database_url", database_url_default("orders"))
    host: str = service_field("orders", "host", "127.0.0.1")
    port: int = service_field("orders", "port", 8002)
    roles: str = service_field("orders", "roles", "api,relay,consumers")

    # The contractor's order API. Transmission is OFF while no URL is set: POs wait in the transmission
    # queue (status `issued`) and go out once a URL is configured and the service restarted.
    contractor_url: str | None = service_field("orders", "contractor_url", None)
    contractor_timeout_s: float = service_field("orders", "contractor_timeout_s", 10.0)
    contractor_http_attempts: int = service_field("orders", "contractor_http_attempts", 3)
    # Where the contractor posts its acknowledgements: orders' own public base URL (+ /v1/contractor/...).
    contractor_callback_url: str | None = service_field("orders", "contractor_callback_url", None)
    # Between transmission attempts: doubling from base, capped; never given up (staff may cancel).
    transmission_retry_base_s: float = service_field("orders", "transmission_retry_base_s", 5.0)
    transmission_retry_max_s: float = service_field("orders", "transmission_retry_max_s", 300.0)
    transmission_poll_s: float = service_field("orders", "transmission_poll_s", 1.0)
    quote_expiry_interval_s: float = service_field("orders", "quote_expiry_interval_s", 3600.0)

    # Specific support (art. 5): the half-day rate voted by the Comité, used when a quote line gives none.
    half_day_rate: Decimal = service_field("orders", "half_day_rate", Decimal("150.00"))
    specific_support_basis: str = service_field(
        "orders", "specific_support_basis", "Statuts art. 5 - accompagnement spécifique"
    )

    # The syndicate's identity, printed on quotes.
    syndicate_name: str = service_field(
        "orders", "syndicate_name", "Syndicat mixte Nord-Pas-de-Calais Numérique"
    )
    # Same placeholder identity as billing's seller (BILLING_SELLER_*): replace both with the real one.
    syndicate_siren: str = service_field("orders", "syndicate_siren", "255901076")
    syndicate_siret: str = service_field("orders", "syndicate_siret", "25590107600018")
    syndicate_address: str = service_field(
        "orders", "syndicate_address", "151 boulevard Hoover|59800 Lille|France"
    )  # lines separated by |
    syndicate_contact: str = service_field("orders", "syndicate_contact", "commandes@npdc-numerique.fr")
    catalogue_import_max_bytes: int = service_field("orders", "catalogue_import_max_bytes", 512_000)
