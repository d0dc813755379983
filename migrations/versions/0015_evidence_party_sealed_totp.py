"""evidence names the party who attached it; TOTP secrets are sealed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:40:00

Every evidence row so far is the consumer's (only they could attach files). TOTP secrets
were kept in clear: the column widens to hold a sealed value, and each clear secret is
sealed under the master key (``flask db upgrade`` hands it over; without it, a database
that holds clear secrets is refused rather than left half sealed).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

from registry.core.sealing import TOTP_SECRETS, SecretBox, is_sealed

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_account = sa.table("account", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _box() -> SecretBox | None:
    key = context.config.attributes.get("sealing_key")
    return SecretBox(key, TOTP_SECRETS) if key else None


def _rewrite(change, wanted) -> None:
    """Apply *change* to every stored TOTP secret for which *wanted* holds."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_account.c.id, _account.c.totp_secret).where(_account.c.totp_secret.is_not(None))
    ).all()
    rows = [r for r in rows if wanted(r.totp_secret)]
    if not rows:
        return
    box = _box()
    if box is None:
        raise RuntimeError(
            "TOTP secrets need the sealing key (ALERT_SECRET_KEY or the instance's "
            "alert_secret_key): run `flask db upgrade`"
        )
    for r in rows:
        bind.execute(
            _account.update()
            .where(_account.c.id == r.id)
            .values(totp_secret=change(box, r.totp_secret))
        )


def upgrade() -> None:
    with op.batch_alter_table("complaint_evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "party",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="consumer",
            )
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=True,
        )
    _rewrite(lambda box, clear: box.seal(clear), lambda value: not is_sealed(value))


def downgrade() -> None:
    _rewrite(lambda box, sealed: box.open(sealed), is_sealed)
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=True,
        )
    with op.batch_alter_table("complaint_evidence", schema=None) as batch_op:
        batch_op.drop_column("party")
