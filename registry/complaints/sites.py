"""Complaints about a site nobody has identified: counted per registrable domain, queued for
regulators, and handed to the seller the domain is later bound to.

A consumer who cannot tell who runs a shop names its site instead of a seller. The complaint
is kept as ``unidentified`` (not moderated, not published: only its count, categories and
dates are shown, under a warning); when the domain is bound to a registered seller (a proof
or a regulator's binding, ``registry.registration.domains``), each report whose host lies
within the bound domain becomes that seller's complaint and enters moderation as any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from .. import journal
from ..core.errors import ValidationFailed
from ..core.sites import MARKETPLACES, Site, site_of
from ..core.types import max_length
from ..core.urls import normalize_store_url
from ..journal import Change, ChangeKind
from ..privacy.gate import public_text, seller_names
from ..registration.models import BOUND_STATES, Domain, Seller, Store
from .models import Complaint
from .queries import ComplaintQueries
from .rules import MODERATION_PERIOD

UNIDENTIFIED = "unidentified"


@dataclass(frozen=True)
class SiteSummary:
    """What the public may know of a domain's reports: how many, of which kinds, when."""

    domain: str
    reports: int
    categories: dict[str, int] = field(default_factory=dict)
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def _suffixes(host: str) -> list[str]:
    """The host and every domain above it (``m.shop.example`` -> itself, ``shop.example``...)."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def parse_site(text: str) -> Site:
    """The site of *text*, or ValidationFailed naming the ``site`` field."""
    try:
        return site_of(text)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"site": str(exc)}) from None


class SiteReports:
    """Reads and moves of complaints about sites (the caller commits)."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now

    def seller_of(self, text: str, site: Site) -> int | None:
        """The registered seller a site belongs to: a bound domain, or a known shop URL."""
        key = normalize_store_url(text)
        if key is not None:
            return self.session.execute(
                select(Store.seller_id).where(
                    Store.platform == key.platform, Store.store_key == key.shop_id
                )
            ).scalar_one_or_none()
        rows = self.session.execute(
            select(Domain.seller_id, Domain.domain).where(
                Domain.domain.in_(_suffixes(site.host)), Domain.state.in_(BOUND_STATES)
            )
        ).all()
        return max(rows, key=lambda r: len(r[1]))[0] if rows else None

    def resolve(self, text: str) -> tuple[int | None, Site | None]:
        """(seller id, None) for a site a seller is bound to, else (None, the site)."""
        site = parse_site(text)
        seller_id = self.seller_of(text, site)
        if seller_id is not None:
            return seller_id, None
        if site.domain in MARKETPLACES:
            message = (
                f"a shop on {site.domain} is told by its shop page, and this one is not "
                "registered here: report it to the marketplace, which knows its seller"
            )
            raise ValidationFailed(message, {"site": message, "reason": "marketplace_shop"})
        return None, site

    def summary(self, text: str) -> SiteSummary:
        """The reports counted under the registrable domain of *text* (not yet attached)."""
        domain = parse_site(text).domain
        if domain in MARKETPLACES:  # shops there are told apart by store, never counted here
            raise ValidationFailed(f"{domain} is a marketplace", {"site": "marketplace_shop"})
        rows = self.session.execute(
            select(
                Complaint.category,
                func.count(),
                func.min(Complaint.created_at),
                func.max(Complaint.created_at),
            )
            .where(Complaint.site_domain == domain, Complaint.status == UNIDENTIFIED)
            .group_by(Complaint.category)
        ).all()
        if not rows:
            return SiteSummary(domain, 0)
        return SiteSummary(
            domain,
            sum(r[1] for r in rows),
            {r[0]: r[1] for r in sorted(rows, key=lambda r: (-r[1], r[0]))},
            min(r[2] for r in rows),
            max(r[3] for r in rows),
        )

    def queue(self, limit: int = 50, offset: int = 0) -> list[SiteSummary]:
        """Domains nobody has identified, the most reported first (regulators' work list)."""
        reports = func.count().label("reports")
        rows = self.session.execute(
            select(
                Complaint.site_domain,
                reports,
                func.min(Complaint.created_at),
                func.max(Complaint.created_at),
            )
            .where(Complaint.status == UNIDENTIFIED)
            .group_by(Complaint.site_domain)
            .order_by(reports.desc(), func.max(Complaint.created_at).desc(), Complaint.site_domain)
            .limit(limit)
            .offset(offset)
        ).all()
        domains = [r[0] for r in rows]
        kinds: dict[str, dict[str, int]] = {d: {} for d in domains}
        if domains:
            for domain, category, n in self.session.execute(
                select(Complaint.site_domain, Complaint.category, func.count())
                .where(Complaint.status == UNIDENTIFIED, Complaint.site_domain.in_(domains))
                .group_by(Complaint.site_domain, Complaint.category)
            ):
                kinds[domain][category] = n
        return [SiteSummary(r[0], r[1], kinds[r[0]], r[2], r[3]) for r in rows]

    def queue_total(self) -> int:
        """How many domains have reports waiting for a seller."""
        return self.session.execute(
            select(func.count(func.distinct(Complaint.site_domain))).where(
                Complaint.status == UNIDENTIFIED
            )
        ).scalar_one()

    def attach(self, seller: Seller, domain: str, actor: str) -> list[Complaint]:
        """Hand the reports within a newly bound *domain* to *seller*: each enters moderation."""
        return self.attach_many([(seller.id, domain)], actor)

    def attach_many(self, bound: list[tuple[int, str]], actor: str) -> list[Complaint]:
        """``attach`` for many (seller id, domain) bindings at once (a registration batch)."""
        waiting = self.session.execute(
            select(Complaint.id).where(Complaint.status == UNIDENTIFIED).limit(1)
        ).first()
        if waiting is None or not bound:
            return []  # the common case: nothing waits, and a batch pays one indexed probe
        by_registrable: dict[str, list[tuple[int, str]]] = {}
        for seller_id, domain in bound:
            try:
                by_registrable.setdefault(site_of(domain).domain, []).append((seller_id, domain))
            except ValueError:
                continue  # a bound domain under no public suffix: no report can name it
        keys = sorted(by_registrable)
        matched: list[tuple[Complaint, int, str]] = []
        for start in range(0, len(keys), 500):
            for complaint in self.session.execute(
                select(Complaint)
                .where(
                    Complaint.site_domain.in_(keys[start : start + 500]),
                    Complaint.status == UNIDENTIFIED,
                )
                .order_by(Complaint.id)
                .with_for_update()
            ).scalars():
                # The longest bound domain the host lies within (shop.example before example).
                owners = [
                    (sid, d)
                    for sid, d in by_registrable[complaint.site_domain or ""]
                    if complaint.site_host and _within(complaint.site_host, d)
                ]
                if owners:
                    sid, d = max(owners, key=lambda o: len(o[1]))
                    matched.append((complaint, sid, d))
        if not matched:
            return []
        sellers = {sid for _c, sid, _d in matched}
        keep = seller_names(self.session, sellers)
        public_ids: dict[int, str] = {
            sid: pid
            for sid, pid in self.session.execute(
                select(Seller.id, Seller.public_id).where(Seller.id.in_(sellers))
            )
        }
        queries = ComplaintQueries(self.session)
        changes = []
        for complaint, seller_id, domain in matched:
            complaint.seller_id = seller_id
            complaint.status = "submitted"
            complaint.moderation_due_at = self.now + MODERATION_PERIOD
            complaint.updated_at = self.now
            # Scrubbed again: the seller's own names are no personal data to mask.
            complaint.narrative_public = public_text(
                complaint.narrative_original,
                limit=max_length(Complaint, "narrative_public"),
                names=[complaint.complainant_name],
                keep=keep.get(seller_id, ()),
            ).public
            complaint.verification = queries.purchase_verification(seller_id, complaint.order_ref)
            changes.append(
                Change(
                    actor,
                    "complaint.attach",
                    "complaint",
                    str(complaint.id),
                    {"status": UNIDENTIFIED, "seller_id": None},
                    {
                        "status": "submitted",
                        "seller_id": seller_id,
                        "seller": public_ids.get(seller_id),
                        "domain": domain,
                    },
                )
            )
        self.session.flush()
        journal.record(
            self.session, changes, at=self.now, changed={ChangeKind.COMPLAINT: sorted(sellers)}
        )
        return [c for c, _sid, _d in matched]
