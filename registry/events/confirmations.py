"""Orders a platform confirms: a complaint naming a confirmed order of its seller becomes
purchase-verified, whether it was filed before the confirmation or after."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session

from .. import journal
from ..complaints.purchases import verify_purchases
from ..core.db import bulk_insert_ids, lock_for_write, rows_by_keys
from ..core.errors import ValidationFailed
from ..core.shapes import validate
from ..core.types import utcnow
from ..journal import Change
from ..registration.importing import RawRecord
from .fulfillment_models import OrderConfirmation
from .fulfillment_shapes import OrderConfirmationRecord
from .service import FUTURE_TOLERANCE, EventResult, in_chunks, resolve_sellers
from .stores import StoreService


def validate_confirmation(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validate one confirmation into OrderConfirmation columns (``seller_ref`` to resolve):
    its fields through ``OrderConfirmationRecord``, then the seller and the date."""
    record, errors = validate(OrderConfirmationRecord, data)
    if record is None:
        raise ValidationFailed("order confirmation rejected", errors)
    if not record.seller:
        errors["seller"] = "seller (public id or credit code) or store is required"
    if record.confirmed_at > now + FUTURE_TOLERANCE:
        errors["confirmed_at"] = "confirmed_at is in the future"
    if errors:
        raise ValidationFailed("order confirmation rejected", errors)
    return {
        "order_ref": record.order_ref,
        "buyer_ref": record.buyer_ref,
        "confirmed_at": record.confirmed_at,
        "seller_ref": record.seller,
    }


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
            for c in rows_by_keys(
                self.session,
                OrderConfirmation,
                ("seller_id", "order_ref"),
                ((r["seller_id"], r["order_ref"]) for _, r in rows),
                OrderConfirmation.source == self.actor,
            )
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
