"""What the API answers: the ``data`` (and ``meta``) of each route's envelope, as the API
document publishes them. The records themselves are made in ``registry.read`` and the
services; these models name their fields and types, and the schemathesis test holds the
answers to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from registry.disputes.models import STATES
from registry.events.models import COMPLAINT_CATEGORIES
from registry.read.public import SellerPublic


class Answer(BaseModel):
    """An answer's object: the fields named here, and possibly more."""

    model_config = ConfigDict(extra="allow")


class Shown(Answer):
    grade: str
    score: float | None
    risk_flags: list[str]
    demo: bool


class SellerRecord(SellerPublic):
    """A seller's record (``GET /api/v1/sellers/<id>``, ``/lookup``)."""

    model_config = ConfigDict(extra="allow")  # type: ignore[assignment]
    fulfillment: dict[str, Any] | None = None
    shown: Shown


class SearchHit(Answer):
    """A search result (an exact code, domain or URL match gives id, legal_name, match)."""

    id: str
    legal_name: str | None
    match: str | None = None
    grade: str | None = None
    verified: bool | None = None
    province: str | None = None
    city: str | None = None
    score: float | None = None
    risk_flags: list[str] = []
    demo: bool | None = None
    store_names: list[str] = []
    highlights: dict[str, Any] = {}


class Suggestion(Answer):
    text: str
    id: str


class ReportMatch(Answer):
    seller_id: str
    reports: int
    snippets: list[str]


class ScorePoint(Answer):
    computed_at: datetime
    value: float
    grade: str
    display_grade: str
    version: int


class BatchResult(Answer):
    """One record's result, by its line (CSV and JSON Lines) or position (JSON array)."""

    line: int
    status: Literal["created", "updated", "unchanged", "rejected"]
    errors: dict[str, Any] | None = None
    event_id: int | None = None


class BatchSummary(Answer):
    created: int
    updated: int
    unchanged: int
    rejected: int


class EventChanged(Answer):
    event_id: int
    resolution: str | None
    lifted_at: datetime | None
    ends_at: datetime | None
    summary: str | None


class StoreMapped(Answer):
    store: str
    seller: str
    updated_at: datetime


class Deleted(Answer):
    deleted: Literal[True]
    id: str | None = None
    store: str | None = None


class ComplaintFiled(Answer):
    id: str
    status: str
    token: str
    follow_url: str


class ComplaintPublic(Answer):
    """A complaint as anyone may see it: no text before a moderator accepted it."""

    id: str
    seller: str
    category: Literal[COMPLAINT_CATEGORIES]  # type: ignore[valid-type]
    status: str
    status_reason: str | None
    verification: str | None
    created_at: datetime
    narrative: str | None
    merchant_reply: str | None
    replied_at: datetime | None
    reply_late: bool
    outcome: str | None
    reply_url: str | None = None


class ComplaintCase(ComplaintPublic):
    """A complaint as a moderator sees it (never a digest)."""

    contact: str | None
    complainant_name: str | None
    order_ref: str | None
    amount: str | None
    moderation_due_at: datetime | None
    reply_due_at: datetime | None
    updated_at: datetime | None


class DomainState(Answer):
    domain: str
    state: str
    token: str | None = None
    publish_at: str | None = None
    instructions: str | None = None


class Statement(Answer):
    token: str
    jti: str
    issued_at: datetime
    expires_at: datetime
    jwks: str
    revocations: str


class Revoked(Answer):
    jti: str
    sub: str
    revoked_at: datetime
    reason: str | None
    expires_at: datetime


class Subscription(Answer):
    id: str
    url: str
    sellers: list[str]
    region: str | None
    category: str | None
    active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    secret: str | None = None


class Attempt(Answer):
    at: datetime
    status_code: int | None
    latency_ms: float | None
    error: str | None
    next_attempt_at: datetime | None


class DeliveryRecord(Answer):
    event: str
    type: str
    status: str
    attempts: list[Attempt]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DisputeRecord(Answer):
    """A dispute, as its filer and the record's source see it."""

    id: str
    kind: str
    event_id: int
    status: Literal[STATES]  # type: ignore[valid-type]
    statement: str | None
    filed_at: datetime
    decided_at: datetime | None
    reason: str | None
    queue: str | None = None
    filed_by: str | None = None
    decided_by: str | None = None


class SiteReportCount(Answer):
    """A domain that consumers reported and no registered seller is bound to."""

    domain: str
    registered: Literal[False]
    reports: int
    categories: dict[str, int]
    first_seen: datetime
    last_seen: datetime


class EvidenceFile(Answer):
    """One file a party attached (its bytes are a download of their own)."""

    id: str
    party: Literal["consumer", "merchant"]
    type: Literal["image/jpeg", "image/png", "application/pdf"]
    size: int
    sha256: str
    created_at: datetime


class ClaimCode(Answer):
    """A one-time code a merchant account claims the seller with (shown once)."""

    code: str
    seller: str
    expires_at: datetime
