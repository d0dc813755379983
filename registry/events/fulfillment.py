"""Record a platform's fulfillment data: per-order events and per seller per day aggregates.

A per-order record is an event (``EventService``); an aggregate is one ``FulfillmentDay`` per
source, seller and day, scored as one event per non-zero count (SCORING.md, "Aggregates").
A re-sent day replaces that source's day (its events are replaced, and the seller rescored
from scratch); another source's day of the same seller is another record. Either may name
the seller by the platform's own store id (``registry.events.stores``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

import scoring

from .. import journal
from ..core.db import bulk_insert, bulk_insert_ids, lock_for_write, rows_by_keys
from ..core.errors import ValidationFailed
from ..core.identifiers import clean_text
from ..core.shapes import validate
from ..core.types import utcnow
from ..journal import Change, ChangeKind
from ..registration.importing import RawRecord
from .fulfillment_models import AGGREGATE_KINDS, FulfillmentDay
from .fulfillment_shapes import MAX_DAY_COUNT, FulfillmentAggregate, parse_count
from .models import Event
from .service import EventResult, EventService, in_chunks, resolve_sellers
from .stores import StoreService

PER_ORDER_KINDS = frozenset({scoring.ORDER, *scoring.FULFILLMENT_KINDS})
# Each of these counts is of the day's completed orders (counted by order date, as Amazon
# counts its defect rate), so it cannot exceed them; cancelled orders were never completed.
WITHIN_ORDERS = (
    "late_shipments",
    "non_delivery",
    "not_as_described",
    "disputes_opened",
    "chargebacks",
)
__all__ = ["MAX_DAY_COUNT", "FulfillmentService", "parse_count", "validate_aggregate"]


def is_aggregate(data: dict[str, Any]) -> bool:
    """Tell an aggregate (it has a ``day``) from a per-order event."""
    return "day" in data


def validate_aggregate(data: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate one daily aggregate into FulfillmentDay columns (``seller_ref`` to resolve):
    its fields through ``FulfillmentAggregate``, then the rules that join them."""
    record, errors = validate(FulfillmentAggregate, data)
    if record is None:
        raise ValidationFailed("aggregate rejected", errors)
    row: dict[str, Any] = {key: getattr(record, key) or 0 for key in AGGREGATE_KINDS}
    if not record.seller:
        errors["seller"] = "seller (public id or credit code) or store is required"
    if record.day > today:
        errors["day"] = "day is in the future"
    for key in WITHIN_ORDERS:
        if row[key] > row["orders"]:
            errors[key] = f"more than the day's {row['orders']} orders"
    if row["disputes_lost"] > row["disputes_opened"]:
        errors["disputes_lost"] = "more than the disputes opened"
    if errors:
        raise ValidationFailed("aggregate rejected", errors)
    row.update(day=record.day, external_ref=record.external_ref, seller_ref=record.seller)
    return row


def day_events(day_row: dict[str, Any], source: str, now: datetime) -> list[dict[str, Any]]:
    """The event rows a day is scored as: one per non-zero count, at the day's start."""
    at = datetime.combine(day_row["day"], time(0), UTC)
    return [
        {
            "seller_id": day_row["seller_id"],
            "kind": kind,
            "occurred_at": at,
            "severity": "minor",
            "verification": "platform",
            "source": source,
            "count": day_row[key],
            "aggregate_id": day_row["id"],
            "created_at": now,
        }
        for key, kind in AGGREGATE_KINDS.items()
        if day_row[key]
    ]


class FulfillmentService:
    """Records a platform's fulfillment batch; the caller commits."""

    def __init__(self, session: Session, actor: str, role: str, now: datetime | None = None):
        self.session = session
        self.actor = actor
        self.role = role
        self.now = now or utcnow()
        self.events = EventService(session, actor=actor, role=role, now=self.now)
        self.stores = StoreService(session, actor, now=self.now)

    def submit(self, records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[EventResult]:
        """Apply the records a chunk at a time; the sellers whose days changed are marked
        once per batch (a batch's days name the same sellers chunk after chunk)."""
        added: dict[int, None] = {}
        replaced: dict[int, None] = {}
        for chunk in in_chunks(records):
            yield from self._apply(chunk, added, replaced)
        journal.record(
            self.session,
            at=self.now,
            # A replaced day removed scored rows: those sellers are rescored from scratch.
            changed={ChangeKind.EVENT: list(added), ChangeKind.EVENT_UPDATE: list(replaced)},
        )

    def _apply(
        self, chunk: list[RawRecord], added: dict[int, None], replaced: dict[int, None]
    ) -> list[EventResult]:
        named, results = self.stores.name_sellers(chunk)
        orders: list[RawRecord] = []
        days: list[RawRecord] = []
        for record in named:
            if is_aggregate(record.data):
                days.append(record)
            elif clean_text(str(record.data.get("kind") or "")) not in PER_ORDER_KINDS:
                results.append(
                    EventResult(
                        record.line,
                        "rejected",
                        errors={
                            "kind": "a fulfillment record is an order or a fulfillment defect, "
                            "or a daily aggregate with its day"
                        },
                    )
                )
            else:
                orders.append(record)
        if orders:
            results.extend(self.events.submit(orders))
        if days:
            results.extend(self._apply_days(days, added, replaced))
        results.sort(key=lambda r: r.line)
        return results

    def _existing(self, valid: list[tuple[int, dict[str, Any]]]) -> list[FulfillmentDay]:
        """This source's rows of the same (seller, day) or the same record id, each looked
        up by its own key in the source's unique indexes."""
        mine = FulfillmentDay.source == self.actor
        by_day = rows_by_keys(
            self.session,
            FulfillmentDay,
            ("seller_id", "day"),
            ((row["seller_id"], row["day"]) for _, row in valid),
            mine,
        )
        by_ref = rows_by_keys(
            self.session,
            FulfillmentDay,
            ("external_ref",),
            ((row["external_ref"],) for _, row in valid if row["external_ref"]),
            mine,
        )
        return list({row.id: row for row in (*by_day, *by_ref)}.values())

    def _apply_days(
        self, records: list[RawRecord], added: dict[int, None], changed: dict[int, None]
    ) -> list[EventResult]:
        results: list[EventResult] = []
        valid: list[tuple[int, dict[str, Any]]] = []
        today = self.now.date()
        for record in records:
            try:
                valid.append((record.line, validate_aggregate(record.data, today)))
            except ValidationFailed as exc:
                results.append(EventResult(record.line, "rejected", errors=exc.details))
        sellers = resolve_sellers(self.session, {row["seller_ref"] for _, row in valid})
        resolved = []
        for line, row in valid:
            sid = sellers.get(row.pop("seller_ref"))
            if sid is None:
                results.append(EventResult(line, "rejected", errors={"seller": "no such seller"}))
                continue
            row["seller_id"] = sid
            resolved.append((line, row))
        if not resolved:
            return results
        # Before looking: a concurrent batch with the same day must wait for this one's
        # commit, then find its day, rather than insert it twice.
        lock_for_write(self.session)
        found = self._existing(resolved)
        by_key: dict[tuple, Any] = {(d.seller_id, d.day): d for d in found}
        by_ref: dict[str, Any] = {d.external_ref: d for d in found if d.external_ref}
        new: dict[tuple, dict[str, Any]] = {}  # this batch's new days, by key
        new_lines: dict[tuple, int] = {}
        replaced: dict[int, FulfillmentDay] = {}
        changes: list[Change] = []
        for line, row in resolved:
            key = (row["seller_id"], row["day"])
            ref = row["external_ref"]
            owner = by_ref.get(ref) if ref else None
            if owner is not None and (owner.seller_id, owner.day) != key:
                results.append(
                    EventResult(
                        line,
                        "rejected",
                        errors={"external_ref": "already used for another seller or day"},
                    )
                )
                continue
            pending = new.get(key)
            if pending is not None:  # the same day twice in one batch: the later one holds
                same = all(pending[k] == row[k] for k in AGGREGATE_KINDS)
                pending.update({k: v for k, v in row.items() if v is not None})
                if ref:
                    by_ref[ref] = _Key(key)
                results.append(EventResult(line, "unchanged" if same else "updated"))
                continue
            existing = by_key.get(key)
            if existing is None:
                row.update(source=self.actor, created_at=self.now, updated_at=self.now)
                new[key], new_lines[key] = row, line
                if ref:
                    by_ref[ref] = _Key(key)
                continue
            diff = {
                k: (getattr(existing, k), row[k])
                for k in (*AGGREGATE_KINDS, "external_ref")
                if getattr(existing, k) != row[k] and (k != "external_ref" or row[k])
            }
            if not diff:
                results.append(EventResult(line, "unchanged", existing.id))
                continue
            for k, (_old, value) in diff.items():
                setattr(existing, k, value)
            existing.updated_at = self.now
            if ref:
                by_ref[ref] = existing
            replaced[existing.id] = existing  # type: ignore[index]
            changes.append(
                Change(
                    self.actor,
                    "fulfillment_day.update",
                    "fulfillment_day",
                    str(existing.id),
                    {k: v[0] for k, v in diff.items()},
                    {k: v[1] for k, v in diff.items()},
                )
            )
            results.append(EventResult(line, "updated", existing.id))
        self.session.flush()
        if replaced:
            self.session.execute(delete(Event).where(Event.aggregate_id.in_(list(replaced))))
        rows = list(new.values())
        ids = bulk_insert_ids(self.session, FulfillmentDay, rows)
        for key, day_id in zip(new, ids):
            results.append(EventResult(new_lines[key], "created", day_id))
        if rows:
            changes.append(
                Change(
                    self.actor,
                    "fulfillment_day.create_batch",
                    "fulfillment_day_batch",
                    f"{ids[0]}-{ids[-1]}",
                    None,
                    {"days": len(rows), "orders": sum(r["orders"] for r in rows)},
                )
            )
        scored = [
            e
            for d in [*rows, *({**_columns(d), "id": d.id} for d in replaced.values())]
            for e in day_events(d, self.actor, self.now)
        ]
        bulk_insert(self.session, Event, scored)
        journal.record(self.session, changes, at=self.now)
        added.update(dict.fromkeys(r["seller_id"] for r in rows))
        changed.update(dict.fromkeys(d.seller_id for d in replaced.values()))
        return results


class _Key:
    """An external_ref taken by a day of this batch not yet inserted."""

    def __init__(self, key: tuple) -> None:
        self.seller_id, self.day = key


def _columns(day: FulfillmentDay) -> dict[str, Any]:
    return {
        "seller_id": day.seller_id,
        "day": day.day,
        **{k: getattr(day, k) for k in AGGREGATE_KINDS},
    }
