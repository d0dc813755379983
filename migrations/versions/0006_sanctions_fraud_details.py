"""sanction and fraud_detail: the typed facts of sanctions and fraud reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:16:14

- ``sanction``: a regulator's decision (decision number, authority, dates, amount, reason
  code), beside the score event of a finding, or naming the finding a removal or a credit
  repair ends (``target_id``); unique per ``(source, external_ref)``.
- ``fraud_detail``: a fraud report's amount, ISO 4217 currency and private evidence
  reference, keyed by its event.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fraud_detail",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("evidence_ref", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "sanction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("decision_number", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("authority", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("repaired_at", registry.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["sanction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("source", "external_ref", name="uq_sanction_source_external_ref"),
    )
    with op.batch_alter_table("sanction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sanction_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(
            "ix_sanction_source_decision", ["source", "decision_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sanction_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sanction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanction_target_id"))
        batch_op.drop_index("ix_sanction_source_decision")
        batch_op.drop_index(batch_op.f("ix_sanction_seller_id"))

    op.drop_table("sanction")
    op.drop_table("fraud_detail")
