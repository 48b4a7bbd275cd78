"""Tables of the Chorus Pro transmission: one row per member invoice once a transmitter looked at it,
its history (status reports and what we did), the HTTP exchanges of the built-in adapter, and the
documents staff added to a suspended invoice. On billing's `metadata` (imported by `tables`)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, LargeBinary, String, Table, Text, UniqueConstraint, Uuid

from services.billing.adapters.tables import metadata
from shared.db import UTCDateTime

invoice_transmissions = Table(
    "invoice_transmissions",
    metadata,
    # No foreign key to member_invoices: that table refuses every change, and the row only follows it.
    Column("invoice_id", Uuid, primary_key=True),
    Column("invoice_number", String(30), nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("issue_date", Date, nullable=False),
    Column("stage", String(20), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("chorus_status", String(40)),
    Column("claim_id", String(64)),
    Column("claimed_by", String(100)),
    Column("lease_until", UTCDateTime),
    Column("attempts", Integer, nullable=False),
    Column("blocked_reason", Text),
    Column("flux_number", String(50)),
    Column("deposited_at", UTCDateTime),
    Column("chorus_invoice_id", String(50)),
    Column("made_available_on", Date),
    Column("due_date", Date, index=True),
    Column("routing_buyer_siret", String(14)),
    Column("routing_service_code", String(100)),
    Column("routing_commitment_number", String(100)),
    Column("replaced_by", Uuid),
    Column("replaces", Uuid),
    # The built-in adapter's polling: when to look at Chorus again, and how many looks found nothing new.
    Column("next_poll_at", UTCDateTime),
    Column("polls", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
)

# What happened to the transmission, in order: Chorus status reports (kind "status", deduplicated by
# the unique constraint) and our own steps (claimed, blocked, deposited, failed, routing_fixed...).
transmission_history = Table(
    "transmission_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Uuid, nullable=False, index=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("status", String(40)),
    Column("status_at", UTCDateTime),
    Column("detail", Text),
    Column("actor", String(100), nullable=False),
    UniqueConstraint("invoice_id", "kind", "status", "status_at", name="uq_transmission_history_status"),
)

# Every request the built-in PISTE adapter made and what came back (never a secret: no token, no
# password, no file content).
chorus_exchanges = Table(
    "chorus_exchanges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Uuid, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("operation", String(60), nullable=False),
    Column("http_status", Integer),
    Column("outcome", Text, nullable=False),
    Column("duration_ms", Integer, nullable=False),
)

transmission_documents = Table(
    "transmission_documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("comment", Text),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
)
