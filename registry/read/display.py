"""What the public is shown of a seller's standing, decided in one place.

The results page, the profile and the JSON API all show a seller through ``shown()``: the
grade (a letter, or NR), whether the score's number is shown, the risk flags and the demo
mark. A seller with a limited history is "NR" and its number is shown nowhere public (it
rests on too few orders to mean anything); an unscored seller is NR too. A search document
carries what ``shown()`` decided (``document_marks``, read back by ``from_document``), and a
badge warns of the same flags (``alarms``). A seller is Verified while a regulator's
verification of one of its identities holds (``is_current``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

import scoring
from scoring.model import CAP_WINDOW

from ..registration.models import Identity

NR = "NR"
#: the verifier of the generated demo registry (``flask load-demo``); no real registration can
#: carry it (RegistrationService refuses the name), so it marks the demo's own sellers
DEMO_VERIFIER = "演示监管部门"

#: risk flags, most serious first: caps of the score that mean "do not trust this seller now"
#: (ALARM_CAPS, active for the scoring model's cap window or until lifted), and a
#: registration status that means the business may not trade
RISK_FLAGS = (
    "fraud_finding",
    "serious_illegal_list",
    "licence_revoked",
    "trading_ban",
    "sanction_major_fine",
    "abnormal_operations",
    "registration_cancelled",
)
#: caps that mean "do not trust this seller now": a badge warns, never looks friendly
ALARM_CAPS = frozenset(
    {
        "fraud_finding",
        "sanction_major_fine",
        "abnormal_operations",
        "serious_illegal_list",
        "licence_revoked",
        "trading_ban",
    }
)
_STATUS_FLAGS = {"revoked": "licence_revoked", "cancelled": "registration_cancelled"}
#: marks a search document carries besides the risk flags
LIMITED_HISTORY = "limited_history"
DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Shown:
    """A seller as the public sees it."""

    grade: str  # a letter, or "NR"
    score: float | None  # the number shown: None for NR (limited history or not scored)
    flags: tuple[str, ...]  # risk flags, most serious first (RISK_FLAGS)
    demo: bool  # generated demo data, not a real business
    verified: bool = False  # an identity verified by a regulator (is_current)

    @property
    def rated(self) -> bool:
        return self.grade != NR


def risk_flags(caps: Iterable[Mapping[str, Any]] | None, status: str | None) -> tuple[str, ...]:
    """The risk flags of a score's caps and a registration status, most serious first."""
    found = {c.get("reason") for c in caps or ()}
    if status in _STATUS_FLAGS:
        found.add(_STATUS_FLAGS[status])
    return tuple(f for f in RISK_FLAGS if f in found)


def alarms(caps: Iterable[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """The alarm caps a badge and a signed statement name, in alphabetical order."""
    return tuple(sorted({c["reason"] for c in caps or () if c["reason"] in ALARM_CAPS}))


def is_current(
    verifier_role: str | None,
    verified_at: datetime | None,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """A regulator's verification that has not expired makes a seller Verified."""
    return (
        verifier_role == "regulator"
        and verified_at is not None
        and (expires_at is None or expires_at > now)
    )


def shown(
    *,
    grade: str | None,
    value: float | None,
    limited_history: bool,
    caps: Iterable[Mapping[str, Any]] | None = None,
    status: str | None = None,
    demo: bool = False,
    verified: bool = False,
) -> Shown:
    """Decide what is shown; ``grade`` is the score's display grade (None: not scored)."""
    rated = grade is not None and grade != NR and not limited_history and value is not None
    return Shown(
        grade if rated else NR,  # type: ignore[arg-type]
        round(float(value), 1) if rated else None,  # type: ignore[arg-type]
        risk_flags(caps, status),
        demo,
        verified,
    )


def document_marks(
    *, limited_history: bool, caps: Any, status: str | None, demo: bool
) -> list[str]:
    """The ``flags`` a search document stores: risk flags, then the NR and demo marks."""
    marks = list(risk_flags(caps, status))
    if limited_history:
        marks.append(LIMITED_HISTORY)
    if demo:
        marks.append(DEMO)
    return marks


def from_document(fields: Mapping[str, Any]) -> Shown:
    """What a search hit shows, from its stored fields (registry.read.search_docs)."""
    marks = fields.get("flags") or ()
    grade = fields.get("grade") or NR
    score = fields.get("score")
    rated = grade != NR and LIMITED_HISTORY not in marks and score is not None
    return Shown(
        grade if rated else NR,
        round(float(score), 1) if rated else None,
        tuple(m for m in marks if m in RISK_FLAGS),
        DEMO in marks,
        fields.get("verified") in (True, "true"),
    )


def is_demo(verifiers: Iterable[str | None]) -> bool:
    """Whether a seller whose identities were verified by ``verifiers`` is demo data."""
    return any(v == DEMO_VERIFIER for v in verifiers)


_HOLDS_DEMO = select(Identity.id).where(Identity.verified_by == DEMO_VERIFIER).limit(1)


def holds_demo(bind: Session | Connection | Engine) -> bool:
    """Whether the registry holds any seller of the generated demo set."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return conn.execute(_HOLDS_DEMO).first() is not None
    return bind.execute(_HOLDS_DEMO).first() is not None


#: the resolution of a record overturned by its source, a regulator or a moderator
WITHDRAWN = "invalid"


def withdrawn(resolution: str | None) -> bool:
    """Whether a record is overturned: it weighs nothing (SCORING.md) and is not shown."""
    return resolution == WITHDRAWN


def not_withdrawn(column: Any) -> Any:
    """The SQL condition of ``withdrawn`` on a resolution column: the record is shown."""
    return column.is_(None) | (column != WITHDRAWN)


def sanction_published(
    score_kind: str,
    decided_on: date,
    effective_until: date | None,
    lifted_at: datetime | None,
    repaired_at: datetime | None,
    resolution: str | None,
    now: datetime,
) -> bool:
    """Whether a regulator's finding is shown now: not repaired (a repaired entry stops being
    published, as Credit China does), not overturned nor lifted, and inside the window its
    cap holds (SCORING.md C: 3 years, or longer while it is in effect; an abnormal-operations
    listing until it is removed)."""
    if repaired_at is not None or withdrawn(resolution):
        return False
    if lifted_at is not None and lifted_at <= now:
        return False
    since = datetime.combine(decided_on, time.min, tzinfo=UTC)
    ends = None
    if effective_until is not None:
        ends = datetime.combine(effective_until + timedelta(days=1), time.min, tzinfo=UTC)
    if score_kind == scoring.ABNORMAL_OPERATIONS:
        return ends is None or ends > now
    return max(since + CAP_WINDOW, ends or since) > now


def fraud_loss(amount: Any, currency: str | None) -> tuple[Decimal, str] | None:
    """What a fraud report's amount lost is shown as: the amount to its currency's minor
    unit, and the ISO 4217 code (CNY when none was given); None when no amount was given.

    A regulator's or platform's report of what a scam took is the size of the harm, not a
    person's data (the victim is never named): it is published, as a fine is.
    """
    if amount is None:
        return None
    code = (currency or "CNY").upper()
    try:
        places = get_currency_precision(code)
    except Exception:  # an unknown code cannot be recorded (events.fields); be safe anyway
        places = 2
    value = Decimal(str(amount))
    if not value.is_finite():
        return None
    return value.quantize(Decimal(1).scaleb(-places)), code
