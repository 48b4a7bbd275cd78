"""audit trail and idempotency keys

Revision ID: 6714ffa89d26
Revises: 07dd36c4b002
Create Date: 2026-12-01 22:12:52
"""

from shared.migrations import create_audit_and_idempotency_tables, drop_audit_and_idempotency_tables

revision = "6714ffa89d26"
down_revision = "07dd36c4b002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_and_idempotency_tables()


def downgrade() -> None:
    drop_audit_and_idempotency_tables()
