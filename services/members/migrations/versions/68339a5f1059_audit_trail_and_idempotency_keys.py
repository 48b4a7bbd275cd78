"""audit trail and idempotency keys

Revision ID: 68339a5f1059
Revises: cc992e7776cd
Create Date: 2026-12-01 22:12:52
"""

from shared.migrations import create_audit_and_idempotency_tables, drop_audit_and_idempotency_tables

revision = "68339a5f1059"
down_revision = "cc992e7776cd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_and_idempotency_tables()


def downgrade() -> None:
    drop_audit_and_idempotency_tables()
