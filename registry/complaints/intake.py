"""Complaint intake: checks of what a consumer files, rate limits, duplicates."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from ..core.db import lock_for_write
from ..core.errors import Conflict, RateLimited, ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import max_length, new_public_id
from ..events.models import COMPLAINT_CATEGORIES
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
    amount_field,
    near_identical,
    text_field,
)
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
            locale=locale_of(data.get("locale")),
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
        errors: dict[str, str] = {}
        seller_ref = clean_text(data.get("seller"))
        site_text = clean_text(data.get("site"))
        seller_id, site = None, None
        if seller_ref and site_text:
            errors["site"] = "name the seller or the site, not both"
        elif site_text:
            try:
                seller_id, site = SiteReports(self.session, self.now).resolve(site_text)
            except ValidationFailed as exc:
                errors["site"] = (exc.details or {}).get("site", exc.message)
        elif not seller_ref:
            errors["seller"] = "required (the seller's public id), or the site's address as site"
        else:
            seller_id = self.session.execute(
                select(Seller.id).where(Seller.public_id == seller_ref)
            ).scalar_one_or_none()
            if seller_id is None:
                errors["seller"] = f"no seller with id {seller_ref!r}"
        category = clean_text(data.get("category"))
        if category not in COMPLAINT_CATEGORIES:
            errors["category"] = f"one of {', '.join(COMPLAINT_CATEGORIES)}"
        row = {
            "narrative_original": text_field(data, "narrative", errors, multiline=True),
            "order_ref": text_field(data, "order_ref", errors),
            "desired_resolution": text_field(data, "desired_resolution", errors),
            "complainant_name": text_field(data, "complainant_name", errors),
            "contact": text_field(data, "contact", errors),
            "amount": amount_field(data.get("amount"), errors),
        }
        consent = consent_field(data.get("publish_narrative", True), errors)
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


def consent_field(value: Any, errors: dict) -> bool:
    """The complainant's choice to publish the narrative: a boolean, or a form's yes/no."""
    if isinstance(value, bool):
        return value
    text = clean_text(str(value)).lower() if value is not None else ""
    if text in ("yes", "true", "1", "narrative"):
        return True
    if text in ("no", "false", "0", "category_only"):
        return False
    errors["publish_narrative"] = "true (publish the scrubbed narrative) or false"
    return True
