"""Describe a computed score: its published parts, its caps and its plain-words explanation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import CAP_REASONS, GRADE_RANK, NR, PRIOR_DEFECTS, PRIOR_ORDERS, combine


@dataclass(frozen=True, slots=True)
class Cap:
    """A grade ceiling in force at the time of scoring."""

    reason: str
    max_grade: str
    until: datetime | None = None  # None: until a regulator lifts it (or identity is verified)
    event_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the cap as JSON-ready data."""
        return {
            "reason": self.reason,
            "max_grade": self.max_grade,
            "until": None if self.until is None else self.until.isoformat(),
            "event_id": self.event_id,
        }


@dataclass(frozen=True, slots=True)
class Contributor:
    """One event among those that cost the most points."""

    event_id: str | None
    kind: str
    weight: float  # decayed weight in its own sum: defects D, fraud points, sanction points
    points: float  # points the score would regain without it

    def to_dict(self) -> dict[str, Any]:
        """Return the contributor as JSON-ready data."""
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "weight": self.weight,
            "points": self.points,
        }


@dataclass(frozen=True, slots=True)
class Parts:
    """The published parts from which the score is recomputed exactly."""

    orders: float  # N: decayed count of verified orders that count
    defects: float  # D: decayed weighted defects that count
    theta: float
    points: float  # P(theta)
    fraud: float  # F, already capped at 60
    sanctions: float  # S
    raw: float  # clamp(P - F - S, 0, 100), before caps
    cap_value: float | None  # the lowest ceiling in force, if any
    held_for_review: int = 0  # unverified complaints over a burst allowance: kept, not counted
    top: tuple[Contributor, ...] = ()
    orders_prior: float = PRIOR_ORDERS
    defects_prior: float = PRIOR_DEFECTS

    def to_dict(self) -> dict[str, Any]:
        """Return the parts as JSON-ready data."""
        return {
            "orders": self.orders,
            "orders_prior": self.orders_prior,
            "defects": self.defects,
            "defects_prior": self.defects_prior,
            "theta": self.theta,
            "points": self.points,
            "fraud": self.fraud,
            "sanctions": self.sanctions,
            "raw": self.raw,
            "cap_value": self.cap_value,
            "held_for_review": self.held_for_review,
            "top": [c.to_dict() for c in self.top],
        }


def recompute(parts: Parts | Mapping[str, Any]) -> float:
    """Return the score value reproduced from its published parts alone."""
    if isinstance(parts, Parts):
        parts = parts.to_dict()
    if (parts["orders_prior"], parts["defects_prior"]) != (PRIOR_ORDERS, PRIOR_DEFECTS):
        raise ValueError("parts were computed with other priors (another model version)")
    return combine(
        parts["orders"], parts["defects"], parts["fraud"], parts["sanctions"], parts["cap_value"]
    )[3]


@dataclass(frozen=True, slots=True)
class Score:
    """A seller's score: the number, its letter, its caps and its parts."""

    value: float
    grade: str  # always the letter of value; see display_grade for NR
    limited_history: bool
    verified: bool
    caps: tuple[Cap, ...]
    parts: Parts
    version: int
    computed_at: datetime

    @property
    def display_grade(self) -> str:
        """Return what the public sees: "NR" for a limited history, else the letter."""
        return NR if self.limited_history else self.grade

    def to_dict(self) -> dict[str, Any]:
        """Return the score as JSON-ready data."""
        return {
            "value": self.value,
            "grade": self.grade,
            "display_grade": self.display_grade,
            "limited_history": self.limited_history,
            "verified": self.verified,
            "caps": [c.to_dict() for c in self.caps],
            "parts": self.parts.to_dict(),
            "version": self.version,
            "computed_at": self.computed_at.isoformat(),
        }

    def explain(self, lang: str = "en") -> str:
        """Return the score as one plain-words sentence, in "en" or "zh"."""
        if lang not in ("en", "zh"):
            raise ValueError(f"unsupported language {lang!r}")
        zh = lang == "zh"
        p = self.parts
        pct = f"{p.theta * 100:.2f}"
        if zh:
            text = (
                f"约 {p.orders:,.0f} 笔近期已核实订单（另加 {p.orders_prior:g} 笔先验）；"
                f"加权缺陷 {p.defects:.1f}（另加 {p.defects_prior:g} 先验）"
                f"→ {pct}% → {p.points:.1f} 分；"
            )
            text += f"欺诈扣 {p.fraud:.1f} 分" if p.fraud > 0 else "无欺诈"
            text += f"、处罚扣 {p.sanctions:.1f} 分" if p.sanctions > 0 else "、无处罚"
        else:
            text = (
                f"about {p.orders:,.0f} recent verified orders (+{p.orders_prior:g} prior); "
                f"weighted defects {p.defects:.1f} (+{p.defects_prior:g} prior)"
                f" -> {pct} % -> {p.points:.1f} points; "
            )
            text += f"fraud -{p.fraud:.1f}" if p.fraud > 0 else "no fraud"
            text += f", sanctions -{p.sanctions:.1f}" if p.sanctions > 0 else ", no sanctions"
        if self.caps:
            grade = max((c.max_grade for c in self.caps), key=GRADE_RANK.__getitem__)
            reasons = ("、" if zh else ", ").join(
                CAP_REASONS.get(c.reason, (c.reason, c.reason))[1 if zh else 0]
                for c in self.caps
                if c.max_grade == grade
            )
            text += f"；封顶 {grade}（{reasons}）" if zh else f"; capped at {grade} ({reasons})"
        arrow = " → " if zh else " -> "
        if self.value != p.points:
            text += f"{arrow}{self.value:.1f}"
        if self.limited_history:
            text += f"{arrow}NR（记录不足）" if zh else f"{arrow}NR (limited history)"
        else:
            text += f"{arrow}{self.grade}"
        return text
