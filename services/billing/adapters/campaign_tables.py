"""Tables of the yearly contribution campaign (art. 5), on billing's metadata (registered by tables.py).

Read models fed by the members service's events (adhesions and their options, schools' attachments,
pupil counts, tariff schedules, subsidies, delivered support), then the campaigns, their computed calls,
and the link from each issued contribution invoice to the breakdown it was computed from.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint, Uuid

from services.billing.adapters.tables import metadata
from shared.db import Money, UTCDateTime

# --- read models (members' events); each upsert is idempotent and safe out of order -------------------

# Approved adhesions. `effective_date` and `option` come with the approval, `withdrawal_date` with the
# withdrawal: either may arrive first, each writes only its own columns.
contribution_adhesions = Table(
    "contribution_adhesions",
    metadata,
    Column("adhesion_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("approved", Boolean, nullable=False),
    Column("effective_date", Date),
    Column("option", String(20)),
    Column("withdrawal_date", Date),
)

contribution_option_changes = Table(
    "contribution_option_changes",
    metadata,
    Column("adhesion_id", String(64), primary_key=True),
    Column("effective_date", Date, primary_key=True),
    Column("option", String(20), nullable=False),
)

# Attachment history: a school belongs to `member_id` from `from_date` until the next row's `from_date`.
contribution_school_attachments = Table(
    "contribution_school_attachments",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("from_date", Date, primary_key=True),
    Column("member_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
)

# The latest revision of each (school, school year) count.
contribution_pupil_counts = Table(
    "contribution_pupil_counts",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("school_year", String(9), primary_key=True),
    Column("pupils", Integer, nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("counted_on", Date, nullable=False),
    Column("revision", Integer, nullable=False),
)

# The latest revision of each year's schedule (barème).
contribution_tariffs = Table(
    "contribution_tariffs",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("tariff_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("base_per_pupil", Money(2), nullable=False),
    Column("optional_per_pupil", Money(2), nullable=False),
    Column("half_day_rate", Money(2), nullable=False),
    Column("pupil_count_school_year", String(9), nullable=False),
    Column("prorata_rule", String(20), nullable=False),
    Column("deliberation_number", String(100), nullable=False),
    Column("deliberation_date", Date, nullable=False),
)

contribution_subsidies = Table(
    "contribution_subsidies",
    metadata,
    Column("subsidy_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("year", Integer, nullable=False, index=True),
    Column("amount", Money(2), nullable=False),
    Column("payer_name", String(200), nullable=False),
    Column("deliberation_number", String(100), nullable=False),
)

contribution_support = Table(
    "contribution_support",
    metadata,
    Column("support_request_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("service", String(200), nullable=False),
    Column("billable", Boolean, nullable=False),
    Column("half_days", Integer, nullable=False),
    Column("delivered_on", Date, nullable=False, index=True),
)

# --- campaigns -----------------------------------------------------------------------------------------

contribution_campaigns = Table(
    "contribution_campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("year", Integer, nullable=False, unique=True),  # one campaign per year
    Column("status", String(20), nullable=False),  # draft, issuing, issued
    Column("tariff", JSON, nullable=False),  # the schedule the draft was computed with
    Column("summary", JSON, nullable=False),  # totals of the computed calls (for review and the Comité)
    Column("issue_date", Date),  # fixed by the first issue click, kept by any resume
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Column("issued_at", UTCDateTime),
)

# One row per called member: the figures (also as columns, for reports and sums) and the breakdown.
contribution_calls = Table(
    "contribution_calls",
    metadata,
    Column("campaign_id", Uuid, ForeignKey("contribution_campaigns.id"), primary_key=True),
    Column("member_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),  # issue order: numbers follow it
    Column("pupils", Integer, nullable=False),
    Column("total", Money(2), nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("breakdown", JSON, nullable=False),
    # The invoice currently standing for the call: set at issue, replaced by a correction.
    Column("invoice_id", Uuid),
    UniqueConstraint("campaign_id", "position"),
)

# Every contribution invoice with the breakdown it says (its document prints it): insert only.
contribution_invoices = Table(
    "contribution_invoices",
    metadata,
    Column("invoice_id", Uuid, ForeignKey("member_invoices.id"), primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("contribution_campaigns.id"), nullable=False),
    Column("member_id", String(64), nullable=False),
    # 1 for the campaign's invoice, then one more per correction: a double issue cannot get past it.
    Column("revision", Integer, nullable=False),
    Column("breakdown", JSON, nullable=False),
    Column("credit_note_id", Uuid),  # a correction: the credit note of the invoice it replaces
    Column("reason", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("campaign_id", "member_id", "revision"),
)
