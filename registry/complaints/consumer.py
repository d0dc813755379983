"""What the complainant does on their status page: open it (private link or one-time code),
rebut the merchant's answer, ask for the regulator; and the lost-link recovery."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from ..core.errors import Conflict, RateLimited, ValidationFailed
from ..core.types import max_length
from ..privacy import keyed_digest, normalize_contact
from ..trust.tokens import digest
from .models import AccessCode, Complaint
from .notices import day
from .queries import ComplaintQueries
from .rules import (
    ACCESS_CODE_ATTEMPTS,
    ACCESS_CODE_LIFETIME,
    ACCESS_CODES_PER_CLIENT,
    ACCESS_CODES_PER_CONTACT,
    COMPLAINANT_ACTOR,
    ESCALATABLE,
    ESCALATED_REASON,
    REBUT_PERIOD,
    REBUTTAL_ANSWER_PERIOD,
    text_field,
)
from .transitions import Transitions, new_reply_token


class ConsumerSteps:
    """The complainant's own steps; each checks the private token or the signed-in contact."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        transitions: Transitions,
        queries: ComplaintQueries,
        secret: str | bytes | None,
    ) -> None:
        self.session = session
        self.now = now
        self.steps = transitions
        self.queries = queries
        self.secret = secret

    # -- who is asking --------------------------------------------------------------------

    def open(self, complaint_id: int | str, token: str | None) -> Complaint:
        """Return the complaint whose private token this is, or raise Unauthorized."""
        from .mediation import check_token

        complaint = self.queries.get(complaint_id)
        check_token(complaint.complainant_token_digest, token, "complainant link")
        return complaint

    def mine(self, complainant_ref: str) -> list[Complaint]:
        """The complaints filed with one contact (its keyed digest), newest first."""
        return list(
            self.session.execute(
                select(Complaint)
                .where(Complaint.complainant_ref == complainant_ref)
                .order_by(Complaint.created_at.desc(), Complaint.id.desc())
                .limit(100)
            ).scalars()
        )

    # -- steps ----------------------------------------------------------------------------

    def can_rebut(self, complaint: Complaint) -> bool:
        return (
            complaint.status == "merchant_replied"
            and complaint.rebutted_at is None
            and complaint.replied_at is not None
            and self.now <= complaint.replied_at + REBUT_PERIOD
        )

    def rebut(self, complaint_id: int | str, text: str) -> Complaint:
        """Answer the merchant's reply once, within 10 days: the merchant is asked again."""
        errors: dict[str, str] = {}
        body = text_field({"rebuttal": text}, "rebuttal", errors, multiline=True)
        if errors:
            raise ValidationFailed("rebuttal rejected", errors)
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "rebut", ("merchant_replied",))
        if complaint.rebutted_at is not None:
            raise Conflict("this answer was rebutted already", {"status": complaint.status})
        if not self.can_rebut(complaint):
            raise Conflict(
                "a reply can be rebutted within 10 days only",
                {"rebut_by": self.rebut_by(complaint)},
            )
        shown = self.steps.public(complaint, body, max_length(Complaint, "rebuttal"))
        complaint.rebuttal, complaint.rebuttal_original = shown.public, shown.original
        complaint.rebutted_at = self.now
        complaint.rebuttal_due_at = self.now + REBUTTAL_ANSWER_PERIOD
        complaint.confirm_due_at = None
        self.steps.move(complaint, "rebutted", COMPLAINANT_ACTOR, "complaint.rebut", None)
        self.steps.shown_changed(complaint)
        token = new_reply_token(complaint)
        self.steps.notices.merchant(
            complaint,
            "rebutted",
            token=token,
            rebuttal=complaint.rebuttal,
            answer_due=day(complaint.rebuttal_due_at),
        )
        return complaint

    @staticmethod
    def rebut_by(complaint: Complaint) -> datetime | None:
        return complaint.replied_at + REBUT_PERIOD if complaint.replied_at else None

    def escalate(self, complaint_id: int | str, reason: str | None = None) -> Complaint:
        """Refuse the answer (or none came in time): the case goes to the regulator's queue."""
        errors: dict[str, str] = {}
        said = text_field({"escalation_reason": reason}, "escalation_reason", errors, True)
        if errors:
            raise ValidationFailed("escalation rejected", errors)
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "escalate", ESCALATABLE)
        shown = self.steps.public(complaint, said, max_length(Complaint, "escalation_reason"))
        self.steps.escalate(complaint, COMPLAINANT_ACTOR, ESCALATED_REASON, shown if said else None)
        return complaint

    # -- a lost link ----------------------------------------------------------------------

    def _ref(self, contact: str) -> str:
        if not self.secret:
            raise ValueError("recovery needs the secret that keys contact digests")
        try:
            normal = normalize_contact(contact)
        except ValueError:
            raise ValidationFailed(
                "a phone number or an e-mail address", {"contact": "a phone number or an e-mail"}
            ) from None
        return keyed_digest("contact", normal, self.secret)

    def request_code(self, contact: str, client_key: str) -> None:
        """Send a one-time code to ``contact`` if it filed a complaint; answer alike if not.

        The throttle counts requests (not complaints), so it answers the same for a contact
        that filed nothing; a code is stored either way.
        """
        ref = self._ref(contact)
        client = keyed_digest("client", client_key, self.secret or "")
        since = self.now - timedelta(hours=1)
        for column, value, limit in (
            (AccessCode.client_digest, client, ACCESS_CODES_PER_CLIENT),
            (AccessCode.complainant_ref, ref, ACCESS_CODES_PER_CONTACT),
        ):
            count = self.session.execute(
                select(func.count())
                .select_from(AccessCode)
                .where(column == value, AccessCode.created_at > since)
            ).scalar_one()
            if count >= limit:
                raise RateLimited(
                    "too many codes asked; please try again in an hour",
                    {"retry_after": 3600, "reason": "codes_limited"},
                )
        code = f"{secrets.randbelow(10**6):06d}"
        self.session.add(
            AccessCode(
                complainant_ref=ref,
                client_digest=client,
                code_digest=digest(f"{ref}:{code}"),
                created_at=self.now,
                expires_at=self.now + ACCESS_CODE_LIFETIME,
            )
        )
        filed = self.mine(ref)
        if filed:
            # The newest complaint's language, and the contact as it was typed then.
            self.steps.notices.consumer(
                filed[0],
                "access_code",
                code=code,
                valid_minutes=int(ACCESS_CODE_LIFETIME.total_seconds() // 60),
            )

    def redeem_code(self, contact: str, code: str) -> str | None:
        """Return the contact's digest (what the signed-in session holds) for a right code,
        None for a wrong one: the caller commits either way, so failed attempts count."""
        ref = self._ref(contact)
        row = self.session.execute(
            select(AccessCode)
            .where(
                AccessCode.complainant_ref == ref,
                AccessCode.used_at.is_(None),
                AccessCode.expires_at > self.now,
            )
            .order_by(AccessCode.id.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None or row.attempts >= ACCESS_CODE_ATTEMPTS:
            return None
        row.attempts += 1
        if not secrets.compare_digest(row.code_digest, digest(f"{ref}:{(code or '').strip()}")):
            return None
        row.used_at = self.now
        return ref
