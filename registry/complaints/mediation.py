"""Mediation: what moderators, merchants and consumers do to a filed complaint."""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..core.errors import Forbidden, Unauthorized, ValidationFailed
from ..core.types import max_length
from ..events.models import SEVERITIES
from ..trust.tokens import Principal, digest, require_role
from .models import Complaint
from .notices import day
from .queries import ComplaintQueries
from .rules import (
    COMPLAINANT_ACTOR,
    CONFIRM_PERIOD,
    CONFIRMED_REASON,
    INVALIDATABLE,
    LATE_REPLY_REASON,
    MAX_AMOUNT,
    REBUT_PERIOD,
    RESPONSES,
    SYSTEM_ACTOR,
    text_field,
)
from .transitions import Transitions, new_reply_token


class Mediation:
    """Accept, reject, invalidate, reply and confirm; each checks who asks and the state."""

    def __init__(self, now: datetime, transitions: Transitions, queries: ComplaintQueries) -> None:
        self.now = now
        self.steps = transitions
        self.queries = queries

    # -- moderation -----------------------------------------------------------------------

    def accept(
        self,
        complaint_id: int | str,
        actor: Principal,
        severity: str | None = None,
        *,
        reply_link: bool = True,
    ) -> str | None:
        """Accept, notify the merchant and create the scoring event; return the reply token
        (without ``reply_link``, none: the complaint then awaits its reply link)."""
        require_role(actor, "moderator")
        if severity is not None and severity not in SEVERITIES:
            raise ValidationFailed("unknown severity", {"severity": f"one of {SEVERITIES}"})
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "accept", ("submitted",))
        # The reply link is sent to the merchant by the outbox; the moderator's console asks
        # for none (``reply_link``): a link never passes through a moderator's hands.
        token = self.steps.notify_merchant(complaint, actor.actor, None, severity)
        return token if reply_link else None

    def reject(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Refuse a submitted complaint with a public reason; no event is created."""
        require_role(actor, "moderator")
        reason = public_reason(reason)
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "reject", ("submitted",))
        self.steps.move(complaint, "rejected", actor.actor, "complaint.reject", reason)
        self.steps.notices.consumer(complaint, "rejected", reason=complaint.status_reason)
        return complaint

    def mark_invalid(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Find an accepted complaint invalid: its event then weighs nothing."""
        require_role(actor, "moderator")
        reason = public_reason(reason)
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "mark invalid", INVALIDATABLE)
        complaint.reply_token_digest = None
        self.steps.move(complaint, "invalid", actor.actor, "complaint.invalid", reason)
        self.steps.resolve(complaint, "invalid", actor.actor)
        self.steps.notices.consumer(complaint, "invalid", reason=complaint.status_reason)
        return complaint

    def edit_public_text(self, complaint_id: int | str, actor: Principal, text: str) -> Complaint:
        """A moderator corrects the public narrative before publishing (a mask the scrubber
        missed); the edit passes the public-text gate again, the consumer's words stay."""
        require_role(actor, "moderator")
        errors: dict[str, str] = {}
        body = text_field({"narrative": text}, "narrative", errors, multiline=True)
        if errors:
            raise ValidationFailed("the public text was not accepted", errors)
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "edit the public text of", ("submitted",))
        shown = self.steps.public(complaint, body, max_length(Complaint, "narrative_public"))
        old = complaint.narrative_public
        complaint.narrative_public, complaint.narrative_moderated = shown.public, shown.original
        complaint.updated_at = self.now
        self.steps.audit(
            complaint,
            actor.actor,
            "complaint.edit_public",
            {"narrative_public": old},
            {"narrative_public": shown.public},
        )
        return complaint

    def reissue_reply_token(self, complaint_id: int | str, actor: Principal) -> str:
        """Replace the merchant's reply link (lost or never delivered); return the new token."""
        require_role(actor, "moderator")
        return self.issue_reply_link(complaint_id, actor.actor)

    def issue_reply_link(self, complaint_id: int | str, actor: str = SYSTEM_ACTOR) -> str:
        """Return a new one-time reply token for a complaint awaiting the merchant.

        For complaints in ``awaiting_reply_link()`` (accepted before the outbox), or a lost
        link; any earlier link stops working. The merchant is sent the new link too.
        """
        complaint = self.steps.load(complaint_id)
        self.steps.require(
            complaint, "issue a reply link for", ("merchant_notified", "no_response", "rebutted")
        )
        token = new_reply_token(complaint)
        complaint.updated_at = self.now
        self.steps.audit(complaint, actor, "complaint.reply_link", None, None)
        due = (
            complaint.rebuttal_due_at if complaint.status == "rebutted" else complaint.reply_due_at
        )
        self.steps.notices.merchant(
            complaint,
            "reply_requested",
            token=token,
            reply_due=day(due),
            narrative=complaint.narrative_public,
        )
        return token

    # -- merchant and consumer ------------------------------------------------------------

    def reply(
        self,
        complaint_id: int | str,
        text: str,
        *,
        principal: Principal | None = None,
        token: str | None = None,
        response: str | None = None,
        settlement: Any = None,
    ) -> Complaint:
        """Record the merchant's public answer (by merchant token or one-time reply link):
        its text, what it does (``response``, one of RESPONSES; by default an explanation)
        and, for monetary relief, the ``settlement`` offered (yuan)."""
        complaint = self.steps.load(complaint_id)
        if principal is not None:
            require_role(principal, "merchant")
            if not principal.speaks_for(complaint.seller_id):
                raise Forbidden("this complaint is about another seller")
            actor = principal.actor
        else:
            check_token(complaint.reply_token_digest, token, "reply link")
            actor = "merchant:reply-link"
        errors: dict[str, str] = {}
        body = text_field({"reply": text}, "reply", errors, multiline=True)
        kind, offer = _response(response, settlement, errors)
        if errors:
            raise ValidationFailed("reply rejected", errors)
        complaint.merchant_response, complaint.settlement_amount = kind, offer
        if complaint.status == "rebutted":
            return self._answer_rebuttal(complaint, body, actor)
        due = complaint.reply_due_at
        if complaint.status == "merchant_notified" and due is not None and self.now > due:
            self.steps.expire_reply(complaint, SYSTEM_ACTOR)
        self.steps.require(complaint, "reply to", ("merchant_notified", "no_response"))
        late = complaint.status == "no_response"
        reply = self.steps.public(complaint, body, max_length(Complaint, "merchant_reply"))
        complaint.merchant_reply, complaint.merchant_reply_original = reply.public, reply.original
        complaint.replied_at = self.now
        complaint.confirm_due_at = self.now + CONFIRM_PERIOD
        complaint.reply_token_digest = None
        self.steps.move(
            complaint,
            "merchant_replied",
            actor,
            "complaint.reply",
            LATE_REPLY_REASON if late else None,
        )
        if late:
            self.steps.shown_changed(complaint)
        else:
            self.steps.resolve(complaint, "unresolved", actor)
        self.steps.notices.consumer(
            complaint,
            "replied",
            reply=complaint.merchant_reply,
            response=kind,
            settlement=None if offer is None else f"{offer:.2f}",
            rebut_by=day(self.now + REBUT_PERIOD),
            confirm_by=day(complaint.confirm_due_at),
        )
        return complaint

    def _answer_rebuttal(self, complaint: Complaint, body: str | None, actor: str) -> Complaint:
        """The merchant's answer to the consumer's rebuttal: the consumer decides next."""
        answer = self.steps.public(complaint, body, max_length(Complaint, "rebuttal_answer"))
        complaint.rebuttal_answer = answer.public
        complaint.rebuttal_answer_original = answer.original
        complaint.rebuttal_answered_at = self.now
        complaint.confirm_due_at = self.now + CONFIRM_PERIOD
        complaint.reply_token_digest = None
        self.steps.move(complaint, "merchant_replied", actor, "complaint.rebuttal_answer", None)
        self.steps.shown_changed(complaint)
        self.steps.notices.consumer(
            complaint,
            "rebuttal_answered",
            answer=complaint.rebuttal_answer,
            confirm_by=day(complaint.confirm_due_at),
        )
        return complaint

    def confirm(self, complaint_id: int | str, token: str, resolved: bool) -> Complaint:
        """Close the complaint with the consumer's answer to the merchant's reply."""
        if not isinstance(resolved, bool):
            raise ValidationFailed("resolved must be true or false", {"resolved": "a boolean"})
        complaint = self.steps.load(complaint_id)
        check_token(complaint.complainant_token_digest, token, "complainant link")
        return self.confirm_proved(complaint, resolved)

    def confirm_proved(self, complaint: Complaint | int | str, resolved: bool) -> Complaint:
        """``confirm`` for a complainant already proved (their status page's session)."""
        if not isinstance(complaint, Complaint):
            complaint = self.steps.load(complaint)
        self.steps.require(complaint, "confirm", ("merchant_replied",))
        complaint.outcome = "resolved" if resolved else "unresolved"
        self.steps.move(
            complaint,
            "closed",
            COMPLAINANT_ACTOR,
            "complaint.confirm",
            CONFIRMED_REASON[resolved],
            outcome=complaint.outcome,
        )
        if self.queries.reply_late(complaint):
            # Answered after the deadline: resolving it only earns "answered" (1.0).
            resolution = "unresolved" if resolved else "unanswered"
            self.steps.resolve(complaint, resolution, COMPLAINANT_ACTOR)
        else:
            self.steps.resolve(complaint, complaint.outcome, COMPLAINANT_ACTOR)
        # The public record shows the complaint closed with its outcome, even when the
        # scoring event stays as it was (then resolve marked nothing).
        self.steps.shown_changed(complaint)
        self.steps.notices.merchant(complaint, "closed", outcome=complaint.outcome)
        return complaint


def check_token(stored: str | None, token: str | None, what: str) -> None:
    """Raise Unauthorized unless ``token`` is the one whose digest is ``stored``."""
    if not token:
        raise Unauthorized(f"a {what} token is required")
    if stored is None or not hmac.compare_digest(stored, digest(token)):
        raise Unauthorized(f"invalid or already used {what}")


def public_reason(reason: str) -> str:
    """The cleaned reason a moderator gives, which the public sees (scrubbed)."""
    errors: dict[str, str] = {}
    value = text_field({"reason": reason}, "reason", errors)
    if errors:
        raise ValidationFailed("a public reason is required", errors)
    return value


def _response(
    response: str | None, settlement: Any, errors: dict[str, str]
) -> tuple[str, Decimal | None]:
    """The reply's response kind and the money it offers (checked)."""
    kind = response or "explanation"
    if kind not in RESPONSES:
        errors["response"] = "one of " + ", ".join(RESPONSES)
        return kind, None
    if settlement in (None, ""):
        if kind == "monetary_relief":
            errors["settlement"] = "the amount offered (yuan) is required for monetary relief"
        return kind, None
    if kind != "monetary_relief":
        errors["settlement"] = "only monetary relief offers an amount"
        return kind, None
    try:
        offer = Decimal(str(settlement).strip().replace(",", ""))
    except InvalidOperation:
        errors["settlement"] = "not a number"
        return kind, None
    if not offer.is_finite() or offer <= 0 or offer > MAX_AMOUNT:
        errors["settlement"] = f"more than 0 and at most {MAX_AMOUNT:,.0f} yuan"
        return kind, None
    if -offer.as_tuple().exponent > 2:  # type: ignore[operator]
        errors["settlement"] = "at most 2 decimals"
        return kind, None
    return kind, offer.quantize(Decimal("0.01"))
