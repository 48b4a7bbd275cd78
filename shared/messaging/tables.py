"""The tables the platform adds to each service's own metadata (and migrates with it): the outbox and
the inbox, and for services the audit trail and the idempotency keys of their API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, Uuid

from shared.audit import AuditTables, audit_tables
from shared.db import UTCDateTime
from shared.idempotency import idempotency_table


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    # None for a bare messaging user (the backbone benchmark, the messaging tests): nothing audited.
    audit: AuditTables | None = None
    idempotency_keys: Table | None = None


def messaging_tables(metadata: MetaData, *, service_tables: bool = False) -> MessagingTables:
    """The outbox and inbox; with `service_tables`, the audit trail and idempotency keys as well."""
    outbox = Table(
        "outbox",
        metadata,
        # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER primary key.
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("message_id", Uuid, nullable=False, unique=True),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("correlation_id", String(100), nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("available_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        # Message headers to publish with the row (JSON object): the W3C trace context at emit time.
        Column("headers", Text, nullable=True),
    )
    Index(
        "ix_outbox_pending",
        outbox.c.available_at,
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    Index("ix_outbox_sent_at", outbox.c.sent_at)
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("message_id", Uuid, primary_key=True),
        Column("message_type", String(200), nullable=False),
        Column("processed_at", UTCDateTime, nullable=False, index=True),
    )
    if not service_tables:
        return MessagingTables(outbox=outbox, inbox=inbox)
    return MessagingTables(
        outbox=outbox,
        inbox=inbox,
        audit=audit_tables(metadata),
        idempotency_keys=idempotency_table(metadata),
    )
