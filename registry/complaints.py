"""Complaint intake and mediation: file, moderate, reply, confirm, deadlines (caller commits).

The path of a complaint (every step audited, ``updated_at`` moved)::

    submitted --accept / 7 days--> merchant_notified --reply--> merchant_replied --confirm--> closed
        |                                 |  15 days                  |  15 days unconfirmed
        +--reject--> rejected             +--> no_response --late reply--+--> closed (unconfirmed)
    any state after acceptance --mark_invalid--> invalid

Choices (see also ``registry.privacy``):

- Accepting notifies the merchant at once, so "accepted" is never a resting state; confirming
  closes in one step (``outcome`` resolved/unresolved; "resolved"/"unresolved" are not used as
  states either).
- The scoring event is created on acceptance, dated when the complaint was filed; severity is
  "moderate" from an amount of 1000 yuan, else "minor"; only a moderator may say "harm".
  Purchase verification is looked up on filing and again on acceptance (orders arrive late).
- A reply after ``reply_due_at`` is late even if the scheduler has not yet run: the complaint
  first goes to no_response. A late reply is public but the event stays "unanswered" (2.0);
  if the consumer then confirms it resolved it moves to "unresolved" (1.0), never "resolved".
- Only the consumer's answer to a reply closes a complaint; no answer in 15 days closes it
  "unconfirmed" (event "unresolved", or still "unanswered" after a late reply).
- Duplicates: a rejected complaint never blocks a new one (a rejection means "fix and
  refile"); no_response counts as closed for the "open complaint" rule (90 days still apply).
- Rate limits count stored complaints per client digest (HMAC of the web layer's key).
- Changes the public sees without a new resolution (a late reply) are marked "complaint".
- A moderator's ``accept`` returns the merchant's reply token; an automatic acceptance
  creates none (a job's result is logged): the notifier takes ``awaiting_reply_link()`` and
  calls ``issue_reply_link``. Merchants with an API token can always reply.
- Public: complaints from merchant_notified on; submitted, rejected and invalid ones are not
  listed (unmoderated or found false text). Views hold aware datetimes, not strings.
"""

from __future__ import annotations

import difflib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from .audit import AuditLog, Change
from .changelog import mark_changed
from .db import lock_for_write
from .errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized, ValidationFailed
from .identifiers import clean_text
from .models import COMPLAINT_CATEGORIES, Complaint, Event, Seller, new_public_id, utcnow
from .privacy import keyed_digest, normalize_contact, scrub
from .tokens import Principal, digest, require_role

MODERATION_PERIOD = timedelta(days=7)
REPLY_PERIOD = timedelta(days=15)
CONFIRM_PERIOD = timedelta(days=15)
REPEAT_WINDOW = timedelta(days=90)
NEAR_DUPLICATE_WINDOW = timedelta(days=7)
NEAR_DUPLICATE_RATIO = 0.9
HOURLY_LIMIT, DAILY_LIMIT = 5, 20
MAX_AMOUNT = Decimal("10000000")
MODERATE_AMOUNT = Decimal("1000")
SEVERITIES = ("minor", "moderate", "harm")
SOURCE = "complaint-intake"
SYSTEM_ACTOR = "system:deadlines"
COMPLAINANT_ACTOR = "complainant"
COMPLAINANT_PREFIX, REPLY_PREFIX = "cpt_", "crt_"
OPEN_STATES = ("submitted", "accepted", "merchant_notified", "merchant_replied")
PUBLIC_STATES = ("merchant_notified", "merchant_replied", "no_response", "closed")
INVALIDATABLE = ("accepted", "merchant_notified", "merchant_replied", "no_response", "closed")
AUTO_ACCEPT_REASON = "审核期限已过，自动受理"
NO_RESPONSE_REASON = "商家未在15天内答复"
LATE_REPLY_REASON = "商家逾期答复"
UNCONFIRMED_REASON = "消费者未在15天内确认处理结果"
CONFIRMED_REASON = {True: "消费者确认已解决", False: "消费者确认未解决"}
_LIMITS = {
    "narrative": (10, 5000),
    "order_ref": (0, 64),
    "desired_resolution": (0, 500),
    "complainant_name": (0, 100),
    "contact": (1, 200),
    "reply": (1, 5000),
    "reason": (1, 1000),
}


def clean_multiline(value: Any) -> str:
    """Clean like ``clean_text`` but keep line breaks (at most one empty line in a row)."""
    text = "" if value is None else str(value)
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append(clean_text(line))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text(data: dict, key: str, errors: dict, multiline: bool = False) -> str | None:
    value = (clean_multiline if multiline else clean_text)(data.get(key))
    low, high = _LIMITS[key]
    if not value and low:
        errors[key] = "required"
    elif value and not low <= len(value) <= high:
        errors[key] = f"must be {low} to {high} characters (got {len(value)})"
    return value or None


def _amount(value: Any, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(clean_text(str(value)).replace(",", "").lstrip("¥"))
    except InvalidOperation:
        errors["amount"] = "not a number"
        return None
    if not amount.is_finite():
        errors["amount"] = "not a number"
    elif amount.as_tuple().exponent < -2:
        errors["amount"] = "at most 2 decimal places"
    elif not 0 <= amount <= MAX_AMOUNT:
        errors["amount"] = f"must be between 0 and {MAX_AMOUNT}"
    return amount


def _text_key(text: str) -> str:
    """Fold a narrative for duplicate checks: lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def near_identical(a: str, b: str) -> bool:
    """Tell whether two narratives are the same text or nearly (first 500 characters)."""
    ka, kb = _text_key(a), _text_key(b)
    if ka == kb:
        return True
    matcher = difflib.SequenceMatcher(None, ka[:500], kb[:500], autojunk=False)
    return (
        matcher.real_quick_ratio() > NEAR_DUPLICATE_RATIO
        and matcher.quick_ratio() > NEAR_DUPLICATE_RATIO
        and matcher.ratio() > NEAR_DUPLICATE_RATIO
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ComplaintService:
    """Files and mediates complaints; ``secret`` keys the contact and client digests.

    ``secret`` is needed only to file; it must stay stable (a changed secret makes earlier
    complainants unrecognisable to the duplicate rule and to scoring's 90-day rule).
    """

    def __init__(
        self,
        session: Session,
        now: datetime | None = None,
        *,
        secret: str | bytes | None = None,
        hourly_limit: int = HOURLY_LIMIT,
        daily_limit: int = DAILY_LIMIT,
    ) -> None:
        self.session = session
        self.now = now or utcnow()
        self.secret = secret
        self.hourly_limit = hourly_limit
        self.daily_limit = daily_limit
        self._seller_ids: dict[int, str] = {}

    # -- intake ---------------------------------------------------------------------------

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
        self._check_duplicates(row["seller_id"], row["complainant_ref"], row["narrative_original"])
        token = COMPLAINANT_PREFIX + secrets.token_urlsafe(32)
        complaint = Complaint(
            **row,
            public_id=new_public_id("c"),
            narrative_public=_fit(
                scrub(row["narrative_original"], [row["complainant_name"] or ""]), 5000
            ),
            verification=self._verification(row["seller_id"], row["order_ref"]),
            status="submitted",
            moderation_due_at=self.now + MODERATION_PERIOD,
            complainant_token_digest=digest(token),
            client_digest=client,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(complaint)
        self.session.flush()
        self._audit(
            complaint,
            COMPLAINANT_ACTOR,
            "complaint.file",
            None,
            {
                "status": "submitted",
                "public_id": complaint.public_id,
                "seller_id": complaint.seller_id,
                "category": complaint.category,
                "verification": complaint.verification,
            },
        )
        return complaint, token

    def _validate(self, data: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        seller_ref = clean_text(data.get("seller"))
        seller_id = None
        if not seller_ref:
            errors["seller"] = "required (the seller's public id)"
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
            "narrative_original": _text(data, "narrative", errors, multiline=True),
            "order_ref": _text(data, "order_ref", errors),
            "desired_resolution": _text(data, "desired_resolution", errors),
            "complainant_name": _text(data, "complainant_name", errors),
            "contact": _text(data, "contact", errors),
            "amount": _amount(data.get("amount"), errors),
        }
        ref = None
        if row["contact"] and "contact" not in errors:
            try:
                ref = keyed_digest("contact", normalize_contact(row["contact"]), self.secret)
            except ValueError:
                errors["contact"] = "a phone number or an e-mail address"
        if errors:
            raise ValidationFailed("complaint rejected: " + ", ".join(sorted(errors)), errors)
        return {**row, "seller_id": seller_id, "category": category, "complainant_ref": ref}

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

    def _check_duplicates(self, seller_id: int, ref: str, narrative: str) -> None:
        mine = self.session.execute(
            select(Complaint.id)
            .where(
                Complaint.seller_id == seller_id,
                Complaint.complainant_ref == ref,
                Complaint.status != "rejected",
                or_(
                    Complaint.status.in_(OPEN_STATES),
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
                Complaint.seller_id == seller_id,
                Complaint.status != "rejected",
                Complaint.created_at > self.now - NEAR_DUPLICATE_WINDOW,
            )
        ).scalars()
        if any(near_identical(narrative, other) for other in recent):
            raise Conflict(
                "a near-identical complaint against this seller was filed in the last 7 days",
                {"reason": "duplicate_narrative"},
            )

    def _verification(self, seller_id: int, order_ref: str | None) -> str:
        if not order_ref:
            return "unverified"
        found = self.session.execute(
            select(Event.id)
            .where(
                Event.seller_id == seller_id,
                Event.kind == "order",
                Event.order_ref == order_ref,
                Event.verification.in_(("platform", "regulator")),
            )
            .limit(1)
        ).first()
        return "purchase" if found else "unverified"

    # -- moderation -----------------------------------------------------------------------

    def accept(self, complaint_id: int | str, actor: Principal, severity: str | None = None) -> str:
        """Accept, notify the merchant and create the scoring event; return the reply token."""
        require_role(actor, "moderator")
        if severity is not None and severity not in SEVERITIES:
            raise ValidationFailed("unknown severity", {"severity": f"one of {SEVERITIES}"})
        complaint = self._load(complaint_id)
        self._require(complaint, "accept", ("submitted",))
        self._accept(complaint, actor.actor, None, severity)
        return self._new_reply_token(complaint)

    def _accept(
        self, complaint: Complaint, actor: str, reason: str | None, severity: str | None
    ) -> None:
        if complaint.verification == "unverified":
            complaint.verification = self._verification(complaint.seller_id, complaint.order_ref)
        complaint.reply_due_at = self.now + REPLY_PERIOD
        amount = complaint.amount or Decimal(0)
        unverified = complaint.verification == "unverified"
        event = Event(
            seller_id=complaint.seller_id,
            kind="complaint",
            occurred_at=complaint.created_at,
            severity=severity or ("moderate" if amount >= MODERATE_AMOUNT else "minor"),
            verification=complaint.verification,
            resolution=None,
            source=SOURCE,
            # An unverified complaint carries no references of its own: scoring then counts it
            # under the 7-day burst rule, which a flood of made-up contacts or order numbers
            # would otherwise escape (repeat complainants are refused at intake instead).
            order_ref=complaint.order_ref if unverified is False else None,
            complainant_ref=complaint.complainant_ref if unverified is False else None,
            category=complaint.category,
            summary=_fit(complaint.narrative_public, 4000),
            complaint_id=complaint.id,
            created_at=self.now,
        )
        self.session.add(event)
        self.session.flush()
        self._move(complaint, "merchant_notified", actor, "complaint.accept", reason)
        self._record(
            Change(
                actor,
                "event.create",
                "event",
                str(event.id),
                None,
                {
                    "kind": "complaint",
                    "seller_id": event.seller_id,
                    "severity": event.severity,
                    "verification": event.verification,
                    "complaint_id": complaint.id,
                },
            )
        )
        mark_changed(self.session, [complaint.seller_id], "event")

    def reject(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Refuse a submitted complaint with a public reason; no event is created."""
        require_role(actor, "moderator")
        reason = self._reason(reason)
        complaint = self._load(complaint_id)
        self._require(complaint, "reject", ("submitted",))
        complaint.complainant_token_digest = None
        self._move(complaint, "rejected", actor.actor, "complaint.reject", reason)
        return complaint

    def mark_invalid(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Find an accepted complaint invalid: its event then weighs nothing."""
        require_role(actor, "moderator")
        reason = self._reason(reason)
        complaint = self._load(complaint_id)
        self._require(complaint, "mark invalid", INVALIDATABLE)
        complaint.reply_token_digest = complaint.complainant_token_digest = None
        self._move(complaint, "invalid", actor.actor, "complaint.invalid", reason)
        self._resolve(complaint, "invalid", actor.actor)
        return complaint

    def reissue_reply_token(self, complaint_id: int | str, actor: Principal) -> str:
        """Replace the merchant's reply link (lost or never delivered); return the new token."""
        require_role(actor, "moderator")
        return self.issue_reply_link(complaint_id, actor.actor)

    def issue_reply_link(self, complaint_id: int | str, actor: str = SYSTEM_ACTOR) -> str:
        """Return a new one-time reply token for a complaint awaiting the merchant.

        For the notifier, for complaints in ``awaiting_reply_link()`` (auto-accepted ones);
        any earlier link stops working.
        """
        complaint = self._load(complaint_id)
        self._require(complaint, "issue a reply link for", ("merchant_notified", "no_response"))
        token = self._new_reply_token(complaint)
        complaint.updated_at = self.now
        self._audit(complaint, actor, "complaint.reply_link", None, None)
        return token

    def _new_reply_token(self, complaint: Complaint) -> str:
        token = REPLY_PREFIX + secrets.token_urlsafe(32)
        complaint.reply_token_digest = digest(token)
        return token

    # -- merchant and consumer ------------------------------------------------------------

    def reply(
        self,
        complaint_id: int | str,
        text: str,
        *,
        principal: Principal | None = None,
        token: str | None = None,
    ) -> Complaint:
        """Record the merchant's public answer (by merchant token or one-time reply link)."""
        complaint = self._load(complaint_id)
        if principal is not None:
            require_role(principal, "merchant")
            if principal.seller_id != complaint.seller_id:
                raise Forbidden("this complaint is about another seller")
            actor = principal.actor
        else:
            self._check_token(complaint.reply_token_digest, token, "reply link")
            actor = "merchant:reply-link"
        errors: dict[str, str] = {}
        body = _text({"reply": text}, "reply", errors, multiline=True)
        if errors:
            raise ValidationFailed("reply rejected", errors)
        due = complaint.reply_due_at
        if complaint.status == "merchant_notified" and due is not None and self.now > due:
            self._expire_reply(complaint, SYSTEM_ACTOR)
        self._require(complaint, "reply to", ("merchant_notified", "no_response"))
        late = complaint.status == "no_response"
        complaint.merchant_reply = _fit(scrub(body, [complaint.complainant_name or ""]), 5000)
        complaint.replied_at = self.now
        complaint.reply_token_digest = None
        self._move(
            complaint,
            "merchant_replied",
            actor,
            "complaint.reply",
            LATE_REPLY_REASON if late else None,
        )
        if late:
            mark_changed(self.session, [complaint.seller_id], "complaint")
        else:
            self._resolve(complaint, "unresolved", actor)
        return complaint

    def confirm(self, complaint_id: int | str, token: str, resolved: bool) -> Complaint:
        """Close the complaint with the consumer's answer to the merchant's reply."""
        if not isinstance(resolved, bool):
            raise ValidationFailed("resolved must be true or false", {"resolved": "a boolean"})
        complaint = self._load(complaint_id)
        self._check_token(complaint.complainant_token_digest, token, "complainant link")
        self._require(complaint, "confirm", ("merchant_replied",))
        complaint.complainant_token_digest = None
        complaint.outcome = "resolved" if resolved else "unresolved"
        self._move(
            complaint,
            "closed",
            COMPLAINANT_ACTOR,
            "complaint.confirm",
            CONFIRMED_REASON[resolved],
            outcome=complaint.outcome,
        )
        if self.reply_late(complaint):
            # Answered after the deadline: resolving it only earns "answered" (1.0).
            self._resolve(complaint, "unresolved" if resolved else "unanswered", COMPLAINANT_ACTOR)
        else:
            self._resolve(complaint, complaint.outcome, COMPLAINANT_ACTOR)
        return complaint

    # -- deadlines ------------------------------------------------------------------------

    def due(self, limit: int | None = None) -> list[int]:
        """Return ids of complaints with a deadline passed, oldest first."""
        query = (
            select(Complaint.id)
            .where(
                or_(
                    (Complaint.status == "submitted") & (Complaint.moderation_due_at < self.now),
                    (Complaint.status == "merchant_notified") & (Complaint.reply_due_at < self.now),
                    (Complaint.status == "merchant_replied")
                    & (Complaint.replied_at < self.now - CONFIRM_PERIOD),
                )
            )
            .order_by(Complaint.id)
        )
        return list(self.session.execute(query.limit(limit)).scalars())

    def enforce_deadline(self, complaint_id: int) -> str | None:
        """Apply the one deadline passed, if any; return the new status."""
        complaint = self._load(complaint_id)
        if complaint.status == "submitted" and complaint.moderation_due_at < self.now:
            # No reply link yet: the notifier issues it (``awaiting_reply_link``).
            self._accept(complaint, SYSTEM_ACTOR, AUTO_ACCEPT_REASON, None)
            return "merchant_notified"
        if complaint.status == "merchant_notified" and complaint.reply_due_at < self.now:
            self._expire_reply(complaint, SYSTEM_ACTOR)
            return "no_response"
        if (
            complaint.status == "merchant_replied"
            and complaint.replied_at < self.now - CONFIRM_PERIOD
        ):
            complaint.outcome = "unconfirmed"
            complaint.complainant_token_digest = None
            self._move(
                complaint,
                "closed",
                SYSTEM_ACTOR,
                "complaint.unconfirmed",
                UNCONFIRMED_REASON,
                outcome="unconfirmed",
            )
            if self.reply_late(complaint):
                mark_changed(self.session, [complaint.seller_id], "complaint")
            else:
                self._resolve(complaint, "unresolved", SYSTEM_ACTOR)
            return "closed"
        return None

    def enforce_deadlines(self, limit: int | None = None) -> dict[str, int]:
        """Apply every passed deadline (idempotent); return how many moved, by new state."""
        counts = {"accepted": 0, "no_response": 0, "closed": 0}
        for complaint_id in self.due(limit):
            status = self.enforce_deadline(complaint_id)
            if status is not None:
                counts["accepted" if status == "merchant_notified" else status] += 1
        return counts

    def _expire_reply(self, complaint: Complaint, actor: str) -> None:
        # The reply link stays valid: a late reply is still recorded and shown.
        self._move(complaint, "no_response", actor, "complaint.no_response", NO_RESPONSE_REASON)
        self._resolve(complaint, "unanswered", actor)

    # -- queries --------------------------------------------------------------------------

    def get(self, complaint_id: int | str) -> Complaint:
        """Return a complaint by id or public id, or raise NotFound."""
        if isinstance(complaint_id, int):
            complaint = self.session.get(Complaint, complaint_id)
        else:
            complaint = self.session.execute(
                select(Complaint).where(Complaint.public_id == complaint_id)
            ).scalar_one_or_none()
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id!r}")
        return complaint

    def for_seller(self, seller_id: int, public: bool = True) -> list[Any]:
        """Return a seller's complaints, newest first.

        ``public``: the public views of the complaints anyone may see (dicts, nothing else);
        otherwise every Complaint row, for moderation tools.
        """
        query = select(Complaint).where(Complaint.seller_id == seller_id)
        if public:
            query = query.where(Complaint.status.in_(PUBLIC_STATES))
        query = query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
        rows = list(self.session.execute(query).scalars())
        return [self.public_view(c) for c in rows] if public else rows

    def awaiting_reply_link(self, limit: int = 100) -> list[Complaint]:
        """Return accepted complaints whose merchant has no reply link yet (auto-accepted)."""
        return list(
            self.session.execute(
                select(Complaint)
                .where(
                    Complaint.status.in_(("merchant_notified", "no_response")),
                    Complaint.reply_token_digest.is_(None),
                )
                .order_by(Complaint.id)
                .limit(limit)
            ).scalars()
        )

    def moderation_queue(self, limit: int = 100) -> list[Complaint]:
        """Return submitted complaints, the nearest moderation deadline first."""
        return list(
            self.session.execute(
                select(Complaint)
                .where(Complaint.status == "submitted")
                .order_by(Complaint.moderation_due_at, Complaint.id)
                .limit(limit)
            ).scalars()
        )

    @staticmethod
    def reply_late(complaint: Complaint) -> bool:
        return bool(
            complaint.replied_at
            and complaint.reply_due_at
            and complaint.replied_at > complaint.reply_due_at
        )

    def public_view(self, complaint: Complaint) -> dict[str, Any]:
        """Return what anyone may see: never contact, name, original text or digests."""
        if complaint.seller_id not in self._seller_ids:
            self._seller_ids[complaint.seller_id] = self.session.execute(
                select(Seller.public_id).where(Seller.id == complaint.seller_id)
            ).scalar_one()
        return {
            "id": complaint.public_id,
            "seller": self._seller_ids[complaint.seller_id],
            "category": complaint.category,
            "status": complaint.status,
            "status_reason": complaint.status_reason,
            "verification": complaint.verification,
            "created_at": complaint.created_at,
            "narrative": complaint.narrative_public,
            "merchant_reply": complaint.merchant_reply,
            "replied_at": complaint.replied_at,
            "reply_late": self.reply_late(complaint),
            "outcome": complaint.outcome,
        }

    def moderator_view(self, complaint: Complaint, actor: Principal) -> dict[str, Any]:
        """Return the public view plus the private fields a moderator needs (no digests)."""
        require_role(actor, "moderator")
        return {
            **self.public_view(complaint),
            "narrative_original": complaint.narrative_original,
            "complainant_name": complaint.complainant_name,
            "contact": complaint.contact,
            "complainant_ref": complaint.complainant_ref,
            "order_ref": complaint.order_ref,
            "amount": None if complaint.amount is None else str(complaint.amount),
            "desired_resolution": complaint.desired_resolution,
            "moderation_due_at": complaint.moderation_due_at,
            "reply_due_at": complaint.reply_due_at,
            "updated_at": complaint.updated_at,
        }

    # -- helpers --------------------------------------------------------------------------

    def _load(self, complaint_id: int | str) -> Complaint:
        """Return the complaint re-read under the write lock (a transition decides on it)."""
        lock_for_write(self.session)
        self.session.flush()  # refresh() would drop changes not yet flushed
        complaint = self.get(complaint_id)
        self.session.refresh(complaint, with_for_update=True)
        return complaint

    @staticmethod
    def _require(complaint: Complaint, action: str, states: tuple[str, ...]) -> None:
        if complaint.status not in states:
            raise Conflict(
                f"cannot {action} a complaint in state {complaint.status!r} "
                f"(only in {', '.join(states)})",
                {"status": complaint.status},
            )

    @staticmethod
    def _check_token(stored: str | None, token: str | None, what: str) -> None:
        if not token:
            raise Unauthorized(f"a {what} token is required")
        if stored is None or not hmac.compare_digest(stored, digest(token)):
            raise Unauthorized(f"invalid or already used {what}")

    @staticmethod
    def _reason(reason: str) -> str:
        errors: dict[str, str] = {}
        value = _text({"reason": reason}, "reason", errors)
        if errors:
            raise ValidationFailed("a public reason is required", errors)
        return value

    def _move(
        self,
        complaint: Complaint,
        new: str,
        actor: str,
        action: str,
        reason: str | None,
        **extra: Any,
    ) -> None:
        old = complaint.status
        complaint.status = new
        complaint.status_reason = reason
        complaint.updated_at = self.now
        self._audit(
            complaint, actor, action, {"status": old}, {"status": new, "reason": reason, **extra}
        )

    def _resolve(self, complaint: Complaint, resolution: str, actor: str) -> None:
        """Set the complaint event's resolution and mark the seller for a full rescore."""
        event = self.session.execute(
            select(Event).where(Event.complaint_id == complaint.id, Event.kind == "complaint")
        ).scalar_one_or_none()
        if event is None or event.resolution == resolution:
            return
        old, event.resolution = event.resolution, resolution
        self._record(
            Change(
                actor,
                "event.update",
                "event",
                str(event.id),
                {"resolution": old},
                {"resolution": resolution},
            )
        )
        mark_changed(self.session, [complaint.seller_id], "event_update")

    def _audit(self, complaint: Complaint, actor: str, action: str, old: Any, new: Any) -> None:
        self._record(Change(actor, action, "complaint", str(complaint.id), old, new))

    def _record(self, change: Change) -> None:
        AuditLog(self.session).record([change], at=self.now)
