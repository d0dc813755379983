"""Read a seller's public record, by public id, credit code, domain or shop URL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from .core.errors import NotFound, ValidationFailed
from .core.identifiers import normalize_identifier
from .core.types import utcnow
from .core.urls import normalize_domain, normalize_store_url
from .models.public import (
    DomainPublic,
    IdentityPublic,
    RegionPublic,
    ScorePublic,
    SellerPublic,
    StorePublic,
)
from .registration.models import BOUND_STATES as PUBLIC_DOMAIN_STATES
from .registration.models import Domain, Identity, Seller, Store
from .scores.models import SellerScore
from .scores.service import stored_score


def identity_is_current(identity: Identity, now: datetime) -> bool:
    """A regulator's verification that has not expired makes a seller Verified."""
    return (
        identity.verifier_role == "regulator"
        and identity.verified_at is not None
        and (identity.expires_at is None or identity.expires_at > now)
    )


def explanation(row: SellerScore) -> dict:
    """The published parts of a stored score and the sentence that explains them."""
    score = stored_score(row)
    return {**(row.parts or {}), "text_zh": score.explain("zh"), "text_en": score.explain("en")}


class SellerService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, public_id: str) -> Seller:
        seller = self.session.execute(
            select(Seller).where(Seller.public_id == public_id)
        ).scalar_one_or_none()
        if seller is None:
            raise NotFound(f"no seller with id {public_id!r}")
        return seller

    def many(self, public_ids: list[str]) -> list[Seller]:
        """Return the sellers with these public ids (unknown ids are skipped)."""
        if not public_ids:
            return []
        return list(
            self.session.execute(select(Seller).where(Seller.public_id.in_(public_ids))).scalars()
        )

    def by_code(self, code: str, scheme: str = "cn_uscc") -> Seller:
        try:
            value = normalize_identifier(scheme, code)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, {"code": exc.message}) from None
        seller = self.session.execute(
            select(Seller)
            .join(Identity, Identity.seller_id == Seller.id)
            .where(Identity.scheme == scheme, Identity.value == value)
        ).scalar_one_or_none()
        if seller is None:
            raise NotFound(f"no registered seller has the code {value}")
        return seller

    def by_domain(self, text: str) -> Seller:
        try:
            domain = normalize_domain(text)
        except ValueError as exc:
            raise ValidationFailed(str(exc), {"domain": str(exc)}) from None
        # A shop may be reached on a sub-domain of the one that was bound (m.shop.example).
        candidates = [".".join(domain.split(".")[i:]) for i in range(domain.count("."))]
        rows = self.session.execute(
            select(Seller, Domain.domain)
            .join(Domain, Domain.seller_id == Seller.id)
            .where(Domain.domain.in_(candidates or [domain]))
        ).all()
        if not rows:
            raise NotFound(f"no registered seller uses the domain {domain}")
        return max(rows, key=lambda r: len(r[1]))[0]

    def by_store_url(self, url: str) -> Seller:
        key = normalize_store_url(url)
        if key is None:
            raise NotFound(f"{url!r} is not a marketplace shop URL the registry knows")
        seller = self.session.execute(
            select(Seller)
            .join(Store, Store.seller_id == Seller.id)
            .where(Store.platform == key.platform, Store.store_key == key.shop_id)
        ).scalar_one_or_none()
        if seller is None:
            raise NotFound(f"no registered seller has the {key.platform} shop {key.shop_id}")
        return seller

    def is_verified(self, seller_id: int, now: datetime | None = None) -> bool:
        now = now or utcnow()
        identities = self.session.execute(
            select(Identity).where(Identity.seller_id == seller_id)
        ).scalars()
        return any(identity_is_current(i, now) for i in identities)

    def public(self, seller: Seller, now: datetime | None = None) -> SellerPublic:
        """Assemble the public record of ``seller``."""
        now = now or utcnow()
        identities = (
            self.session.execute(
                select(Identity).where(Identity.seller_id == seller.id).order_by(Identity.id)
            )
            .scalars()
            .all()
        )
        stores = (
            self.session.execute(
                select(Store).where(Store.seller_id == seller.id).order_by(Store.id)
            )
            .scalars()
            .all()
        )
        domains = (
            self.session.execute(
                select(Domain)
                .where(
                    Domain.seller_id == seller.id,
                    Domain.state.in_(PUBLIC_DOMAIN_STATES),
                )
                .order_by(Domain.id)
            )
            .scalars()
            .all()
        )
        score = self.session.get(SellerScore, seller.id)
        return SellerPublic(
            id=seller.public_id,
            legal_name=seller.legal_name,
            english_name=seller.english_name,
            former_names=seller.former_names or [],
            aliases=seller.aliases or [],
            entity_type=seller.entity_type,
            status=seller.status,
            legal_representative=seller.legal_representative,
            established_on=seller.established_on,
            registered_address=seller.registered_address,
            registration_authority=seller.registration_authority,
            region=RegionPublic(
                area_code=seller.area_code, province=seller.province, city=seller.city
            ),
            business_scope=seller.business_scope,
            category=seller.category,
            verified=any(identity_is_current(i, now) for i in identities),
            identities=[
                IdentityPublic(
                    scheme=i.scheme,
                    value=i.value,
                    verified_by=i.verified_by,
                    verifier_role=i.verifier_role,
                    verified_at=i.verified_at,
                    expires_at=i.expires_at,
                    current=identity_is_current(i, now),
                )
                for i in identities
            ],
            stores=[
                StorePublic(platform=s.platform, store_name=s.store_name, store_url=s.store_url)
                for s in stores
            ],
            domains=[
                DomainPublic(
                    domain=d.domain,
                    state=d.state,
                    icp_number=d.icp_number,
                    proven_at=d.proven_at,
                    last_checked_at=d.last_checked_at,
                )
                for d in domains
            ],
            score=None
            if score is None
            else ScorePublic(
                value=score.value,
                grade=score.grade,
                display_grade=score.display_grade,
                verified=score.verified,
                limited_history=score.limited_history,
                caps=score.caps or [],
                explanation=explanation(score),
                version=score.version,
                computed_at=score.computed_at,
            ),
            version=seller.version,
            updated_at=seller.updated_at,
        )
