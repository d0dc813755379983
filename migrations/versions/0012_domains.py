"""complaints about unidentified sites; complaint evidence

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:00:00

A complaint may name a site instead of a seller (``seller_id`` empty until the site's domain
is bound): its host and registrable domain. Evidence files a complainant attaches are kept
outside the web root; the table holds their random names, types, sizes and digests.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.alter_column("seller_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("site_host", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True)
        )
        batch_op.add_column(
            sa.Column("site_domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_complaint_site_domain"), ["site_domain"], unique=False)

    op.create_table(
        "complaint_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("complaint_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_evidence_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_evidence_complaint_id"))
    op.drop_table("complaint_evidence")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_site_domain"))
        batch_op.drop_column("site_domain")
        batch_op.drop_column("site_host")
        batch_op.alter_column("seller_id", existing_type=sa.Integer(), nullable=False)
