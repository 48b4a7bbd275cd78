"""catalogue quotes purchase orders and member directory

Revision ID: 43b47c2e5cfb
Revises:
Create Date: 2026-11-28 11:07:16.408419
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "43b47c2e5cfb"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Autogenerate renders Money() without its scale: unit prices (4 decimals) and quantities
    # (3 decimals) were set by hand below.
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("unit_price", shared.db.Money(scale=4), nullable=False),
        sa.Column("vat_category", sa.String(length=3), nullable=False),
        sa.Column("vat_rate", shared.db.Money(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("contract_reference", sa.String(length=100), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_items")),
        sa.UniqueConstraint("code", "valid_from", name=op.f("uq_catalogue_items_code_valid_from")),
    )
    op.create_table(
        "directory_adhesions",
        sa.Column("adhesion_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("rejected", sa.Boolean(), nullable=False),
        sa.Column("withdrawal_date", sa.Date(), nullable=True),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("adhesion_id", name=op.f("pk_directory_adhesions")),
    )
    op.create_index(
        op.f("ix_directory_adhesions_member_id"), "directory_adhesions", ["member_id"], unique=False
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("message_type", sa.String(length=200), nullable=False),
        sa.Column("processed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_inbox")),
    )
    op.create_index(op.f("ix_inbox_processed_at"), "inbox", ["processed_at"], unique=False)
    op.create_table(
        "member_directory",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("service_code", sa.String(length=100), nullable=True),
        sa.Column("chorus_requirement", sa.String(length=30), nullable=False),
        sa.Column("identity_as_of", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_directory")),
    )
    op.create_table(
        "number_counters",
        sa.Column("series", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_number_counters")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("available_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["available_at", "id"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"], unique=False)
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("quoted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("total_excl_tax", shared.db.Money(), nullable=False),
        sa.Column("total_vat", shared.db.Money(), nullable=False),
        sa.Column("total_incl_tax", shared.db.Money(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("accepted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("commitment_number", sa.String(length=50), nullable=True),
        sa.Column("service_code", sa.String(length=100), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=500), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
    )
    op.create_index(op.f("ix_quotes_member_id"), "quotes", ["member_id"], unique=False)
    op.create_index(op.f("ix_quotes_status"), "quotes", ["status"], unique=False)
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("po_number", sa.String(length=20), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("quote_number", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("commitment_number", sa.String(length=50), nullable=True),
        sa.Column("total_excl_tax", shared.db.Money(), nullable=False),
        sa.Column("total_vat", shared.db.Money(), nullable=False),
        sa.Column("total_incl_tax", shared.db.Money(), nullable=False),
        sa.Column("member_invoice_number", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], name=op.f("fk_purchase_orders_quote_id_quotes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("po_number", name=op.f("uq_purchase_orders_po_number")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_purchase_orders_quote_id")),
    )
    op.create_index(op.f("ix_purchase_orders_member_id"), "purchase_orders", ["member_id"], unique=False)
    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("quantity", shared.db.Money(scale=3), nullable=False),
        sa.Column("unit_price", shared.db.Money(scale=4), nullable=False),
        sa.Column("vat_category", sa.String(length=3), nullable=False),
        sa.Column("vat_rate", shared.db.Money(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("contract_reference", sa.String(length=100), nullable=False),
        sa.Column("price_valid_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], name=op.f("fk_quote_lines_quote_id_quotes")),
        sa.PrimaryKeyConstraint("quote_id", "line_no", name=op.f("pk_quote_lines")),
    )
    op.create_table(
        "purchase_order_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_history_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_history")),
    )
    op.create_index(
        op.f("ix_purchase_order_history_purchase_order_id"),
        "purchase_order_history",
        ["purchase_order_id"],
        unique=False,
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("quantity", shared.db.Money(scale=3), nullable=False),
        sa.Column("unit_price", shared.db.Money(scale=4), nullable=False),
        sa.Column("vat_category", sa.String(length=3), nullable=False),
        sa.Column("vat_rate", shared.db.Money(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("contract_reference", sa.String(length=100), nullable=False),
        sa.Column("price_valid_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("purchase_order_id", "line_no", name=op.f("pk_purchase_order_lines")),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table("purchase_order_lines")
    op.drop_index(op.f("ix_purchase_order_history_purchase_order_id"), table_name="purchase_order_history")
    op.drop_table("purchase_order_history")
    op.drop_table("quote_lines")
    op.drop_index(op.f("ix_purchase_orders_member_id"), table_name="purchase_orders")
    op.drop_table("purchase_orders")
    op.drop_index(op.f("ix_quotes_status"), table_name="quotes")
    op.drop_index(op.f("ix_quotes_member_id"), table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index(
        "ix_outbox_pending",
        table_name="outbox",
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.drop_table("outbox")
    op.drop_table("number_counters")
    op.drop_table("member_directory")
    op.drop_index(op.f("ix_inbox_processed_at"), table_name="inbox")
    op.drop_table("inbox")
    op.drop_index(op.f("ix_directory_adhesions_member_id"), table_name="directory_adhesions")
    op.drop_table("directory_adhesions")
    op.drop_table("catalogue_items")
    # ### end Alembic commands ###
