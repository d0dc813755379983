"""A platform's own store ids mapped to sellers: each platform keeps (and sees) only its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import NotFound, ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import max_length, utcnow
from ..journal import Change
from ..registration.importing import RawRecord
from ..registration.models import Seller
from .fulfillment_models import PlatformStore
from .service import EventResult, resolve_sellers

STORE_REF_LIMIT = max_length(PlatformStore, "store_ref")


@dataclass(frozen=True)
class StoreMapping:
    store: str
    seller: str  # the seller's public id
    updated_at: datetime

    def to_dict(self) -> dict:
        return {"store": self.store, "seller": self.seller, "updated_at": self.updated_at}


def clean_store_ref(raw: object) -> str:
    """Return a store id as kept, or raise ValueError."""
    value = clean_text(str(raw or ""))
    if not value:
        raise ValueError("a store id is required")
    if len(value) > STORE_REF_LIMIT:
        raise ValueError(f"longer than {STORE_REF_LIMIT} characters")
    return value


class StoreService:
    """The store mapping of one source (a platform token's actor); the caller commits."""

    def __init__(self, session: Session, source: str, now: datetime | None = None) -> None:
        self.session = session
        self.source = source
        self.now = now or utcnow()

    def _get(self, store_ref: str) -> PlatformStore | None:
        return self.session.execute(
            select(PlatformStore).where(
                PlatformStore.source == self.source, PlatformStore.store_ref == store_ref
            )
        ).scalar_one_or_none()

    def put(self, raw_store: object, seller_ref: str) -> tuple[StoreMapping, bool]:
        """Map a store id to a seller (``seller_ref``, as ``shapes.StoreMapping`` read it);
        return the mapping and whether it is new."""
        try:
            store_ref = clean_store_ref(raw_store)
        except ValueError as exc:
            raise ValidationFailed("store mapping rejected", {"store": str(exc)}) from None
        seller_id = resolve_sellers(self.session, {seller_ref}).get(seller_ref)
        if seller_id is None:
            raise ValidationFailed("store mapping rejected", {"seller": "no such seller"})
        lock_for_write(self.session)  # before looking: two PUTs of one id make one mapping
        existing = self._get(store_ref)
        created = existing is None
        if existing is None:
            existing = PlatformStore(
                source=self.source,
                store_ref=store_ref,
                seller_id=seller_id,
                created_at=self.now,
                updated_at=self.now,
            )
            self.session.add(existing)
            self.session.flush()
            before = None
        elif existing.seller_id == seller_id:
            return self._mapping(existing), False
        else:
            before = {"seller_id": existing.seller_id}
            existing.seller_id, existing.updated_at = seller_id, self.now
            self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    self.source,
                    "store_mapping.create" if created else "store_mapping.update",
                    "platform_store",
                    str(existing.id),
                    before,
                    {"store": store_ref, "seller_id": seller_id},
                )
            ],
            at=self.now,
        )
        return self._mapping(existing), created

    def delete(self, raw_store: object) -> None:
        """Forget a store id of this source (404 when it has none of that id)."""
        try:
            store_ref = clean_store_ref(raw_store)
        except ValueError as exc:
            raise ValidationFailed("store id rejected", {"store": str(exc)}) from None
        existing = self._get(store_ref)
        if existing is None:
            raise NotFound(f"no store {store_ref!r} in your mapping")
        journal.record(
            self.session,
            [
                Change(
                    self.source,
                    "store_mapping.delete",
                    "platform_store",
                    str(existing.id),
                    {"store": store_ref, "seller_id": existing.seller_id},
                    None,
                )
            ],
            at=self.now,
        )
        self.session.delete(existing)
        self.session.flush()

    def list(self, limit: int = 1000, offset: int = 0) -> list[StoreMapping]:
        """This source's mappings, by store id."""
        rows = self.session.execute(
            select(PlatformStore.store_ref, Seller.public_id, PlatformStore.updated_at)
            .join(Seller, Seller.id == PlatformStore.seller_id)
            .where(PlatformStore.source == self.source)
            .order_by(PlatformStore.store_ref)
            .limit(limit)
            .offset(offset)
        )
        return [StoreMapping(*row) for row in rows]

    def count(self) -> int:
        """How many store ids this source has mapped."""
        return self.session.execute(
            select(func.count())
            .select_from(PlatformStore)
            .where(PlatformStore.source == self.source)
        ).scalar_one()

    def sellers_of(self, store_refs: Iterable[str]) -> dict[str, str]:
        """Map this source's store ids to their sellers' public ids (unknown ids left out)."""
        refs = list(set(store_refs))
        out: dict[str, str] = {}
        for i in range(0, len(refs), 500):
            out.update(
                self.session.execute(
                    select(PlatformStore.store_ref, Seller.public_id)
                    .join(Seller, Seller.id == PlatformStore.seller_id)
                    .where(
                        PlatformStore.source == self.source,
                        PlatformStore.store_ref.in_(refs[i : i + 500]),
                    )
                ).all()
            )
        return out

    def name_sellers(self, chunk: list[RawRecord]) -> tuple[list[RawRecord], list[EventResult]]:
        """Records whose ``store`` is replaced by its ``seller`` (this source's mapping), and
        the results of those refused: unreadable, both given, or a store not mapped."""
        stores = self.sellers_of(
            str(r.data["store"]) for r in chunk if not r.error and r.data.get("store")
        )
        kept: list[RawRecord] = []
        refused: list[EventResult] = []
        for record in chunk:
            if record.error:
                refused.append(
                    EventResult(record.line, "rejected", errors={"record": record.error})
                )
                continue
            data = dict(record.data)
            store = data.pop("store", None)
            if store not in (None, ""):
                if data.get("seller") not in (None, ""):
                    refused.append(
                        EventResult(
                            record.line, "rejected", errors={"store": "give seller or store"}
                        )
                    )
                    continue
                if str(store) not in stores:
                    refused.append(
                        EventResult(
                            record.line, "rejected", errors={"store": "not in your store mapping"}
                        )
                    )
                    continue
                data["seller"] = stores[str(store)]
            kept.append(RawRecord(record.line, data))
        return kept, refused

    def _mapping(self, row: PlatformStore) -> StoreMapping:
        public_id = self.session.get(Seller, row.seller_id).public_id  # type: ignore[union-attr]
        return StoreMapping(row.store_ref, public_id, row.updated_at)
