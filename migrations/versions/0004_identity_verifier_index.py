"""index identity.verified_by

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:30:00

Pages show the demo footer while the registry holds demo sellers, which they learn by asking
for one identity of the demo's verifier: without an index that is a scan of every identity
(0.2-0.3 s at 1,000,000) whenever no demo row exists.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_verified_by"), ["verified_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_verified_by"))
