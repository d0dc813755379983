"""Orders a platform confirms: a complaint naming a confirmed order of its seller becomes
purchase-verified, whether it was filed before the confirmation or after."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..complaints.purchases import verify_purchases
from ..core.db import bulk_insert_ids, lock_for_write
from ..core.errors import ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import max_length, utcnow
from ..journal import Change
from ..registration.importing import RawRecord
from ..registration.validation import parse_datetime
from .fulfillment_models import OrderConfirmation
from .service import FUTURE_TOLERANCE, EventResult, in_chunks, resolve_sellers
from .stores import StoreService

FIELDS = {"order_ref", "seller", "store", "buyer_ref", "confirmed_at"}


def validate_confirmation(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validate one confirmation into OrderConfirmation columns (``seller_ref`` to resolve)."""
    errors: dict[str, str] = {}
    unknown = sorted(str(k)[:40] for k in set(data) - FIELDS)[:20]
    errors.update({key: "not a field of an order confirmation" for key in unknown})
    row: dict[str, Any] = {}
    for key in ("order_ref", "buyer_ref"):
        raw = data.get(key)
        value = (clean_text(str(raw)) or None) if raw not in (None, "") else None
        limit = max_length(OrderConfirmation, key)
        if value is not None and len(value) > limit:
            errors[key] = f"longer than {limit} characters"
        row[key] = value
    if row["order_ref"] is None and "order_ref" not in errors:
        errors["order_ref"] = "order_ref is required"
    seller_ref = clean_text(str(data.get("seller") or ""))
    if not seller_ref:
        errors["seller"] = "seller (public id or credit code) or store is required"
    elif len(seller_ref) > 64:
        errors["seller"] = "longer than 64 characters"
    if data.get("confirmed_at") in (None, ""):
        errors["confirmed_at"] = "confirmed_at is required"
    else:
        try:
            row["confirmed_at"] = parse_datetime(data["confirmed_at"])
        except ValueError as exc:
            errors["confirmed_at"] = str(exc)
        else:
            if row["confirmed_at"] > now + FUTURE_TOLERANCE:
                errors["confirmed_at"] = "confirmed_at is in the future"
    if errors:
        raise ValidationFailed("order confirmation rejected", errors)
    row["seller_ref"] = seller_ref
    return row


class ConfirmationService:
    """Records a platform's order confirmations; the caller commits."""

    def __init__(
        self, session: Session, actor: str, role: str = "platform", now: datetime | None = None
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now or utcnow()
        self.stores = StoreService(session, actor, now=self.now)

    def submit(self, records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[EventResult]:
        for chunk in in_chunks(records):
            yield from self._apply(chunk)

    def _apply(self, chunk: list[RawRecord]) -> list[EventResult]:
        named, results = self.stores.name_sellers(chunk)
        valid: list[tuple[int, dict[str, Any]]] = []
        for record in named:
            try:
                valid.append((record.line, validate_confirmation(record.data, self.now)))
            except ValidationFailed as exc:
                results.append(EventResult(record.line, "rejected", errors=exc.details))
        sellers = resolve_sellers(self.session, {row["seller_ref"] for _, row in valid})
        rows: list[tuple[int, dict[str, Any]]] = []
        for line, row in valid:
            sid = sellers.get(row.pop("seller_ref"))
            if sid is None:
                results.append(EventResult(line, "rejected", errors={"seller": "no such seller"}))
            else:
                row["seller_id"] = sid
                rows.append((line, row))
        lock_for_write(self.session)  # before looking, as for fulfillment days
        known = {
            (c.seller_id, c.order_ref): c
            for c in self.session.execute(
                select(OrderConfirmation).where(
                    OrderConfirmation.source == self.actor,
                    OrderConfirmation.order_ref.in_(sorted({r["order_ref"] for _, r in rows})),
                )
            ).scalars()
        }
        new: dict[tuple, tuple[int, dict[str, Any]]] = {}
        changes: list[Change] = []
        for line, row in rows:
            key = (row["seller_id"], row["order_ref"])
            existing = known.get(key)
            if key in new or existing is None:
                if key in new:  # the same order twice in one batch: the first holds
                    results.append(EventResult(line, "unchanged"))
                    continue
                row.update(source=self.actor, created_at=self.now)
                new[key] = (line, row)
                continue
            diff = {
                k: (getattr(existing, k), row[k])
                for k in ("buyer_ref", "confirmed_at")
                if row[k] is not None and getattr(existing, k) != row[k]
            }
            if diff:
                for k, (_old, value) in diff.items():
                    setattr(existing, k, value)
                changes.append(
                    Change(
                        self.actor,
                        "order_confirmation.update",
                        "order_confirmation",
                        str(existing.id),
                        {k: v[0] for k, v in diff.items()},
                        {k: v[1] for k, v in diff.items()},
                    )
                )
            results.append(EventResult(line, "updated" if diff else "unchanged", existing.id))
        inserted = [row for _, row in new.values()]
        ids = bulk_insert_ids(self.session, OrderConfirmation, inserted)
        for (line, _row), cid in zip(new.values(), ids):
            results.append(EventResult(line, "created", cid))
        if ids:
            changes.append(
                Change(
                    self.actor,
                    "order_confirmation.create_batch",
                    "order_confirmation_batch",
                    f"{ids[0]}-{ids[-1]}",
                    None,
                    {"orders": len(ids)},
                )
            )
        self.session.flush()
        journal.record(self.session, changes, at=self.now)
        verify_purchases(self.session, self.actor, new, self.now)
        results.sort(key=lambda r: r.line)
        return results
