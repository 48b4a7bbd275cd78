"""Tables of payments (encaissements), dunning (relances) and the syndicate's own payments to the
contractor. On billing's `metadata` (imported by `tables`)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String, Table, Text, UniqueConstraint, Uuid

from services.billing.adapters.tables import metadata
from shared.db import Money, UTCDateTime

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, nullable=False, index=True),
    Column("invoice_number", String(30), nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("amount", Money(2), nullable=False),
    Column("paid_on", Date, nullable=False),
    # One statement line, one payment: importing the same statement twice records nothing twice.
    Column("reference", String(100), nullable=False, unique=True),
    Column("source", String(10), nullable=False),  # api, csv
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# An invoice that went overdue (once: the event is published when the row is written), and when it
# was resolved (fully paid or credited).
overdue_invoices = Table(
    "overdue_invoices",
    metadata,
    Column("invoice_id", Uuid, primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("due_date", Date, nullable=False),
    Column("overdue_since", Date, nullable=False),
    Column("resolved_on", Date),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, nullable=False, index=True),
    Column("invoice_number", String(30), nullable=False),
    Column("member_id", String(64), nullable=False, index=True),
    Column("level", String(10), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("balance", Money(2), nullable=False),
    Column("text", Text, nullable=False),
    Column("resolved_on", Date),
    UniqueConstraint("invoice_id", "level"),
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    Column("supplier_invoice_id", Uuid, primary_key=True),
    Column("amount", Money(2), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("reference", String(100), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("days_late", Integer, nullable=False),
    Column("interest_rate", Money(4)),
    Column("late_interest", Money(2), nullable=False),
    Column("indemnity", Money(2), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# The "due soon" and "late" notices of the syndicate's own deadline, each published once.
supplier_payment_alerts = Table(
    "supplier_payment_alerts",
    metadata,
    Column("supplier_invoice_id", Uuid, primary_key=True),
    Column("kind", String(10), primary_key=True),  # due, late
    Column("on", Date, nullable=False),
    Column("detail", Text),
)
