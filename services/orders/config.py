"""Settings of the orders service (`ORDERS_*`, and the common `ENT_*`)."""

from __future__ import annotations

from shared.settings import ServiceSettings, database_url_default, service_field


class OrdersSettings(ServiceSettings):
    database_url: str = service_field("orders", "database_url", database_url_default("orders"))
    host: str = service_field("orders", "host", "127.0.0.1")
    port: int = service_field("orders", "port", 8002)
    roles: str = service_field("orders", "roles", "api,relay,consumers")
