"""Typed settings from the environment, common to the three services."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.tracing import TraceExporter


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class BrokerKind(StrEnum):
    RABBITMQ = "rabbitmq"
    INPROCESS = "inprocess"


class CommonSettings(BaseSettings):
    """Read from `ENT_*` variables (a `.env` file too, in development)."""

    model_config = SettingsConfigDict(
        env_prefix="ENT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Environment = Environment.DEVELOPMENT
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", description="RabbitMQ URL")
    broker: BrokerKind = BrokerKind.RABBITMQ
    log_level: str = "INFO"
    retry_delay_ms: int = Field(default=2000, ge=10, description="Delay before a failed message is retried")
    max_attempts: int = Field(default=5, ge=1, le=50, description="Attempts before a message is parked")
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_interval_s: float = Field(default=0.5, gt=0)
    consumer_prefetch: int = Field(
        default=64, ge=1, le=1000, description="Deliveries in flight per consumer; also its largest batch"
    )
    db_pool_size: int = Field(default=10, ge=1, le=200, description="Database connections kept per process")
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    otel_exporter: TraceExporter = Field(
        default=TraceExporter.NONE,
        description="Where finished spans go: none (trace ids in logs and headers only), console, otlp",
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP collector base URL (`/v1/traces` is appended), for ENT_OTEL_EXPORTER=otlp",
    )
    metrics_refresh_interval_s: float = Field(
        default=15.0, gt=0, description="How often gauges counted in the broker or the database refresh"
    )


class ServiceSettings(CommonSettings):
    """A service's own settings; subclasses give the variable names (`MEMBERS_DATABASE_URL`...)."""

    database_url: str
    host: str = "127.0.0.1"
    port: int
    roles: str = Field(default="api,relay,consumers", description="Which parts this process runs")


def service_field(service: str, name: str, default: object) -> Any:
    """A setting read from `<SERVICE>_<NAME>` (e.g. `BILLING_DATABASE_URL`)."""
    # Only the prefixed name: a bare PORT or DATABASE_URL set by a hosting platform must not leak in.
    return Field(default=default, validation_alias=AliasChoices(f"{service.upper()}_{name.upper()}"))


def database_url_default(service: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/ent_{service}"
