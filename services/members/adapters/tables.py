"""The members service's tables; its Alembic migrations are generated from this metadata."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Uuid

from shared.db import UTCDateTime, new_metadata
from shared.messaging.tables import messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)

members = Table(
    "members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("siren", String(9), nullable=False, unique=True),
    Column("siret", String(14), nullable=False),
    Column("address_line1", String(200), nullable=False),
    Column("address_line2", String(200)),
    Column("postcode", String(10), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("service_code", String(100)),
    Column("chorus_requirement", String(30), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

adhesions = Table(
    "adhesions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("member_deliberation_number", String(50), nullable=False),
    Column("member_deliberation_date", Date, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("option", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_on", Date),
    Column("votes_for", Integer),
    Column("votes_against", Integer),
    Column("abstentions", Integer),
    Column("withdrawal_date", Date),
    Column("created_at", UTCDateTime, nullable=False),
)
