"""audit trail and idempotency keys

Revision ID: 5e1f0a2b7c3d
Revises: 7dc0d92daaf3
Create Date: 2026-12-01 22:12:52
"""

from shared.migrations import create_audit_and_idempotency_tables, drop_audit_and_idempotency_tables

revision = "5e1f0a2b7c3d"
down_revision = "7dc0d92daaf3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_and_idempotency_tables()


def downgrade() -> None:
    drop_audit_and_idempotency_tables()
