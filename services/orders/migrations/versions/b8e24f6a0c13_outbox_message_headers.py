"""outbox message headers (trace context)

Revision ID: b8e24f6a0c13
Revises: 6714ffa89d26
Create Date: 2026-12-01 23:00:00
"""

from shared.migrations import add_outbox_headers_column, drop_outbox_headers_column

revision = "b8e24f6a0c13"
down_revision = "6714ffa89d26"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_headers_column()


def downgrade() -> None:
    drop_outbox_headers_column()
