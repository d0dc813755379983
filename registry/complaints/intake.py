"""Complaint intake: checks of what a consumer files, rate limits, duplicates."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from ..core.db import lock_for_write
from ..core.errors import Conflict, RateLimited, ValidationFailed
from ..core.shapes import check
from ..core.types import max_length, new_public_id
from ..notify import locale_of
from ..privacy import keyed_digest, normalize_contact
from ..privacy.gate import public_text, seller_names
from ..registration.models import Seller
from ..trust.tokens import digest
from .models import Complaint
from .notices import day
from .queries import ComplaintQueries
from .rules import (
    COMPLAINANT_ACTOR,
    COMPLAINANT_PREFIX,
    MODERATION_PERIOD,
    NEAR_DUPLICATE_WINDOW,
    OPEN_STATES,
    REPEAT_WINDOW,
    near_identical,
)
from .shapes import ComplaintFiling
from .sites import UNIDENTIFIED, SiteReports
from .transitions import Transitions


class ComplaintIntake:
    """Files complaints: ``secret`` keys the contact and client digests (see ComplaintService)."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        transitions: Transitions,
        queries: ComplaintQueries,
        *,
        secret: str | bytes | None,
        hourly_limit: int,
        daily_limit: int,
    ) -> None:
        self.session = session
        self.now = now
        self.transitions = transitions
        self.queries = queries
        self.secret = secret
        self.hourly_limit = hourly_limit
        self.daily_limit = daily_limit

    def file(self, data: dict[str, Any], client_key: str) -> tuple[Complaint, str]:
        """File a complaint; return it and the complainant's one-time token (shown once)."""
        if not self.secret:
            raise ValueError("filing needs the secret that keys contact and client digests")
        if not client_key:
            raise ValueError("client_key is required (the web layer's key of the client)")
        client = keyed_digest("client", client_key, self.secret)
        lock_for_write(self.session)  # the rate and duplicate checks hold until the commit
        self._check_rate(client)
        row = self._validate(data)
        self._check_duplicates(row, row["complainant_ref"], row["narrative_original"])
        identified = row["seller_id"] is not None
        token = COMPLAINANT_PREFIX + secrets.token_urlsafe(32)
        locale = row.pop("locale")
        complaint = Complaint(
            **row,
            public_id=new_public_id("c"),
            narrative_public=public_text(
                row["narrative_original"],
                limit=max_length(Complaint, "narrative_public"),
                names=[row["complainant_name"]],
                keep=seller_names(self.session, [row["seller_id"]]).get(row["seller_id"], ())
                if identified
                else (),
            ).public,
            verification=self.queries.purchase_verification(row["seller_id"], row["order_ref"])
            if identified
            else "unverified",
            # A site nobody is bound to waits for its seller: no moderation clock runs yet.
            status="submitted" if identified else UNIDENTIFIED,
            moderation_due_at=self.now + MODERATION_PERIOD if identified else None,
            complainant_token_digest=digest(token),
            client_digest=client,
            locale=locale_of(locale),
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(complaint)
        self.session.flush()
        self.transitions.audit(
            complaint,
            COMPLAINANT_ACTOR,
            "complaint.file",
            None,
            {
                "status": complaint.status,
                "public_id": complaint.public_id,
                "seller_id": complaint.seller_id,
                "site_domain": complaint.site_domain,
                "category": complaint.category,
                "verification": complaint.verification,
                "publish_narrative": complaint.publish_narrative,
            },
        )
        if complaint.seller_id is None:  # a site nobody has identified: no moderation yet
            self.transitions.notices.consumer(complaint, "site_reported", token=token)
        else:
            self.transitions.notices.consumer(
                complaint, "filed", token=token, moderation_due=day(complaint.moderation_due_at)
            )
        return complaint, token

    def _validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """The filing read through its shape, then what needs the database: the seller or
        the site it names."""
        record, errors = check(ComplaintFiling, data)
        seller_ref, site_text = record.seller, record.site
        seller_id, site = None, None
        if seller_ref and site_text:
            errors["site"] = "name the seller or the site, not both"
        elif site_text:
            try:
                seller_id, site = SiteReports(self.session, self.now).resolve(site_text)
            except ValidationFailed as exc:
                errors["site"] = (exc.details or {}).get("site", exc.message)
        elif not seller_ref and not {"seller", "site"} & set(errors):
            errors["seller"] = "required (the seller's public id), or the site's address as site"
        elif seller_ref:
            seller_id = self.session.execute(
                select(Seller.id).where(Seller.public_id == seller_ref)
            ).scalar_one_or_none()
            if seller_id is None:
                errors["seller"] = f"no seller with id {seller_ref!r}"
        category = record.category
        row = {
            "narrative_original": record.narrative,
            "order_ref": record.order_ref,
            "desired_resolution": record.desired_resolution,
            "complainant_name": record.complainant_name,
            "contact": record.contact,
            "amount": record.amount,
        }
        consent = True if record.publish_narrative is None else record.publish_narrative
        ref = None
        if row["contact"] and "contact" not in errors:
            try:
                ref = keyed_digest("contact", normalize_contact(row["contact"]), self.secret)
            except ValueError:
                errors["contact"] = "a phone number or an e-mail address"
        if errors:
            raise ValidationFailed("complaint rejected: " + ", ".join(sorted(errors)), errors)
        return {
            **row,
            "seller_id": seller_id,
            "site_host": site.host if site else None,
            "site_domain": site.domain if site else None,
            "category": category,
            "complainant_ref": ref,
            "publish_narrative": consent,
            "locale": record.locale,
        }

    def _check_rate(self, client: str) -> None:
        since = self.now - timedelta(days=1)
        times = list(
            self.session.execute(
                select(Complaint.created_at).where(
                    Complaint.client_digest == client, Complaint.created_at > since
                )
            ).scalars()
        )
        hour = [t for t in times if t > self.now - timedelta(hours=1)]
        for recent, limit, span, label in (
            (hour, self.hourly_limit, timedelta(hours=1), "an hour"),
            (times, self.daily_limit, timedelta(days=1), "a day"),
        ):
            if len(recent) >= limit:
                wait = min(recent) + span - self.now
                raise RateLimited(
                    f"too many complaints from this connection: at most {limit} {label}; "
                    "please try again later",
                    {"retry_after": max(1, int(wait.total_seconds()) + 1)},
                )

    def _check_duplicates(self, row: dict[str, Any], ref: str, narrative: str) -> None:
        # The same rules for a seller and for a site: the site by its registrable domain.
        if row["seller_id"] is not None:
            against = Complaint.seller_id == row["seller_id"]
        else:
            against = Complaint.site_domain == row["site_domain"]
        mine = self.session.execute(
            select(Complaint.id)
            .where(
                against,
                Complaint.complainant_ref == ref,
                Complaint.status != "rejected",
                or_(
                    Complaint.status.in_((*OPEN_STATES, UNIDENTIFIED)),
                    Complaint.created_at > self.now - REPEAT_WINDOW,
                ),
            )
            .limit(1)
        ).first()
        if mine is not None:
            raise Conflict(
                "you already have a complaint against this seller that is open or was filed "
                "in the last 90 days; follow it up instead of filing again",
                {"reason": "duplicate_complainant"},
            )
        recent = self.session.execute(
            select(Complaint.narrative_original).where(
                against,
                Complaint.status != "rejected",
                Complaint.created_at > self.now - NEAR_DUPLICATE_WINDOW,
            )
        ).scalars()
        if any(near_identical(narrative, other) for other in recent):
            raise Conflict(
                "a near-identical complaint against this seller was filed in the last 7 days",
                {"reason": "duplicate_narrative"},
            )
