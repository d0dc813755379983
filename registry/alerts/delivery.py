"""Sending deliveries: read what is due, POST it signed without a transaction open, then
record the answer (the only moment the write lock is taken)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from .. import journal
from ..core.outbound import HttpClient, OutboundError
from ..core.sealing import SecretBox
from ..journal import Change
from .fanout import listening
from .models import AlertEvent, Delivery, DeliveryAttempt, Subscription
from .service import check_target
from .signing import HEADER, signature

SYSTEM_ACTOR = "system:alerts"
USER_AGENT = "merchant-registry-alerts/1"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter, for ``window`` after the delivery was made."""

    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    window: timedelta = timedelta(hours=24)
    #: failed attempts in a row (over all its deliveries) that disable a subscription
    disable_after: int = 30
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def next_attempt(self, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failures; None once the window is over."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempts - 1))
        # "Equal jitter": at least half the back-off, so retries never bunch up at zero.
        delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        at = now + timedelta(seconds=delay)
        return at if at <= created_at + self.window else None


@dataclass(frozen=True)
class Due:
    delivery_id: int
    subscription_id: int
    url: str
    sealed_secret: str
    attempts: int
    created_at: datetime
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict) -> bytes:
    """The bytes sent (and signed): the same for every retry of an event."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def due(session: Session, now: datetime, limit: int = 50) -> list[Due]:
    """Return the deliveries due at ``now``, oldest first (a read: no lock is taken)."""
    rows = session.execute(
        select(Delivery, Subscription.url, Subscription.secret_encrypted, AlertEvent.payload)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(AlertEvent, AlertEvent.id == Delivery.event_id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now, listening(now))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    ).all()
    return [
        Due(d.id, d.subscription_id, url, sealed, d.attempts, d.created_at, body_of(payload))
        for d, url, sealed, payload in rows
    ]


def send(
    http: HttpClient,
    item: Due,
    box: SecretBox,
    *,
    allow_private: bool = False,
    resolve: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
) -> Outcome:
    """POST one delivery, signed; never raises for what the receiver or the network does."""
    problem = check_target(item.url, allow_private=allow_private, resolve=resolve)
    if problem:  # the name may resolve elsewhere than when it was subscribed
        return Outcome(None, 0.0, f"url {problem}")
    try:
        secret = box.open(item.sealed_secret)
    except ValueError as exc:
        return Outcome(None, 0.0, str(exc))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: signature(secret, int(clock()), item.body),
    }
    started = time.monotonic()
    try:
        answer = http.post(item.url, item.body, headers)
    except OutboundError as exc:
        return Outcome(None, (time.monotonic() - started) * 1000, exc.message[:300])
    latency = (time.monotonic() - started) * 1000
    error = None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    return Outcome(answer.status, latency, error)


def record(
    session: Session, item: Due, outcome: Outcome, policy: RetryPolicy, now: datetime
) -> str | None:
    """Write the attempt and what follows from it; return the delivery's new status, or
    "disabled" when this failure disabled the subscription (None when the subscription was
    removed meanwhile). The caller commits."""
    delivery = session.get(Delivery, item.delivery_id)
    subscription = session.get(Subscription, item.subscription_id)
    if delivery is None or subscription is None or delivery.status != "pending":
        return None
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    next_at = None
    if outcome.ok:
        delivery.status, delivery.delivered_at = "delivered", now
        subscription.consecutive_failures = 0
    else:
        next_at = policy.next_attempt(delivery.attempts, delivery.created_at, now)
        if next_at is None:
            delivery.status = "failed"
        subscription.consecutive_failures += 1
    delivery.next_attempt_at = next_at
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
            next_attempt_at=next_at,
        )
    )
    if subscription.active and subscription.consecutive_failures >= policy.disable_after:
        disable(session, subscription, f"{policy.disable_after} failed attempts in a row", now)
        session.flush()
        return "disabled"
    session.flush()
    return delivery.status


def disable(session: Session, subscription: Subscription, reason: str, now: datetime) -> None:
    """Stop delivering to a subscription; what was still pending is given up."""
    subscription.active = False
    subscription.disabled_at, subscription.disabled_reason = now, reason
    session.execute(
        update(Delivery)
        .where(Delivery.subscription_id == subscription.id, Delivery.status == "pending")
        .values(status="failed", next_attempt_at=None)
    )
    journal.record(
        session,
        [
            Change(
                SYSTEM_ACTOR,
                "subscription.disable",
                "alert_subscription",
                subscription.public_id,
                {"active": True},
                {"active": False, "reason": reason},
            )
        ],
        at=now,
    )
