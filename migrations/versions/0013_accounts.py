"""accounts of people who sign in, the sellers merchants speak for, claim codes and
domain claims

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:00:00

Moderators, regulator staff and merchants sign in (argon2 password hashes, TOTP secrets);
a merchant account is bound to sellers by a regulator's one-time claim code or a proof on
a bound domain.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "narrative_moderated",
                sqlmodel.sql.sqltypes.AutoString(length=5000),
                nullable=True,
            )
        )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "totp_confirmed_at", registry.core.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("invite_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "invite_expires_at", registry.core.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("disabled_at", registry.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", registry.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("invite_digest"),
    )
    op.create_table(
        "account_seller",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "seller_id"),
    )
    with op.batch_alter_table("account_seller", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_seller_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_seller_seller_id"), ["seller_id"], unique=False
        )

    op.create_table(
        "claim_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", registry.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    with op.batch_alter_table("claim_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_code_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "domain_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
        sa.Column("proof_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last_result", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("checked_at", registry.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["seller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("domain_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_domain_claim_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_domain_claim_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("domain_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domain_claim_state"))
        batch_op.drop_index(batch_op.f("ix_domain_claim_account_id"))

    op.drop_table("domain_claim")
    with op.batch_alter_table("claim_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_code_seller_id"))

    op.drop_table("claim_code")
    with op.batch_alter_table("account_seller", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_seller_seller_id"))
        batch_op.drop_index(batch_op.f("ix_account_seller_account_id"))

    op.drop_table("account_seller")
    op.drop_table("account")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("narrative_moderated")
