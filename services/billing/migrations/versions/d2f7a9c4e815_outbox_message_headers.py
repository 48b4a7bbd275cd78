"""outbox message headers (trace context)

Revision ID: d2f7a9c4e815
Revises: 9a3e5c7d1f20
Create Date: 2026-12-01 23:00:00
"""

from shared.migrations import add_outbox_headers_column, drop_outbox_headers_column

revision = "d2f7a9c4e815"
down_revision = "9a3e5c7d1f20"  # after the merge of the three branches
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_headers_column()


def downgrade() -> None:
    drop_outbox_headers_column()
