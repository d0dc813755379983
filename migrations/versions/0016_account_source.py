"""the source a regulator account decides for

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:40:00

A regulator account speaks for one source (``regulator:<name>``, the name its records are
submitted under): the disputes of that source's records reach its desk, and only it decides
them. Without one the account sees escalated complaints but no disputes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("source")
