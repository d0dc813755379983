"""Configured feeds and their runs: add, list, remove, what is due, and applying a body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlmodel import Session

from ..core.errors import Conflict, NotFound, RegistryError, ValidationFailed
from ..core.payload import LIMITS, Limits
from ..core.types import utcnow
from ..journal import Change, record
from ..registration.importing import parse_batch
from .kinds import FORMATS, KINDS
from .models import Feed, FeedRun

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
OUTCOMES = ("applied", "not_modified", "failed")
STATUSES = ("created", "updated", "unchanged", "rejected")


def actor_of(feed: Feed) -> str:
    """Who a feed's records are from: its name, as a token of its role would be."""
    return f"{feed.role}:{feed.name}"


def _where(url: str) -> str:
    """A URL without its path and query, for the audit log (a query may carry a key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{'' if parts.port is None else f':{parts.port}'}"


class FeedService:
    """Feeds on behalf of an operator (the caller commits)."""

    def __init__(self, session: Session, actor: str = "cli", now: datetime | None = None):
        self.session = session
        self.actor = actor
        self.now = now or utcnow()

    def add(
        self, name: str, url: str, kind: str, fmt: str, role: str, interval_seconds: int = 3600
    ) -> Feed:
        errors = {}
        if not _NAME.fullmatch(name):
            errors["name"] = "1-64 lower-case letters, digits, '.', '_' or '-'"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
            errors["url"] = "an http(s) URL of at most 2000 characters"
        elif parts.username is not None or parts.password is not None:
            errors["url"] = "no credentials in the URL"
        if kind not in KINDS:
            errors["kind"] = f"one of {', '.join(KINDS)}"
        elif role not in KINDS[kind].roles:
            errors["token_role"] = f"{kind} are applied as {' or '.join(KINDS[kind].roles)}"
        if fmt not in FORMATS:
            errors["format"] = f"one of {', '.join(FORMATS)}"
        if not 60 <= interval_seconds <= 7 * 86400:
            errors["interval"] = "between 60 seconds and 7 days"
        if errors:
            raise ValidationFailed("feed refused", errors)
        if self.get(name, missing_ok=True) is not None:
            raise Conflict(f"a feed named {name!r} exists; remove it first")
        feed = Feed(
            name=name,
            url=url,
            kind=kind,
            format=fmt,
            role=role,
            interval_seconds=interval_seconds,
            next_run_at=self.now,
        )
        self.session.add(feed)
        self.session.flush()
        shown = {"kind": kind, "format": fmt, "role": role, "url": _where(url)}
        record(self.session, [Change(self.actor, "feed.add", "feed", name, None, shown)])
        return feed

    def get(self, name: str, missing_ok: bool = False) -> Feed | None:
        feed = self.session.execute(select(Feed).where(Feed.name == name)).scalar_one_or_none()
        if feed is None and not missing_ok:
            raise NotFound(f"no feed named {name!r}")
        return feed

    def remove(self, name: str) -> None:
        """Forget a feed and its runs; the records it brought stay (they are its source's)."""
        feed = self.get(name)
        assert feed is not None
        self.session.execute(delete(FeedRun).where(FeedRun.feed_id == feed.id))
        self.session.delete(feed)
        record(self.session, [Change(self.actor, "feed.remove", "feed", name, None, None)])

    def feeds(self) -> list[Feed]:
        return list(self.session.execute(select(Feed).order_by(Feed.name)).scalars())

    def due(self, names: tuple[str, ...] = ()) -> list[Feed]:
        """The feeds whose time has come (or those named, whenever it is)."""
        query = select(Feed).order_by(Feed.next_run_at, Feed.id)
        query = (
            query.where(Feed.name.in_(names))
            if names
            else query.where(Feed.next_run_at <= self.now)
        )
        return list(self.session.execute(query).scalars())

    def runs(self, per_feed: int = 10) -> dict[int, list[FeedRun]]:
        """Each feed's last runs, newest first."""
        rank = (
            func.row_number()
            .over(
                partition_by=FeedRun.feed_id,
                order_by=(FeedRun.started_at.desc(), FeedRun.id.desc()),
            )
            .label("rank")
        )
        inner = select(FeedRun.id, rank).subquery()
        ids = select(inner.c.id).where(inner.c.rank <= per_feed)
        out: dict[int, list[FeedRun]] = {}
        for run in self.session.execute(
            select(FeedRun)
            .where(FeedRun.id.in_(ids))
            .order_by(FeedRun.started_at.desc(), FeedRun.id.desc())
        ).scalars():
            out.setdefault(run.feed_id, []).append(run)
        return out

    def apply(
        self, feed: Feed, body: bytes, charset: str | None, limits: Limits = LIMITS
    ) -> dict[str, Any]:
        """Apply a fetched body as the push route applies a batch; return the counts.

        Every record is read before any is written: a body refused as a whole (unreadable,
        too many records) raises and writes nothing; a bad record is rejected with its line.
        """
        kind = KINDS[feed.kind]
        records = list(
            parse_batch(body, feed.format, charset, canonical=kind.canonical, limits=limits)
        )
        counts: dict[str, Any] = dict.fromkeys(STATUSES, 0)
        rejected = []
        for result in kind.apply(self.session, actor_of(feed), feed.role, records):
            counts[result.status] += 1
            if result.status == "rejected" and len(rejected) < 5:
                rejected.append(result.to_dict())
        counts["errors"] = rejected
        return counts

    def finish(
        self,
        feed: Feed,
        *,
        started_at: datetime,
        duration_ms: int,
        outcome: str,
        http_status: int | None = None,
        size: int = 0,
        counts: Mapping[str, Any] | None = None,
        error: str | None = None,
        validators: tuple[str | None, str | None] | None = None,
    ) -> FeedRun:
        """Record a run and when the feed is due next; keep the validators of an applied body."""
        counts = counts or {}
        run = FeedRun(
            feed_id=feed.id,  # type: ignore[arg-type]
            started_at=started_at,
            duration_ms=duration_ms,
            outcome=outcome,
            http_status=http_status,
            bytes=size,
            error=None if error is None else error[:1000],
            **{s: int(counts.get(s, 0)) for s in STATUSES},
        )
        self.session.add(run)
        if validators is not None:
            feed.etag, feed.last_modified = validators
        feed.next_run_at = self.now + timedelta(seconds=feed.interval_seconds)
        self.session.add(feed)
        self.session.flush()
        return run


def refused(exc: Exception) -> str:
    """What a run records of an error: the domain's message, or the exception's."""
    if isinstance(exc, RegistryError):
        line = exc.details.get("line") if isinstance(exc.details, dict) else None
        return exc.message + (f" (line {line})" if line else "")
    return str(exc) or type(exc).__name__
