"""Turn sellers and public narratives into the plain documents the search index takes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from . import display
from .events.models import Event
from .registration.models import BOUND_STATES, Domain, Identity, Seller, Store
from .scores.models import SellerScore

NARRATIVE_KINDS = ("complaint", "fraud_report")


def seller_documents(session: Session, seller_ids: list[int]) -> list[dict[str, Any]]:
    """Return one document per existing seller among ``seller_ids`` (missing ones are absent)."""
    if not seller_ids:
        return []
    sellers = session.execute(select(Seller).where(Seller.id.in_(seller_ids))).scalars().all()
    codes: dict[int, list[str]] = defaultdict(list)
    verifiers: dict[int, list[str | None]] = defaultdict(list)
    for sid, value, verifier in session.execute(
        select(Identity.seller_id, Identity.value, Identity.verified_by).where(
            Identity.seller_id.in_(seller_ids)
        )
    ):
        codes[sid].append(value)
        verifiers[sid].append(verifier)
    stores: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for sid, name, url in session.execute(
        select(Store.seller_id, Store.store_name, Store.store_url).where(
            Store.seller_id.in_(seller_ids)
        )
    ):
        stores[sid].append((name, url))
    domains: dict[int, list[str]] = defaultdict(list)
    for sid, domain in session.execute(
        select(Domain.seller_id, Domain.domain).where(
            Domain.seller_id.in_(seller_ids), Domain.state.in_(BOUND_STATES)
        )
    ):
        domains[sid].append(domain)
    scores = {
        s.seller_id: s
        for s in session.execute(
            select(SellerScore).where(SellerScore.seller_id.in_(seller_ids))
        ).scalars()
    }
    docs = []
    for seller in sellers:
        score = scores.get(seller.id)
        docs.append(
            {
                "id": seller.public_id,
                "legal_name": seller.legal_name,
                "former_names": seller.former_names or [],
                "aliases": seller.aliases or [],
                "store_names": [name for name, _ in stores[seller.id]],
                "store_urls": [url for _, url in stores[seller.id] if url],
                "english_name": seller.english_name or "",
                "domains": domains[seller.id],
                "codes": codes[seller.id],
                "province": seller.province or "",
                "city": seller.city or "",
                "category": seller.category or "",
                "grade": score.display_grade if score else "NR",
                "verified": bool(score.verified) if score else False,
                "score": round(score.value, 1) if score else None,
                # What a result card shows besides the grade (registry.display).
                "flags": display.document_marks(
                    limited_history=bool(score and score.limited_history),
                    caps=score.caps if score else None,
                    status=seller.status,
                    demo=display.is_demo(verifiers[seller.id]),
                ),
                # Seller version and score time: either changing makes the entry stale.
                "version": f"{seller.version}:{score.computed_at.isoformat() if score else '-'}",
            }
        )
    return docs


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
        if not summary or resolution == "invalid":
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
