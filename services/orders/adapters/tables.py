"""The orders service's tables; its Alembic migrations are generated from this metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from shared.db import Money, UTCDateTime, new_metadata
from shared.messaging.tables import messaging_tables
from shared.numbering import counters_table

metadata = new_metadata()
messaging = messaging_tables(metadata, service_tables=True)
counters = counters_table(metadata)

# Member ids come from the members service: opaque strings to us, never a foreign key.
MEMBER_ID = String(64)

catalogue_items = Table(
    "catalogue_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(50), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("label", String(300), nullable=False),
    Column("unit", String(30), nullable=False),
    Column("unit_price", Money(4), nullable=False),
    Column("vat_category", String(3), nullable=False),
    Column("vat_rate", Money(2), nullable=False),
    Column("source", String(20), nullable=False),
    Column("contract_reference", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("code", "valid_from"),
)

member_directory = Table(
    "member_directory",
    metadata,
    Column("member_id", MEMBER_ID, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("siren", String(9), nullable=False),
    Column("siret", String(14), nullable=False),
    Column("address_line1", String(200), nullable=False),
    Column("address_line2", String(200)),
    Column("postcode", String(10), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("service_code", String(100)),
    Column("chorus_requirement", String(30), nullable=False),
    # The occurrence time of the event that wrote the identity: an older event never overwrites a newer one.
    Column("identity_as_of", UTCDateTime, nullable=False),
)

directory_adhesions = Table(
    "directory_adhesions",
    metadata,
    Column("adhesion_id", String(64), primary_key=True),
    Column("member_id", MEMBER_ID, nullable=False, index=True),
    Column("effective_date", Date),
    Column("rejected", Boolean, nullable=False, default=False),
    Column("withdrawal_date", Date),
    Column("updated_at", UTCDateTime, nullable=False),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("member_id", MEMBER_ID, nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("quoted_on", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("total_excl_tax", Money(), nullable=False),
    Column("total_vat", Money(), nullable=False),
    Column("total_incl_tax", Money(), nullable=False),
    Column("sent_on", Date),
    Column("accepted_by", String(200)),
    Column("accepted_at", UTCDateTime),
    Column("accepted_on", Date),
    Column("commitment_number", String(50)),
    Column("service_code", String(100)),
    Column("refused_on", Date),
    Column("refusal_reason", String(500)),
    Column("cancelled_on", Date),
    Column("expired_on", Date),
    Column("created_at", UTCDateTime, nullable=False),
)


def _line_columns() -> list[Column[object]]:
    return [
        Column("line_no", Integer, primary_key=True),
        Column("item_code", String(50), nullable=False),
        Column("label", String(300), nullable=False),
        Column("unit", String(30), nullable=False),
        Column("quantity", Money(3), nullable=False),  # exact decimal on every backend, like money
        Column("unit_price", Money(4), nullable=False),
        Column("vat_category", String(3), nullable=False),
        Column("vat_rate", Money(2), nullable=False),
        Column("source", String(20), nullable=False),
        Column("contract_reference", String(100), nullable=False),
        Column("price_valid_from", Date, nullable=False),
    ]


quote_lines = Table(
    "quote_lines",
    metadata,
    Column("quote_id", Uuid, ForeignKey("quotes.id"), primary_key=True),
    *_line_columns(),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("po_number", String(20), nullable=False, unique=True),
    # One accepted quote → exactly one purchase order, whatever the code above does.
    Column("quote_id", Uuid, ForeignKey("quotes.id"), nullable=False, unique=True),
    Column("quote_number", String(20), nullable=False),
    Column("member_id", MEMBER_ID, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("buyer", JSON, nullable=False),  # snapshot of the member's identity at acceptance
    Column("commitment_number", String(50)),
    Column("total_excl_tax", Money(), nullable=False),
    Column("total_vat", Money(), nullable=False),
    Column("total_incl_tax", Money(), nullable=False),
    Column("member_invoice_number", String(50)),
    Column("contractor_reference", String(100)),
    Column("transmitted_at", UTCDateTime),
    Column("acknowledged_at", UTCDateTime),
    Column("cancelled_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    # The transmission queue: a PO is due when this is set and passed (a lease while an attempt runs).
    Column("transmission_due_at", UTCDateTime, index=True),
    Column("transmission_attempts", Integer, nullable=False, server_default="0"),
    Column("transmission_error", String(1000)),
    Index("ix_purchase_orders_status_issued_on", "status", "issued_on"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("purchase_order_id", Uuid, ForeignKey("purchase_orders.id"), primary_key=True),
    *_line_columns(),
)

purchase_order_history = Table(
    "purchase_order_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("purchase_order_id", Uuid, ForeignKey("purchase_orders.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("detail", String(500), nullable=False),
)

service_attestations = Table(
    "service_attestations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("purchase_order_id", Uuid, ForeignKey("purchase_orders.id"), nullable=False, index=True),
    Column("attested_on", Date, nullable=False),
    Column("attested_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

service_attestation_lines = Table(
    "service_attestation_lines",
    metadata,
    Column("attestation_id", Uuid, ForeignKey("service_attestations.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("quantity", Money(3), nullable=False),
)
