"""outbox message headers (trace context)

Revision ID: a3c91e5d7f20
Revises: 68339a5f1059
Create Date: 2026-12-01 23:00:00
"""

from shared.migrations import add_outbox_headers_column, drop_outbox_headers_column

revision = "a3c91e5d7f20"
down_revision = "68339a5f1059"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_headers_column()


def downgrade() -> None:
    drop_outbox_headers_column()
