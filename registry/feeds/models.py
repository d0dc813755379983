"""Pulled feeds: a list a regulator or platform publishes at a URL, and each run's record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow


class Feed(SQLModel, table=True):
    """A configured feed: what to fetch, how to read it, and as whom to apply it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)  # the submitter its records are from
    url: str = Field(max_length=2000)
    kind: str = Field(max_length=32)  # a key of registry.feeds.kinds.KINDS
    format: str = Field(max_length=8)  # csv, json or jsonl
    role: str = Field(max_length=16)  # the token role its records are applied with
    interval_seconds: int = Field(default=3600)
    # The validators of the last body applied, sent back so an unchanged list costs a 304.
    etag: str | None = Field(default=None, max_length=256)
    last_modified: str | None = Field(default=None, max_length=64)
    next_run_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedRun(SQLModel, table=True):
    """One fetch of a feed and what applying it did."""

    __tablename__ = "feed_run"
    __table_args__ = (Index("ix_feed_run_feed_started", "feed_id", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int = Field(default=0)
    outcome: str = Field(max_length=16)  # applied, not_modified or failed
    http_status: int | None = Field(default=None)
    bytes: int = Field(default=0)
    created: int = Field(default=0)
    updated: int = Field(default=0)
    unchanged: int = Field(default=0)
    rejected: int = Field(default=0)
    error: str | None = Field(default=None, max_length=1000)
