"""What a complaint and each step of its casework take: each text runs the rule intake and
mediation apply to it (``rules.text_field``: cleaned, then its LIMITS), so the document's
lengths are what refuses a body, in the words the pages show too."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool

from ..core.identifiers import clean_text
from ..core.shapes import REQUIRED, Line, Shape, ruled
from ..events.models import COMPLAINT_CATEGORIES, SEVERITIES
from .models import DECISIONS
from .rules import LIMITS, MAX_AMOUNT, RESPONSES, amount_field, consent_field, text_field

#: the longest site address a consumer may report (a shop URL with its path)
SITE_LIMIT = 2000


def _rule(apply: Any) -> BeforeValidator:
    def rule(value: Any, key: str) -> Any:
        errors: dict[str, str] = {}
        out = apply(value, key, errors)
        if key in errors:
            raise ValueError(errors[key])
        return out

    return BeforeValidator(ruled(rule))


def _said(value: Any, key: str, errors: dict, *, limit: str, multiline: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[key] = "a text"
        return None
    into: dict[str, str] = {}
    out = text_field({limit: value}, limit, into, multiline)
    if into:
        errors[key] = into[limit]
    return out


def _category(value: Any, key: str, errors: dict) -> str | None:
    chosen = clean_text(value) if isinstance(value, str) else None
    if chosen not in COMPLAINT_CATEGORIES:
        errors[key] = f"one of {', '.join(COMPLAINT_CATEGORIES)}"
    return chosen


def _text(
    key: str, description: str | None = None, *, limit: str | None = None, multiline: bool = False
) -> Any:
    """A text of ``LIMITS[limit or key]``, required when its least length is not 0."""
    low, high = LIMITS[limit or key]
    marks = (REQUIRED,) if low else ()
    return Annotated[
        Annotated[str, Field(min_length=low, max_length=high)] | None,
        Field(description=description),
        _rule(lambda v, k, e: _said(v, k, e, limit=limit or key, multiline=multiline)),
        *marks,
    ]


class ComplaintFiling(Shape):
    """``POST /api/v1/complaints``: anyone files about a registered seller (``seller``) or
    about a site nobody has identified (``site``, its address): one of the two. The contact
    is never published."""

    seller: Line(64, description="the seller's public id; or give site") = None
    site: Line(SITE_LIMIT, description="the reported site's address; or give seller") = None
    category: Annotated[
        Literal[COMPLAINT_CATEGORIES] | None,  # type: ignore[valid-type]
        _rule(_category),
        REQUIRED,
    ]
    narrative: _text("narrative", "published after the privacy gate, once accepted", multiline=True)
    contact: _text("contact", "a phone number or an e-mail address; never published")
    order_ref: _text("order_ref") = None
    desired_resolution: _text("desired_resolution") = None
    complainant_name: _text("complainant_name", "never published") = None
    amount: Annotated[
        Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT)] | None,
        Field(description="yuan, at most 2 decimals"),
        _rule(lambda v, k, e: amount_field(v, e)),
    ] = None
    publish_narrative: Annotated[
        bool | None,
        Field(description="publish the scrubbed narrative (default true) or only the category"),
        _rule(lambda v, k, e: consent_field(True if v is None else v, e)),
    ] = None
    locale: Line(20, description="the language of the notices (zh_Hans_CN, en)") = None


class Acceptance(Shape):
    """``.../accept``: a moderator accepts, optionally grading the harm."""

    model_config = ConfigDict(extra="forbid")
    noun = "an acceptance"
    severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]


class Refusal(Shape):
    """``.../reject`` and ``.../invalid``: a moderator says why."""

    model_config = ConfigDict(extra="forbid")
    noun = "a refusal"
    reason: _text("reason")


class Reply(Shape):
    """``.../reply``: the merchant's public answer (a merchant token, or the one-time token)."""

    model_config = ConfigDict(extra="forbid")
    noun = "a reply"
    reply: _text("reply", multiline=True)
    token: Annotated[
        str | None, Field(max_length=200, description="the reply link's one-time token")
    ] = None
    response: Literal[RESPONSES] | None = Field(  # type: ignore[valid-type]
        None, description="what the answer does; default explanation"
    )
    settlement: Annotated[
        Decimal | None,
        Field(gt=0, le=MAX_AMOUNT, description="monetary_relief only: the yuan offered"),
    ] = None


class Confirmation(Shape):
    """``.../confirm``: the complainant says whether the reply resolved it."""

    model_config = ConfigDict(extra="forbid")
    noun = "a confirmation"
    token: Annotated[str, Field(max_length=200, description="the complainant's private token")]
    resolved: StrictBool


class Rebuttal(Shape):
    """``.../rebut``: the complainant answers the merchant's reply."""

    model_config = ConfigDict(extra="forbid")
    noun = "a rebuttal"
    token: Annotated[str, Field(max_length=200, description="the complainant's private token")]
    rebuttal: _text("rebuttal", "published after the privacy gate", multiline=True)


class Escalation(Shape):
    """``.../escalate``: the complainant asks for the regulator."""

    model_config = ConfigDict(extra="forbid")
    noun = "an escalation"
    token: Annotated[str, Field(max_length=200, description="the complainant's private token")]
    reason: _text("reason", limit="escalation_reason", multiline=True) = None


class EscalationDecision(Shape):
    """``POST /api/v1/escalations/<id>/decision``: the regulator decides, saying why."""

    model_config = ConfigDict(extra="forbid")
    noun = "a decision"
    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    reason: _text("reason", "published after the privacy gate", limit="decision_reason")
