"""fulfillment aggregates, platform store ids, order confirmations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:30:00

- ``fulfillment_day``: a platform's counts for one seller and day (one per source, seller
  and day; the external_ref unique per source).
- ``event.count`` (1 for every existing row) and ``event.aggregate_id``: the scored rows of
  a day, one per kind with its count.
- ``platform_store``: a platform's own store ids, mapped by it to sellers.
- ``order_confirmation``: orders a platform confirms, which make complaints naming them
  purchase-verified.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("late_shipments", sa.Integer(), nullable=False),
        sa.Column("cancellations", sa.Integer(), nullable=False),
        sa.Column("non_delivery", sa.Integer(), nullable=False),
        sa.Column("not_as_described", sa.Integer(), nullable=False),
        sa.Column("disputes_opened", sa.Integer(), nullable=False),
        sa.Column("disputes_lost", sa.Integer(), nullable=False),
        sa.Column("chargebacks", sa.Integer(), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_ref", name="uq_fulfillment_day_source_ref"),
        sa.UniqueConstraint("source", "seller_id", "day", name="uq_fulfillment_day_source_day"),
    )
    with op.batch_alter_table("fulfillment_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fulfillment_day_seller_id"), ["seller_id"], unique=False
        )

    op.create_table(
        "order_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("buyer_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("confirmed_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "source", "seller_id", "order_ref", name="uq_order_confirmation_source_order"
        ),
    )
    with op.batch_alter_table("order_confirmation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_order_confirmation_seller_order", ["seller_id", "order_ref"], unique=False
        )

    op.create_table(
        "platform_store",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("store_ref", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "store_ref", name="uq_platform_store_source_ref"),
    )
    with op.batch_alter_table("platform_store", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_store_seller_id"), ["seller_id"], unique=False
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("aggregate_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_event_aggregate_id"), ["aggregate_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_event_aggregate_id_fulfillment_day", "fulfillment_day", ["aggregate_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_event_aggregate_id_fulfillment_day", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_event_aggregate_id"))
        batch_op.drop_column("aggregate_id")
        batch_op.drop_column("count")

    with op.batch_alter_table("platform_store", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_store_seller_id"))

    op.drop_table("platform_store")
    with op.batch_alter_table("order_confirmation", schema=None) as batch_op:
        batch_op.drop_index("ix_order_confirmation_seller_order")

    op.drop_table("order_confirmation")
    with op.batch_alter_table("fulfillment_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fulfillment_day_seller_id"))

    op.drop_table("fulfillment_day")
