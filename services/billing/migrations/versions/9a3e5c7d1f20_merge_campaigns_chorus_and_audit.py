"""merge: contribution campaigns, Chorus Pro and payments, audit trail and idempotency keys

Three branches grown side by side from 7dc0d92daaf3 touch separate tables; this joins them so the
service has one head again.

Revision ID: 9a3e5c7d1f20
Revises: 5e1f0a2b7c3d, 640cc7272795, c4a7b2e91d05
Create Date: 2026-12-01 23:00:00
"""

revision = "9a3e5c7d1f20"
down_revision = ("5e1f0a2b7c3d", "640cc7272795", "c4a7b2e91d05")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
