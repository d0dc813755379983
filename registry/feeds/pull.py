"""One pull of the due feeds: fetch each without a lock, then apply it under the write lock.

The fetch is conditional (``If-None-Match`` / ``If-Modified-Since`` from the last body
applied), bounded (connect and read timeouts, a total deadline, a body size limit), retried
with exponential back-off and jitter (urllib3's ``Retry`` on the guarded adapter), and goes
through the outbound address guard. Only then is a writing session opened: the database's
write lock is never held while a remote server takes its time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session
from urllib3.util.retry import Retry

from ..core.deadline import current_deadline
from ..core.outbound import HttpClient, OutboundError
from ..core.types import utcnow
from .models import Feed
from .service import FeedService, refused

ACCEPT = "text/csv, application/x-ndjson, application/json;q=0.9, */*;q=0.1"


class _DeadlineRetry(Retry):
    """Retry whose waits end with the call's total deadline (registry.core.deadline): a
    back-off or a ``Retry-After`` never sleeps past it."""

    def sleep(self, response: Any = None) -> None:
        deadline = current_deadline()
        if deadline is None:
            super().sleep(response)
            return
        wait = self.get_retry_after(response) if response is not None else None
        if wait is None or not self.respect_retry_after_header:
            wait = self.get_backoff_time()
        time.sleep(max(0.0, min(wait, deadline.remaining())))


def feed_retries(total: int = 3) -> Retry:
    """Retries of a feed's GET: failed connections and 429/5xx answers, waiting 0.5 s, 1 s,
    2 s... (at most 8 s, plus up to 0.5 s of jitter so that feeds do not retry in step), or
    what ``Retry-After`` asks; the last answer is then reported as it was."""
    return _DeadlineRetry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=0.5,
        backoff_max=8.0,
        backoff_jitter=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


@dataclass(frozen=True)
class Due:
    """What the fetch needs of a feed, read before the lock is taken."""

    id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None

    @classmethod
    def of(cls, feed: Feed) -> Due:
        return cls(feed.id, feed.name, feed.url, feed.etag, feed.last_modified)  # type: ignore[arg-type]


@dataclass
class Fetched:
    status: int | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None
    error: str | None = None


def fetch(http: HttpClient, due: Due, *, deadline: float, max_bytes: int) -> Fetched:
    """GET a feed conditionally; an error is returned in ``Fetched.error``, never raised."""
    headers = {"Accept": ACCEPT}
    if due.etag:
        headers["If-None-Match"] = due.etag
    if due.last_modified:
        headers["If-Modified-Since"] = due.last_modified
    try:
        response = http.get(due.url, headers=headers, deadline=deadline, max_bytes=max_bytes)
    except OutboundError as exc:
        return Fetched(status=getattr(exc, "status", None), error=f"{exc.code}: {exc.message}")
    except ValueError as exc:  # not an http(s) URL
        return Fetched(error=str(exc))
    params = dict(
        p.strip().partition("=")[::2]
        for p in response.headers.get("Content-Type", "").split(";")[1:]
    )
    return Fetched(
        status=response.status,
        body=response.body,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        charset=params.get("charset", "").strip('"') or None,
    )


def pull(
    due: list[Due],
    http: HttpClient,
    writer: Callable[[], AbstractContextManager[Session]],
    *,
    deadline: float,
    max_bytes: int,
    now: Callable[[], datetime] = utcnow,
) -> list[dict[str, Any]]:
    """Fetch and apply each due feed, one transaction per feed; return each run's summary."""
    summaries = []
    for feed in due:
        started, clock = now(), time.monotonic()
        fetched = fetch(http, feed, deadline=deadline, max_bytes=max_bytes)
        with writer() as session:
            summaries.append(_apply(session, feed, fetched, started, clock, now()))
    return summaries


def _apply(
    session: Session, due: Due, fetched: Fetched, started: datetime, clock: float, at: datetime
) -> dict[str, Any]:
    service = FeedService(session, actor=f"feed:{due.name}", now=at)
    feed = session.get(Feed, due.id)
    if feed is None:  # removed while it was fetched
        return {"feed": due.name, "outcome": "removed"}
    outcome, counts, error, validators = "failed", None, fetched.error, None
    if error is None and fetched.status == 304:
        outcome = "not_modified"
    elif error is None:
        try:
            counts = service.apply(feed, fetched.body, fetched.charset)
            outcome, validators = "applied", (fetched.etag, fetched.last_modified)
            rejected = counts.get("errors") or []
            if rejected:
                error = "; ".join(
                    f"line {r['line']}: {r.get('errors') or r.get('error')}" for r in rejected
                )
        except Exception as exc:  # nothing of a refused body stays written
            session.rollback()
            feed = session.get(Feed, due.id)
            assert feed is not None
            error, counts = refused(exc), None
    run = service.finish(
        feed,
        started_at=started,
        duration_ms=int((time.monotonic() - clock) * 1000),
        outcome=outcome,
        http_status=fetched.status,
        size=len(fetched.body),
        counts=counts,
        error=error,
        validators=validators,
    )
    session.commit()
    return {
        "feed": due.name,
        "outcome": run.outcome,
        "http_status": run.http_status,
        **{s: getattr(run, s) for s in ("created", "updated", "unchanged", "rejected")},
        "error": run.error,
        "duration_ms": run.duration_ms,
    }
