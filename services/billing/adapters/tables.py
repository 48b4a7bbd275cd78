"""The billing service's tables; its Alembic migrations are generated from this metadata.

Quantities and unit prices use `Money` with 4 decimals for its exactness on every backend (a quantity is
not money, but it must never be a float either).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared.db import Money, UTCDateTime, new_metadata
from shared.messaging.tables import messaging_tables
from shared.numbering import counters_table

metadata = new_metadata()
messaging = messaging_tables(metadata, service_tables=True)
counters = counters_table(metadata)


def _line_columns() -> list[Column]:  # type: ignore[type-arg]
    return [
        Column("line_no", Integer, primary_key=True),
        Column("item_code", String(50), nullable=False),
        Column("label", String(500), nullable=False),
        Column("unit", String(20), nullable=False),
        Column("quantity", Money(4), nullable=False),
        Column("unit_price", Money(4), nullable=False),
        Column("vat_category", String(4), nullable=False),
        Column("vat_rate", Money(2), nullable=False),
    ]


# --- read models, fed by the other services' events -------------------------------------------------

members = Table(
    "members",
    metadata,
    Column("member_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("siren", String(9), nullable=False),
    Column("siret", String(14), nullable=False),
    Column("address", JSON, nullable=False),
    Column("service_code", String(100)),
    Column("chorus_requirement", String(30), nullable=False),
    # The occurrence of the event that wrote the row: an older event arriving late does not overwrite it.
    Column("as_of", UTCDateTime, nullable=False),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_number", String(50), primary_key=True),
    Column("purchase_order_id", String(64), nullable=False, unique=True),
    Column("quote_id", String(64), nullable=False),
    Column("quote_number", String(50), nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("commitment_number", String(100)),
    Column("issued_on", Date, nullable=False),
    Column("buyer", JSON, nullable=False),  # the member's snapshot at issue (PartySnapshot)
    Column("total_excl_tax", Money(2), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_number", String(50), ForeignKey("purchase_orders.po_number"), primary_key=True),
    *_line_columns(),
)

# Service-done attestations (service fait) as the orders service published them: one row per
# attestation, quantities not cumulative (summed per PO line when matching).
attestations = Table(
    "attestations",
    metadata,
    Column("attestation_id", String(64), primary_key=True),
    # No foreign key: an attestation may arrive before billing recorded its PO (the order is not promised).
    Column("po_number", String(50), nullable=False, index=True),
    Column("attested_on", Date, nullable=False),
    Column("attested_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

attestation_lines = Table(
    "attestation_lines",
    metadata,
    Column("attestation_id", String(64), ForeignKey("attestations.attestation_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("quantity", Money(4), nullable=False),
)

# --- supplier invoices (factures fournisseur) ---------------------------------------------------------

# Every e-invoice file the contractor uploaded, kept as received for audit, accepted or refused.
supplier_invoice_uploads = Table(
    "supplier_invoice_uploads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("filename", String(255)),
    Column("declared_type", String(100)),
    Column("detected_format", String(20)),  # facturx-pdf, cii, ubl; None when not recognised
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("content", LargeBinary, nullable=False),
    Column("outcome", String(20), nullable=False),  # received, accepted, refused
    Column("refusal", Text),
    Column("supplier_invoice_id", Uuid),
)

supplier_invoices = Table(
    "supplier_invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    # One contractor holds the regional contract: its invoice number is unique. With several
    # contractors this becomes unique on (contractor, number).
    Column("number", String(50), nullable=False, unique=True),
    Column("po_number", String(50), ForeignKey("purchase_orders.po_number"), nullable=False, index=True),
    Column("issue_date", Date, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("payment_deadline", Date, nullable=False),
    Column("total_excl_tax", Money(2), nullable=False),
    Column("status", String(20), nullable=False),
    Column("discrepancies", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("source", String(10), nullable=False, server_default="api"),
    Column("upload_id", Uuid),
    # The staff decision on an exception (approved or disputed), with its written reason.
    Column("decision_reason", Text),
    Column("decided_by", String(200)),
    Column("decided_at", UTCDateTime),
)

supplier_invoice_lines = Table(
    "supplier_invoice_lines",
    metadata,
    Column("supplier_invoice_id", Uuid, ForeignKey("supplier_invoices.id"), primary_key=True),
    *_line_columns(),
)

# --- member invoices (factures): rows are inserted at issue and never updated nor deleted -------------

member_invoices = Table(
    "member_invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(30), nullable=False, unique=True),
    Column("series", String(50), nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    # Exactly one member invoice per supplier invoice, whatever redeliveries or races happen.
    Column("supplier_invoice_id", Uuid, ForeignKey("supplier_invoices.id"), unique=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("buyer", JSON, nullable=False),
    Column("commitment_number", String(100)),
    Column("po_number", String(50), nullable=False, index=True),
    Column("quote_number", String(50), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("due_date_is_provisional", Boolean, nullable=False),
    Column("total_excl_tax", Money(2), nullable=False),
    Column("total_vat", Money(2), nullable=False),
    Column("total_incl_tax", Money(2), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("service_date", Date),
    UniqueConstraint("series", "year", "sequence"),
)

member_invoice_lines = Table(
    "member_invoice_lines",
    metadata,
    Column("invoice_id", Uuid, ForeignKey("member_invoices.id"), primary_key=True),
    *_line_columns(),
    Column("net_amount", Money(2), nullable=False),
)

member_invoice_vat = Table(
    "member_invoice_vat",
    metadata,
    Column("invoice_id", Uuid, ForeignKey("member_invoices.id"), primary_key=True),
    Column("vat_category", String(4), primary_key=True),
    Column("vat_rate", Money(2), primary_key=True),
    Column("taxable_amount", Money(2), nullable=False),
    Column("vat_amount", Money(2), nullable=False),
)

# --- credit notes (avoirs): immutable once issued, like invoices ---------------------------------------

credit_notes = Table(
    "credit_notes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(30), nullable=False, unique=True),
    Column("series", String(50), nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("invoice_id", Uuid, ForeignKey("member_invoices.id"), nullable=False, index=True),
    Column("invoice_number", String(30), nullable=False),
    Column("invoice_issue_date", Date, nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("buyer", JSON, nullable=False),
    Column("commitment_number", String(100)),
    Column("po_number", String(50), nullable=False),
    Column("quote_number", String(50), nullable=False),
    Column("reason", Text, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("total_excl_tax", Money(2), nullable=False),
    Column("total_vat", Money(2), nullable=False),
    Column("total_incl_tax", Money(2), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    UniqueConstraint("series", "year", "sequence"),
)

credit_note_lines = Table(
    "credit_note_lines",
    metadata,
    Column("credit_note_id", Uuid, ForeignKey("credit_notes.id"), primary_key=True),
    *_line_columns(),
    Column("invoice_line_no", Integer),  # the invoice line credited; None for a line crediting an amount
    Column("net_amount", Money(2), nullable=False),
)

credit_note_vat = Table(
    "credit_note_vat",
    metadata,
    Column("credit_note_id", Uuid, ForeignKey("credit_notes.id"), primary_key=True),
    Column("vat_category", String(4), primary_key=True),
    Column("vat_rate", Money(2), primary_key=True),
    Column("taxable_amount", Money(2), nullable=False),
    Column("vat_amount", Money(2), nullable=False),
)

IMMUTABLE_TABLES = (
    "member_invoices",
    "member_invoice_lines",
    "member_invoice_vat",
    "credit_notes",
    "credit_note_lines",
    "credit_note_vat",
)

# Chorus Pro transmission, payments and dunning: their own modules on this metadata (Alembic sees them).
import services.billing.adapters.chorus_tables  # noqa: E402
import services.billing.adapters.payment_tables  # noqa: E402, F401

# The yearly contribution campaign: its own module on this metadata (Alembic sees it).
from services.billing.adapters import campaign_tables  # noqa: E402, F401
