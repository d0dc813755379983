"""Find sellers by public id, credit code, domain or shop URL (their public record is
registry.read's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from ..core.errors import NotFound, ValidationFailed
from ..core.identifiers import normalize_identifier
from ..core.types import utcnow
from ..core.urls import normalize_domain, normalize_store_url
from ..read.display import is_current
from .models import Domain, Identity, Seller, Store


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
        return any(
            is_current(i.verifier_role, i.verified_at, i.expires_at, now) for i in identities
        )
