"""the case clock's reminders, and when a case closed and lost its private data

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00

One reminder per case and kind (the merchant before its reply deadline, the consumer before
the rebuttal window closes); ``closed_at``, which retention counts from (filled for cases
closed before this release from their last change, which was their closing), and
``private_deleted_at``, when retention deleted the case's private data.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CLOSED_STATES = ("rejected", "invalid", "closed", "resolved", "unresolved")


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", registry.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "private_deleted_at", registry.core.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_complaint_closed_at"), ["closed_at"], unique=False)
    complaint = sa.table(
        "complaint", sa.column("status"), sa.column("closed_at"), sa.column("updated_at")
    )
    op.execute(
        complaint.update()
        .where(complaint.c.status.in_(CLOSED_STATES))
        .values(closed_at=complaint.c.updated_at)
    )
    op.create_table(
        "complaint_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("complaint_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("complaint_reminder")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_closed_at"))
        batch_op.drop_column("private_deleted_at")
        batch_op.drop_column("closed_at")
