"""private originals of public texts, idempotency keys per source, token expiry

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:00:00

- ``event.summary_original``, ``complaint.merchant_reply_original`` and
  ``complaint.status_reason_original`` keep what was submitted; the public columns hold the
  scrubbed text. Existing rows get their public text as original (``flask rescrub`` then
  scrubs the public copies again from the originals).
- ``event.external_ref`` is unique per ``source`` instead of across every source.
- ``api_token.expires_at``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The unnamed UNIQUE (external_ref) of 0001: SQLite's batch mode needs a name to drop it,
# PostgreSQL named it itself.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name() -> str:
    return (
        "event_external_ref_key"
        if op.get_bind().dialect.name == "postgresql"
        else ("uq_event_external_ref")
    )


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.add_column(sa.Column("summary_original", sa.Text(), nullable=True))
        batch_op.drop_constraint(_old_unique_name(), type_="unique")
        batch_op.create_unique_constraint(
            "uq_event_source_external_ref", ["source", "external_ref"]
        )
    op.execute("UPDATE event SET summary_original = summary WHERE summary IS NOT NULL")

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status_reason_original",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "merchant_reply_original",
                sqlmodel.sql.sqltypes.AutoString(length=5000),
                nullable=True,
            )
        )
    op.execute(
        "UPDATE complaint SET status_reason_original = status_reason, "
        "merchant_reply_original = merchant_reply"
    )

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", registry.core.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("merchant_reply_original")
        batch_op.drop_column("status_reason_original")

    with op.batch_alter_table("event", schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint("uq_event_source_external_ref", type_="unique")
        batch_op.create_unique_constraint(_old_unique_name(), ["external_ref"])
        batch_op.drop_column("summary_original")
