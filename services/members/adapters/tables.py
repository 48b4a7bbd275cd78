"""The members service's tables; its Alembic migrations are generated from this metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from shared.db import Money, UTCDateTime, new_metadata
from shared.messaging.tables import messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata, service_tables=True)

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
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_at", UTCDateTime),
)

member_contacts = Table(
    "member_contacts",
    metadata,
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(100)),
    Column("email", String(254)),
    Column("phone", String(30)),
    PrimaryKeyConstraint("member_id", "position"),
)

# Every version of a member as it was (history kept): version 1 at registration, +1 per update.
member_versions = Table(
    "member_versions",
    metadata,
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("changed_fields", JSON, nullable=False),
    Column("state", JSON, nullable=False),
    PrimaryKeyConstraint("member_id", "version"),
)

deliberations = Table(
    "deliberations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("body_key", String(60), nullable=False),  # "committee" or "member:<id>": numbers unique per body
    Column("number", String(50), nullable=False),
    Column("date", Date, nullable=False),
    Column("assembly", String(20), nullable=False),
    Column("member_id", Uuid, ForeignKey("members.id"), index=True),
    Column("subject", String(500), nullable=False),
    Column("document_ref", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("body_key", "number"),
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
    Column("member_deliberation_id", Uuid, ForeignKey("deliberations.id")),
    Column("committee_deliberation_id", Uuid, ForeignKey("deliberations.id")),
    Column("withdrawal_deliberation_id", Uuid, ForeignKey("deliberations.id")),
    Column("withdrawal_deliberation_date", Date),
)

adhesion_option_changes = Table(
    "adhesion_option_changes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("adhesion_id", Uuid, ForeignKey("adhesions.id"), nullable=False, index=True),
    Column("option", String(20), nullable=False),
    Column("previous_option", String(20), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("deliberation_id", Uuid, ForeignKey("deliberations.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("adhesion_id", "effective_date"),
)

schools = Table(
    "schools",
    metadata,
    Column("uai", String(8), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("commune_insee", String(5), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per period of attachment: the history of which member a school belonged to.
school_attachments = Table(
    "school_attachments",
    metadata,
    Column("uai", String(8), ForeignKey("schools.uai"), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("until", Date),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("deliberation_id", Uuid, ForeignKey("deliberations.id")),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("uai", "from_date"),
)

pupil_counts = Table(
    "pupil_counts",
    metadata,
    Column("uai", String(8), ForeignKey("schools.uai"), nullable=False),
    Column("school_year", String(9), nullable=False),
    Column("pupils", Integer, nullable=False),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("counted_on", Date, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("source", String(20), nullable=False),  # api | csv
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("uai", "school_year"),
)

tariff_schedules = Table(
    "tariff_schedules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("base_per_pupil", Money(scale=2), nullable=False),
    Column("optional_per_pupil", Money(scale=2), nullable=False),
    Column("half_day_rate", Money(scale=2), nullable=False),
    Column("pupil_count_school_year", String(9), nullable=False),
    Column("prorata_rule", String(20), nullable=False),
    Column("deliberation_id", Uuid, ForeignKey("deliberations.id"), nullable=False),
    Column("adopted_at", UTCDateTime, nullable=False),
    UniqueConstraint("year", "revision"),
)

subsidies = Table(
    "subsidies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("amount", Money(scale=2), nullable=False),
    Column("payer_name", String(200), nullable=False),
    Column("payer_siren", String(9)),
    Column("deliberation_id", Uuid, ForeignKey("deliberations.id"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# Art. 8: a record per member of the competence for every change of the conditions.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("deliberation_id", Uuid, ForeignKey("deliberations.id"), nullable=False),
    Column("kind", String(30), nullable=False),  # tariff_adopted | conditions_changed
    Column("subject", String(500), nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
)

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("service", String(50), nullable=False),
    Column("level", String(20), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("half_days", Integer, nullable=False),
    Column("description", Text),
    Column("status", String(20), nullable=False),
    Column("delivered_on", Date),
    Column("delivered_half_days", Integer),
    Column("billable", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

usage_statistics = Table(
    "usage_statistics",
    metadata,
    Column("uai", String(8), ForeignKey("schools.uai"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False, index=True),
    Column("accounts_activated", Integer, nullable=False),
    Column("connections", Integer, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("uai", "month"),
)
