"""Settings of the members service (`MEMBERS_*`, and the common `ENT_*`)."""

from __future__ import annotations

from shared.settings import ServiceSettings, database_url_default, service_field


class MembersSettings(ServiceSettings):
    database_url: str = service_field("members", "database_url", database_url_default("members"))
    host: str = service_field("members", "host", "127.0.0.1")
    port: int = service_field("members", "port", 8001)
    roles: str = service_field("members", "roles", "api,relay,consumers")
