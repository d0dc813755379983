"""Put messages in the outbox (in the caller's transaction), find the due ones, record what
sending them did (with exponential back-off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ..core.types import utcnow
from ..privacy import normalize_contact
from .messages import TEMPLATES
from .models import Notification

AUDIENCES = ("consumer", "merchant", "regulator")
LOCALES = ("zh", "en")
#: context keys that hold what only the recipient may have; dropped once sent
SECRET_KEYS = ("token", "code")


def locale_of(value: str | None) -> str:
    """``zh`` or ``en`` from a page's locale (``zh_Hans_CN``, ``en``, None)."""
    return "en" if (value or "").lower().startswith("en") else "zh"


def mail_address(contact: str | None) -> str | None:
    """The e-mail address in a contact, or None (a phone number, or nothing usable)."""
    try:
        normal = normalize_contact(contact or "")
    except ValueError:
        return None
    return normal.removeprefix("mailto:") if normal.startswith("mailto:") else None


def enqueue(
    session: Session,
    *,
    audience: str,
    recipient: str | None,
    template: str,
    context: dict[str, Any],
    locale: str = "zh",
    complaint_id: int | None = None,
    now: datetime | None = None,
) -> Notification:
    """Queue one message in the caller's transaction; without a recipient it is recorded as
    unreachable (nobody could be told), never sent."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    now = now or utcnow()
    row = Notification(
        audience=audience,
        recipient=recipient,
        locale=locale_of(locale),
        template=template,
        context=context
        if recipient
        else {k: v for k, v in context.items() if k not in SECRET_KEYS},
        complaint_id=complaint_id,
        status="queued" if recipient else "unreachable",
        next_attempt_at=now if recipient else None,
        created_at=now,
    )
    session.add(row)
    return row


def notices_for(session: Session, complaint_id: int) -> list[dict[str, Any]]:
    """What was sent (or could not be) about one complaint, for moderators: no secrets."""
    rows = session.execute(
        select(Notification)
        .where(Notification.complaint_id == complaint_id)
        .order_by(Notification.id)
    ).scalars()
    return [
        {
            "audience": n.audience,
            "template": n.template,
            "status": n.status,
            "attempts": n.attempts,
            "last_error": n.last_error,
            "created_at": n.created_at,
            "sent_at": n.sent_at,
        }
        for n in rows
    ]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: base x 2^(attempts-1), at most ``max_seconds``; give up after
    ``max_attempts``."""

    base_seconds: float = 60.0
    max_seconds: float = 3600.0
    max_attempts: int = 8

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        if attempts >= self.max_attempts:
            return None
        delay = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return now + timedelta(seconds=delay)


@dataclass(frozen=True)
class Due:
    """A message to send, read without holding a transaction open while it is sent."""

    id: int
    recipient: str
    locale: str
    template: str
    context: dict[str, Any]


def due(session: Session, now: datetime, limit: int = 50) -> list[Due]:
    """Queued messages whose next attempt has come, oldest first."""
    rows = session.execute(
        select(Notification)
        .where(Notification.status == "queued", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).scalars()
    return [Due(n.id, n.recipient or "", n.locale, n.template, dict(n.context)) for n in rows]


def record(
    session: Session, item_id: int, error: str | None, policy: RetryPolicy, now: datetime
) -> str | None:
    """Record one attempt: sent, queued again later, or failed for good. Return the status."""
    row = session.get(Notification, item_id)
    if row is None or row.status != "queued":
        return None  # another run got there first
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.next_attempt_at = "sent", now, None
        row.last_error = None
        row.context = {k: v for k, v in row.context.items() if k not in SECRET_KEYS}
        return "sent"
    row.last_error = error[:500]
    row.next_attempt_at = policy.next_attempt(row.attempts, now)
    if row.next_attempt_at is None:
        row.status = "failed"
        row.context = {k: v for k, v in row.context.items() if k not in SECRET_KEYS}
        return "failed"
    return "retry"
