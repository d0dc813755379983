"""Turn sellers and public narratives into the plain documents the search index takes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ..events.models import Event
from ..registration.models import Seller
from . import display
from .view import SellerView, read_views

NARRATIVE_KINDS = ("complaint", "fraud_report")


def seller_documents(session: Session, seller_ids: list[int]) -> list[dict[str, Any]]:
    """Return one document per existing seller among ``seller_ids`` (missing ones are absent)."""
    views = read_views(session, seller_ids=seller_ids)
    return [document_of(view) for view in sorted(views, key=lambda v: v.seller_id)]


def document_of(view: SellerView) -> dict[str, Any]:
    """The search document's projection of a seller's view: what the index finds and shows."""
    score = view.score
    doc = {
        "id": view.public_id,
        "legal_name": view.legal_name,
        "former_names": view.former_names,
        "aliases": view.aliases,
        "store_names": [s.store_name for s in view.stores],
        "store_urls": [s.store_url for s in view.stores if s.store_url],
        "english_name": view.english_name or "",
        "domains": [d.domain for d in view.domains],
        "codes": [i.value for i in view.identities],
        "province": view.province or "",
        "city": view.city or "",
        "category": view.category or "",
        # What a result card shows, decided here (display.py) and read back by from_document.
        "grade": score.display_grade if score else display.NR,
        "verified": score.verified if score else False,
        "score": round(score.value, 1) if score else None,
        "flags": display.document_marks(
            limited_history=bool(score and score.limited_history),
            caps=score.caps if score else None,
            status=view.status,
            demo=view.demo,
        ),
    }
    # The seller's version and a digest of everything the entry holds: any field changing
    # makes the entry stale, and an entry whose digest is current need not be written again
    # (SellerIndex.apply(skip_unchanged=True)). Not the score's time: the nightly pass
    # restamps every score and logs a change only where a shown value moved.
    content = json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.blake2b(content.encode(), digest_size=8).hexdigest()
    doc["version"] = f"{view.version}:{digest}"
    return doc


def narrative_documents(session: Session, seller_ids: list[int]) -> tuple[list[dict], list[str]]:
    """Return the public narratives of these sellers, and ids of narratives to drop."""
    if not seller_ids:
        return [], []
    rows = session.execute(
        select(
            Event.id,
            Event.kind,
            Event.summary,
            Event.resolution,
            Event.created_at,
            Seller.public_id,
        )
        .join(Seller, Seller.id == Event.seller_id)
        .where(Event.seller_id.in_(seller_ids), Event.kind.in_(NARRATIVE_KINDS))
    ).all()
    docs, drop = [], []
    for event_id, kind, summary, resolution, created_at, public_id in rows:
        doc_id = f"e{event_id}"
        if not summary or display.withdrawn(resolution):
            drop.append(doc_id)
            continue
        docs.append(
            {
                "id": doc_id,
                "seller_id": public_id,
                "kind": kind,
                "text": summary,
                "created_at": created_at.isoformat(),
                "version": resolution or "open",
            }
        )
    return docs, drop


def all_seller_ids(session: Session, batch: int = 5000) -> Iterator[list[int]]:
    """Yield every seller id, in batches, for a full rebuild."""
    last = 0
    while True:
        ids = list(
            session.execute(
                select(Seller.id).where(Seller.id > last).order_by(Seller.id).limit(batch)
            ).scalars()
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def public_ids(session: Session, seller_ids: list[int]) -> dict[int, str]:
    return (
        dict(
            session.execute(
                select(Seller.id, Seller.public_id).where(Seller.id.in_(seller_ids))
            ).all()
        )
        if seller_ids
        else {}
    )
