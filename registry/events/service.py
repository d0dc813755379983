"""Record reputation events from platforms and regulators: validated, idempotent, audited."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

import scoring

from .. import journal
from ..core.db import bulk_insert_ids, lock_for_write
from ..core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..core.identifiers import clean_text, looks_like_uscc, normalize_identifier
from ..core.shapes import check
from ..core.types import max_length, utcnow
from ..journal import Change, ChangeKind
from ..privacy.gate import public_text, seller_names
from ..registration.importing import RawRecord
from ..registration.models import Identity, Seller
from .event_fields import AMENDABLE, ROLE_VERIFICATION, EventAmendment, EventRecord
from .models import COMPLAINT_CATEGORIES, FRAUD_TYPES, Event

SANCTION_KINDS = frozenset(
    k
    for k in scoring.EVENT_KINDS
    if k.startswith("sanction_")
    or k in {"abnormal_operations", "serious_illegal_list", "licence_revoked", "trading_ban"}
)
_MOMENTS = ("occurred_at", "ends_at", "lifted_at")
_REFERENCES = ("order_ref", "buyer_ref", "complainant_ref", "external_ref", "summary")
REGULATOR_ONLY = SANCTION_KINDS
FUTURE_TOLERANCE = timedelta(minutes=10)
SUMMARY_LIMIT = max_length(Event, "summary")
CHUNK = 2000
# What PATCH /api/v1/events/<id> may change.
# What a re-sent record may change (the public summary follows its original).
_MUTABLE = ("resolution", "lifted_at", "ends_at", "summary_original")


@dataclass
class EventResult:
    line: int
    status: str  # created | updated | unchanged | rejected
    event_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status}
        if self.event_id is not None:
            out["event_id"] = self.event_id
        if self.errors:
            out["errors"] = self.errors
        return out


def _choice(data, key, allowed, default, errors):
    value = clean_text(str(data.get(key) or "")) or default
    if value is not None and value not in allowed:
        errors[key] = f"{value!r} is not one of {', '.join(allowed)}"
    return value


def validate_event(data: dict[str, Any], role: str, now: datetime) -> dict[str, Any]:
    """Validate one event record into Event columns (``seller`` still to be resolved)."""
    record, errors = check(EventRecord, data)
    kind = record.kind
    if kind in REGULATOR_ONLY and role != "regulator":
        errors["kind"] = f"only a regulator may record {kind}"
    seller_ref = record.seller or record.code or ""
    if not seller_ref:
        errors["seller"] = "seller (public id) or code (credit code) is required"
    allowed = ROLE_VERIFICATION.get(role, ("unverified",))
    row: dict[str, Any] = {
        "kind": kind,
        "severity": record.severity,
        "verification": _choice(data, "verification", allowed, allowed[0], errors),
        "resolution": record.resolution,
        "category": None,
        **{key: getattr(record, key) for key in (*_MOMENTS, *_REFERENCES)},
    }
    fields = {"category": record.category}
    if kind == "complaint":
        row["category"] = _choice(fields, "category", COMPLAINT_CATEGORIES, None, errors)
    elif kind == "fraud_report":
        row["category"] = _choice(fields, "category", FRAUD_TYPES, "other", errors)
    if row["occurred_at"] is None and "occurred_at" not in errors:
        errors["occurred_at"] = "occurred_at is required"
    elif row["occurred_at"] and row["occurred_at"] > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = "occurred_at is in the future"
    if errors:
        raise ValidationFailed("event rejected", errors)
    row["seller_ref"] = seller_ref
    return row


def resolve_sellers(session: Session, refs: set[str]) -> dict[str, int]:
    """Map each reference (a public id or a credit code) to its seller's id; unknown ones
    are absent."""
    out: dict[str, int] = {}
    codes = {}
    for ref in refs:
        if looks_like_uscc(ref):
            try:
                codes[normalize_identifier("cn_uscc", ref)] = ref
            except ValidationFailed:
                pass
    ids = [r for r in refs if r not in codes.values()]
    if ids:
        out.update(
            (public_id, sid)
            for public_id, sid in session.execute(
                select(Seller.public_id, Seller.id).where(Seller.public_id.in_(ids))
            )
        )
    if codes:
        for value, sid in session.execute(
            select(Identity.value, Identity.seller_id).where(
                Identity.scheme == "cn_uscc", Identity.value.in_(list(codes))
            )
        ):
            out[codes[value]] = sid
    return out


def in_chunks(records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[list[RawRecord]]:
    """The records CHUNK at a time, each numbered (a plain dict by its position)."""
    chunk: list[RawRecord] = []
    for i, record in enumerate(records, start=1):
        chunk.append(record if isinstance(record, RawRecord) else RawRecord(i, record))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class EventService:
    """Records events for the score; the caller commits."""

    def __init__(self, session: Session, actor: str, role: str, now: datetime | None = None):
        self.session = session
        self.actor = actor
        self.role = role
        self.now = now or utcnow()

    def submit(self, records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[EventResult]:
        for chunk in in_chunks(records):
            yield from self._apply(chunk)

    def _apply(self, chunk: list[RawRecord]) -> list[EventResult]:
        results: list[EventResult] = []
        valid: list[tuple[RawRecord, dict[str, Any]]] = []
        for record in chunk:
            if record.error:
                results.append(
                    EventResult(record.line, "rejected", errors={"record": record.error})
                )
                continue
            try:
                valid.append((record, validate_event(record.data, self.role, self.now)))
            except ValidationFailed as exc:
                results.append(EventResult(record.line, "rejected", errors=exc.details))
        sellers = resolve_sellers(self.session, {row["seller_ref"] for _, row in valid})
        refs = [row["external_ref"] for _, row in valid if row["external_ref"]]
        known = {}
        if refs:
            # A key names a record of this submitter only: another source's equal key is
            # another record, never a way to reach (and rewrite) that source's finding.
            known = {
                e.external_ref: e
                for e in self.session.execute(
                    select(Event).where(Event.source == self.actor, Event.external_ref.in_(refs))
                ).scalars()
            }
        with_text = {
            sellers[r["seller_ref"]]
            for _, r in valid
            if r["summary"] and r["seller_ref"] in sellers
        }
        names = seller_names(self.session, with_text)
        new_rows, changed_sellers, edited_sellers, changes, pending = [], [], [], [], []
        for record, row in valid:
            sid = sellers.get(row.pop("seller_ref"))
            if sid is None:
                results.append(
                    EventResult(record.line, "rejected", errors={"seller": "no such seller"})
                )
                continue
            shown = public_text(row.pop("summary"), limit=SUMMARY_LIMIT, keep=names.get(sid, ()))
            row["summary"], row["summary_original"] = shown.public, shown.original
            existing = known.get(row["external_ref"]) if row["external_ref"] else None
            if existing is not None:
                if existing.seller_id != sid or existing.kind != row["kind"]:
                    results.append(
                        EventResult(
                            record.line,
                            "rejected",
                            existing.id,
                            errors={"external_ref": "already used for another seller or kind"},
                        )
                    )
                    continue
                diff = {
                    k: (getattr(existing, k), row[k])
                    for k in _MUTABLE
                    if row[k] is not None and getattr(existing, k) != row[k]
                }
                if "summary_original" in diff:  # the public copy follows its original
                    diff["summary"] = (existing.summary, row["summary"])
                if not diff:
                    results.append(EventResult(record.line, "unchanged", existing.id))
                    continue
                for key, (_old, new) in diff.items():
                    setattr(existing, key, new)
                changes.append(
                    Change(
                        self.actor,
                        "event.update",
                        "event",
                        str(existing.id),
                        {k: v[0] for k, v in diff.items()},
                        {k: v[1] for k, v in diff.items()},
                    )
                )
                edited_sellers.append(sid)
                results.append(EventResult(record.line, "updated", existing.id))
                continue
            row.update(seller_id=sid, source=self.actor, created_at=self.now)
            if row["external_ref"]:
                known[row["external_ref"]] = Event(**row)  # a repeat inside this batch
            new_rows.append(row)
            pending.append(record.line)
        if new_rows:
            ids = bulk_insert_ids(self.session, Event, new_rows)
            for line, event_id, row in zip(pending, ids, new_rows):
                results.append(EventResult(line, "created", event_id))
                changed_sellers.append(row["seller_id"])
                if row["kind"] != scoring.ORDER:
                    # Orders are bulk volume: the audit keeps one summary entry per batch.
                    changes.append(
                        Change(
                            self.actor,
                            "event.create",
                            "event",
                            str(event_id),
                            None,
                            {k: v for k, v in row.items() if v is not None and k != "created_at"},
                        )
                    )
            orders = sum(1 for r in new_rows if r["kind"] == scoring.ORDER)
            if orders:
                changes.append(
                    Change(
                        self.actor,
                        "event.create_orders",
                        "event_batch",
                        f"{ids[0]}-{ids[-1]}",
                        None,
                        {"orders": orders},
                    )
                )
        self.session.flush()
        journal.record(
            self.session,
            changes,
            at=self.now,
            # An edited event (a resolution, a lifted sanction) invalidates the stored state.
            changed={ChangeKind.EVENT: changed_sellers, ChangeKind.EVENT_UPDATE: edited_sellers},
        )
        results.sort(key=lambda r: r.line)
        return results

    def amend(self, event_id: int, changes: EventAmendment) -> Event:
        """Change a recorded event: its own source may, and a regulator may change another
        source's record when it says why; audited either way. Returns the event."""
        lock_for_write(self.session)
        event = self.session.get(Event, event_id, with_for_update=True)
        if event is None:
            raise NotFound(f"no event {event_id}")
        own = event.source == self.actor
        if event.complaint_id is not None:
            raise Conflict(
                "this event follows a complaint: change it by moderating the complaint",
                {"complaint": "moderate the complaint instead"},
            )
        if not own and self.role != "regulator":
            raise Forbidden(
                "only the source that recorded this event, or a regulator, may change it"
            )
        reason = changes.reason
        if not own and not reason:
            raise ValidationFailed(
                "event not changed", {"reason": "required when changing another source's record"}
            )
        new: dict[str, Any] = {
            key: getattr(changes, key) for key in AMENDABLE if key in changes.model_fields_set
        }
        if "summary" in new:
            keep = seller_names(self.session, [event.seller_id])[event.seller_id]
            shown = public_text(new["summary"], limit=SUMMARY_LIMIT, keep=keep)
            new["summary"], new["summary_original"] = shown.public, shown.original
        diff = {k: (getattr(event, k), v) for k, v in new.items() if getattr(event, k) != v}
        if not diff:
            return event
        for key, (_old, value) in diff.items():
            setattr(event, key, value)
        extra = {} if own else {"on_behalf_of": event.source, "reason": reason}
        if own and reason:
            extra["reason"] = reason
        journal.record(
            self.session,
            [
                Change(
                    self.actor,
                    "event.update" if own else "event.amend",
                    "event",
                    str(event.id),
                    {k: v[0] for k, v in diff.items()},
                    {**{k: v[1] for k, v in diff.items()}, **extra},
                )
            ],
            at=self.now,
            changed={ChangeKind.EVENT_UPDATE: [event.seller_id]},
        )
        return event
