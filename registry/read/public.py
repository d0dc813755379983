"""What the public sees of a seller: the only shapes handlers serialise (the API record).

``seller_public`` is the record's projection of a seller's view; ``record`` adds what the
public pages show of it (display.py), as the API sends it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel

from ..core.errors import NotFound
from ..core.types import utcnow
from ..disputes import service as disputes
from ..scores.service import stored_score
from .rates import read_fulfillment
from .view import ScoreView, SellerView, read_views


class IdentityPublic(SQLModel):
    scheme: str
    value: str
    verified_by: str | None
    verifier_role: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    current: bool


class StorePublic(SQLModel):
    platform: str
    store_name: str
    store_url: str | None


class DomainPublic(SQLModel):
    domain: str
    state: str
    icp_number: str | None
    proven_at: datetime | None
    last_checked_at: datetime | None


class RegionPublic(SQLModel):
    area_code: str | None
    province: str | None
    city: str | None


class ScorePublic(SQLModel):
    value: float
    grade: str
    display_grade: str
    verified: bool
    limited_history: bool
    caps: list[Any]
    explanation: dict[str, Any]
    version: int
    computed_at: datetime


class SanctionPublic(SQLModel):
    """A regulator's finding in force (repaired, removed or expired ones are not shown)."""

    event_id: int  # the record's id: what a dispute of it names
    kind: str
    score_kind: str
    decision_number: str | None
    authority: str | None
    decided_on: date
    effective_from: date | None
    effective_until: date | None
    amount: Decimal | None  # yuan, as a decimal string
    reason: str | None
    summary: str | None


class FraudReportPublic(SQLModel):
    """A fraud report: scam type, verification, when, the amount lost and its currency."""

    scam_type: str | None
    verification: str
    occurred_at: datetime | None
    amount: Decimal | None  # in the currency's own units, as a decimal string
    currency: str | None  # ISO 4217
    summary: str | None


class SellerPublic(SQLModel):
    id: str
    legal_name: str
    english_name: str | None
    former_names: list[str]
    aliases: list[str]
    entity_type: str
    status: str
    legal_representative: str | None
    established_on: date | None
    registered_address: str | None
    registration_authority: str | None
    region: RegionPublic
    business_scope: str | None
    category: str | None
    verified: bool
    identities: list[IdentityPublic]
    stores: list[StorePublic]
    domains: list[DomainPublic]
    sanctions: list[SanctionPublic]
    fraud_reports: list[FraudReportPublic]
    score: ScorePublic | None
    version: int
    updated_at: datetime


def explanation(score: ScoreView) -> dict:
    """The published parts of a stored score and the sentence that explains them."""
    stored = stored_score(score)  # type: ignore[arg-type]
    return {
        **(score.parts or {}),
        "text_zh": stored.explain("zh"),
        "text_en": stored.explain("en"),
    }


def seller_public(view: SellerView) -> SellerPublic:
    """The public record's projection of a (detailed) seller view."""
    score = view.score
    return SellerPublic(
        id=view.public_id,
        legal_name=view.legal_name,
        english_name=view.english_name,
        former_names=view.former_names,
        aliases=view.aliases,
        entity_type=view.entity_type,
        status=view.status,
        legal_representative=view.legal_representative,
        established_on=view.established_on,
        registered_address=view.registered_address,
        registration_authority=view.registration_authority,
        region=RegionPublic(area_code=view.area_code, province=view.province, city=view.city),
        business_scope=view.business_scope,
        category=view.category,
        verified=view.verified,
        # The lines of the view carry the public models' field names: each is read as one.
        identities=[IdentityPublic.model_validate(i) for i in view.identities],
        stores=[StorePublic.model_validate(s) for s in view.stores],
        domains=[DomainPublic.model_validate(d) for d in view.domains],
        sanctions=[SanctionPublic.model_validate(x) for x in view.sanctions],
        fraud_reports=[
            FraudReportPublic(
                scam_type=f.category,
                verification=f.verification,
                occurred_at=f.occurred_at,
                amount=f.amount,
                currency=f.currency,
                summary=f.summary,
            )
            for f in view.frauds
        ],
        score=None
        if score is None
        else ScorePublic(
            value=score.value,
            grade=score.grade,
            display_grade=score.display_grade,
            verified=score.verified,
            limited_history=score.limited_history,
            caps=score.caps,
            explanation=explanation(score),
            version=score.version,
            computed_at=score.computed_at,
        ),
        version=view.version,
        updated_at=view.updated_at,
    )


def read_view(session: Session, *, public_id: str | None = None, seller_id: int | None = None):
    """The detailed view of one seller, by public or internal id (NotFound if there is none)."""
    views = read_views(
        session,
        public_ids=() if public_id is None else (public_id,),
        seller_ids=() if seller_id is None else (seller_id,),
    )
    if not views:
        raise NotFound(f"no seller with id {public_id!r}")
    return views[0]


def read_record(
    session: Session,
    *,
    public_id: str | None = None,
    seller_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The API's record of one seller, with its 90-day fulfillment rates (NotFound if none)."""
    view = read_view(session, public_id=public_id, seller_id=seller_id)
    rates = read_fulfillment(session.connection(), view.seller_id, now or utcnow())
    found = disputes.published(session, [view.seller_id] if view.has_events else [])
    return record(view, rates, found.get(view.seller_id, []))


def record(
    view: SellerView,
    fulfillment: dict[str, Any] | None = None,
    disputed: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The API's record of a seller: the public record, what the public pages show and (when
    read) its fulfillment rates beside the published thresholds (registry.read.rates) and
    its disputes of records with their decisions (registry.disputes)."""
    data = seller_public(view).model_dump(mode="json")
    if fulfillment is not None:
        data["fulfillment"] = fulfillment
    if disputed is not None:
        data["disputes"] = disputed
    shown = view.shown
    data["shown"] = {
        "grade": shown.grade,
        "score": shown.score,
        "risk_flags": list(shown.flags),
        "demo": shown.demo,
    }
    return data
