"""A complaint's timeline, derived from the audit log.

Every step is already written there, in the step's own transaction and hash-chained, by
``journal.record``: a separate step table would be a second copy that could disagree with
it. The timeline shows each step's name and time only; who did it and the words as typed
stay in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ..journal import history
from .models import Complaint

#: audit actions -> the step the complainant sees (others, such as a reissued link, are not
#: steps of the case)
STEPS = {
    "complaint.file": "filed",
    "complaint.accept": "accepted",
    "complaint.reject": "rejected",
    "complaint.invalid": "invalid",
    "complaint.no_response": "no_response",
    "complaint.reply": "replied",
    "complaint.rebut": "rebutted",
    "complaint.rebuttal_answer": "rebuttal_answered",
    "complaint.rebuttal_unanswered": "rebuttal_unanswered",
    "complaint.confirm": "confirmed",
    "complaint.unconfirmed": "unconfirmed",
    "complaint.escalate": "escalated",
    "complaint.decide": "decided",
    "complaint.retention": "private_deleted",
}


def timeline(session: Session, complaint: Complaint) -> list[dict[str, Any]]:
    """The steps of one complaint, oldest first: ``{"step", "at"}``."""
    rows = history(session, "complaint", str(complaint.id), STEPS)
    return [{"step": STEPS[action], "at": at} for action, at in rows]


def next_deadline(complaint: Complaint) -> tuple[str, datetime] | None:
    """What is awaited next, and by when: (``moderation`` | ``reply`` | ``rebuttal_answer``
    | ``confirm``, due)."""
    due = {
        "submitted": ("moderation", complaint.moderation_due_at),
        "merchant_notified": ("reply", complaint.reply_due_at),
        "rebutted": ("rebuttal_answer", complaint.rebuttal_due_at),
        "merchant_replied": ("confirm", complaint.confirm_due_at),
    }.get(complaint.status)
    if due is None or due[1] is None:
        return None
    return due[0], due[1]
