"""complaint steps after the reply (rebuttal, escalation, decision), consent, outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00

The consumer's rebuttal and the regulator's queue and decision on complaints, the consent to
publish the narrative, the outbox of notifications, one-time access codes, the seller's
private contact e-mail, and an index for a complaint's timeline in the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import registry.core.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TIME = registry.core.types.UTCDateTime(timezone=True)
_COMPLAINT_COLUMNS = (
    ("publish_narrative", sa.Boolean(), False, sa.true()),
    ("locale", _TEXT(length=8), False, "zh"),
    ("confirm_due_at", _TIME, True, None),
    ("rebuttal", _TEXT(length=5000), True, None),
    ("rebuttal_original", _TEXT(length=5000), True, None),
    ("rebutted_at", _TIME, True, None),
    ("rebuttal_due_at", _TIME, True, None),
    ("rebuttal_answer", _TEXT(length=5000), True, None),
    ("rebuttal_answer_original", _TEXT(length=5000), True, None),
    ("rebuttal_answered_at", _TIME, True, None),
    ("escalated_at", _TIME, True, None),
    ("escalation_reason", _TEXT(length=1000), True, None),
    ("escalation_reason_original", _TEXT(length=1000), True, None),
    ("decision", _TEXT(length=16), True, None),
    ("decision_reason", _TEXT(length=1000), True, None),
    ("decision_reason_original", _TEXT(length=1000), True, None),
    ("decided_at", _TIME, True, None),
    ("decided_by", _TEXT(length=120), True, None),
)


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        for name, type_, nullable, default in _COMPLAINT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=nullable, server_default=default))
        batch.create_index("ix_complaint_escalated_at", ["escalated_at"])
    # The defaults filled the existing rows; new rows get theirs from the models.
    with op.batch_alter_table("complaint") as batch:
        batch.alter_column("publish_narrative", server_default=None)
        batch.alter_column("locale", server_default=None)
    with op.batch_alter_table("seller") as batch:
        batch.add_column(sa.Column("contact_email", _TEXT(length=200), nullable=True))
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience", _TEXT(length=16), nullable=False),
        sa.Column("recipient", _TEXT(length=200), nullable=True),
        sa.Column("locale", _TEXT(length=8), nullable=False),
        sa.Column("template", _TEXT(length=48), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=True),
        sa.Column("last_error", _TEXT(length=500), nullable=True),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_complaint_id", "notification", ["complaint_id"])
    op.create_index("ix_notification_next_attempt_at", "notification", ["next_attempt_at"])
    op.create_table(
        "complaint_access_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complainant_ref", _TEXT(length=64), nullable=False),
        sa.Column("client_digest", _TEXT(length=64), nullable=False),
        sa.Column("code_digest", _TEXT(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_complaint_access_code_complainant_ref", "complaint_access_code", ["complainant_ref"]
    )
    op.create_index(
        "ix_complaint_access_code_client_digest", "complaint_access_code", ["client_digest"]
    )


def downgrade() -> None:
    op.drop_table("complaint_access_code")
    op.drop_table("notification")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    with op.batch_alter_table("seller") as batch:
        batch.drop_column("contact_email")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_index("ix_complaint_escalated_at")
        for name, *_ in reversed(_COMPLAINT_COLUMNS):
            batch.drop_column(name)
