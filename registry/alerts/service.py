"""Subscriptions: made, listed, removed and their deliveries read, by the token that owns them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlmodel import Session

from .. import journal
from ..core.errors import NotFound, ValidationFailed
from ..core.identifiers import looks_like_uscc
from ..core.outbound import ForbiddenAddress, OutboundError, resolve_allowed
from ..core.sealing import SecretBox
from ..core.types import new_public_id, utcnow
from ..journal import Change
from ..registration.models import Seller
from ..registration.sellers import SellerService
from .fanout import iso, skip_to_head
from .models import AlertEvent, Delivery, DeliveryAttempt, Subscription, SubscriptionSeller
from .signing import new_secret

MAX_SELLERS = 100
MAX_PER_TOKEN = 100
_FILTERS = ("sellers", "region", "category")


def check_target(
    url: str, *, allow_private: bool, resolve: Mapping[str, str] | None = None
) -> str | None:
    """Return why the registry must not post to ``url``, or None when it may.

    Checked when subscribing and again before every delivery (the name may since resolve
    elsewhere); the connection itself is checked once more by the outbound adapter.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return "must be an https URL"
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return "must name a host, without credentials"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolve_allowed(parts.hostname, port, allow_private=allow_private, resolve=resolve)
    except ForbiddenAddress:
        return "resolves to a private or reserved address"
    except (OutboundError, ValueError) as exc:
        return f"cannot be reached: {exc}"
    return None


class SubscriptionService:
    """One token's subscriptions; the caller commits."""

    def __init__(
        self,
        session: Session,
        token_id: int,
        actor: str,
        *,
        box: SecretBox | None = None,
        allow_private: bool = False,
        resolve: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.session = session
        self.token_id = token_id
        self.actor = actor
        self.box = box
        self.allow_private = allow_private
        self.resolve = resolve
        self.now = now or utcnow()

    def create(self, data: dict[str, Any]) -> tuple[Subscription, str]:
        """Subscribe a URL to sellers, a region or a category (``data`` as
        ``shapes.SubscriptionRequest`` read it); return it and its secret."""
        errors: dict[str, Any] = {}
        url = data["url"]
        problem = check_target(url, allow_private=self.allow_private, resolve=self.resolve)
        if problem:
            errors["url"] = problem
        given = [key for key in _FILTERS if data.get(key) not in (None, "", [])]
        if len(given) != 1:
            errors["filter"] = "give exactly one of sellers, region or category"
        sellers = self._sellers(data.get("sellers"), errors) if given == ["sellers"] else []
        texts = {key: data.get(key) for key in ("region", "category")}
        owned = self.session.execute(
            select(func.count()).where(Subscription.token_id == self.token_id)
        ).scalar_one()
        if owned >= MAX_PER_TOKEN:
            errors["token"] = f"at most {MAX_PER_TOKEN} subscriptions per token"
        if errors:
            raise ValidationFailed("subscription not created", errors)
        if self.box is None:
            raise RuntimeError("creating a subscription needs the secret box")
        secret = new_secret()
        subscription = Subscription(
            public_id=new_public_id("w"),
            token_id=self.token_id,
            url=url,
            region=texts["region"],
            category=texts["category"],
            secret_encrypted=self.box.seal(secret),
            created_at=self.now,
        )
        self.session.add(subscription)
        # Alerts follow the journal from here on: a first subscription sends no history.
        skip_to_head(self.session, unless_started=True)
        self.session.flush()
        for seller_id in sellers:
            self.session.add(
                SubscriptionSeller(subscription_id=subscription.id, seller_id=seller_id)
            )
        parts = urlsplit(url)
        journal.record(
            self.session,
            [
                Change(
                    self.actor,
                    "subscription.create",
                    "alert_subscription",
                    subscription.public_id,
                    None,
                    # Never the secret, nor a query string that may carry the receiver's key.
                    {"host": parts.hostname, **texts, "sellers": len(sellers)},
                )
            ],
            at=self.now,
        )
        self.session.flush()
        return subscription, secret

    def _sellers(self, refs: list[str], errors: dict[str, Any]) -> list[int]:
        found, missing = [], {}
        lookup = SellerService(self.session)
        for index, ref in enumerate(refs):
            ref = ref.strip()[:64]
            try:
                seller = lookup.by_code(ref) if looks_like_uscc(ref) else lookup.get(ref)
            except (NotFound, ValidationFailed):
                missing[str(index)] = "no such seller"
                continue
            found.append(seller.id)
        if missing:
            errors["sellers"] = missing
        return list(dict.fromkeys(found))

    # -- reading and removing --------------------------------------------------------------

    def own(self, public_id: str) -> Subscription:
        """Return this token's subscription; another token's is as absent as a missing one."""
        row = self.session.execute(
            select(Subscription).where(
                Subscription.public_id == public_id, Subscription.token_id == self.token_id
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no subscription {public_id}")
        return row

    def list(self) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(Subscription)
            .where(Subscription.token_id == self.token_id)
            .order_by(Subscription.id)
        ).scalars()
        return [self.public(row) for row in rows]

    def public(self, row: Subscription) -> dict[str, Any]:
        """The subscription as its owner sees it (never the secret)."""
        sellers = self.session.execute(
            select(Seller.public_id)
            .join(SubscriptionSeller, SubscriptionSeller.seller_id == Seller.id)
            .where(SubscriptionSeller.subscription_id == row.id)
            .order_by(Seller.public_id)
        ).scalars()
        return {
            "id": row.public_id,
            "url": row.url,
            "sellers": list(sellers),
            "region": row.region,
            "category": row.category,
            "active": row.active,
            "consecutive_failures": row.consecutive_failures,
            "disabled_at": iso(row.disabled_at),
            "disabled_reason": row.disabled_reason,
            "created_at": iso(row.created_at),
        }

    def delete(self, public_id: str) -> None:
        """Remove the subscription with its deliveries and their attempts."""
        row = self.own(public_id)
        deliveries = select(Delivery.id).where(Delivery.subscription_id == row.id)
        self.session.execute(
            delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries))
        )
        self.session.execute(delete(Delivery).where(Delivery.subscription_id == row.id))
        self.session.execute(
            delete(SubscriptionSeller).where(SubscriptionSeller.subscription_id == row.id)
        )
        self.session.delete(row)
        journal.record(
            self.session,
            [Change(self.actor, "subscription.delete", "alert_subscription", public_id)],
            at=self.now,
        )
        self.session.flush()

    def deliveries(self, public_id: str, page: int, per_page: int) -> tuple[list[dict], int]:
        """Return a page of the subscription's deliveries (newest first) and their total."""
        row = self.own(public_id)
        total = self.session.execute(
            select(func.count()).where(Delivery.subscription_id == row.id)
        ).scalar_one()
        rows = self.session.execute(
            select(Delivery, AlertEvent.public_id, AlertEvent.type)
            .join(AlertEvent, AlertEvent.id == Delivery.event_id)
            .where(Delivery.subscription_id == row.id)
            .order_by(Delivery.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        attempts: dict[int, list[dict]] = {}
        if rows:
            for a in self.session.execute(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id.in_([d.id for d, _, _ in rows]))
                .order_by(DeliveryAttempt.id)
            ).scalars():
                attempts.setdefault(a.delivery_id, []).append(
                    {
                        "at": iso(a.at),
                        "status_code": a.status_code,
                        "latency_ms": round(a.latency_ms, 1),
                        "error": a.error,
                        "next_attempt_at": iso(a.next_attempt_at),
                    }
                )
        out = [
            {
                "event": event_id,
                "type": kind,
                "status": d.status,
                "attempts": attempts.get(d.id, []),
                "next_attempt_at": iso(d.next_attempt_at),
                "delivered_at": iso(d.delivered_at),
                "created_at": iso(d.created_at),
            }
            for d, event_id, kind in rows
        ]
        return out, total
