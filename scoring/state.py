"""Keep a seller's score up to date one event at a time, without rereading its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .events import Event, as_row, row_count
from .model import ORDER, SCORING_VERSION, VERIFIED_ORDER_SOURCES, WINDOW_EPOCH
from .result import Score
from .tally import Tally
from .times import as_dt, to_ts

# Prune once the events applied since the last pruning reach the state's size (at least this).
PRUNE_EVERY = 1024


class SellerState:
    """Decayed sums of one seller, brought forward in O(1) per event, and JSON-safe.

    Events may arrive in any order. Memory is bounded by what a later event could still
    change: per buyer window the latest 5 order times, one record per defective order and per
    complainant window, the unverified complaints of each burst window, and the sanctions and
    caps; a key is forgotten once its weight falls below ``PRUNE_WEIGHT`` (about 40 half-lives).
    """

    __slots__ = ("_epoch", "_tally", "_applied", "_next_prune")

    def __init__(self, *, epoch: datetime = WINDOW_EPOCH) -> None:
        self._epoch = epoch
        self._tally: Tally | None = None
        self._applied = 0
        self._next_prune = PRUNE_EVERY

    def apply(self, event: Event) -> None:
        """Add one event."""
        self.apply_row(as_row(event))

    def apply_row(self, row: Sequence) -> None:
        """Add one event given as a row in Event field order."""
        t = row[1]
        ts = to_ts(t)
        tally = self._tally
        if tally is None:
            tally = self._tally = Tally(ts, self._epoch)
        tally.advance(ts)
        if row[0] == ORDER:
            if row[3] in VERIFIED_ORDER_SOURCES:
                tally.add_order(ts, t, row[7], row_count(row))
        else:
            tally.add(row, ts)
        self._applied += 1
        if self._applied >= self._next_prune:
            tally.prune()
            self._next_prune = self._applied + max(PRUNE_EVERY, tally.size())

    def score(self, now: datetime, identity_verified: bool) -> Score:
        """Return the score at now (or at the latest event, if that is later)."""
        now = as_dt(now)
        tally = self._tally
        if tally is None:
            tally = Tally(now.timestamp(), self._epoch)
        elif now.timestamp() < tally.ref:
            now = as_dt(tally.ref)
        return tally.score(now, identity_verified)

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON-safe data."""
        out: dict[str, Any] = {
            "version": SCORING_VERSION,
            "epoch": self._epoch.isoformat(),
            "applied": self._applied,
        }
        tally = self._tally
        if tally is None:
            return out
        out.update(
            ref=tally.ref,
            orders=tally.orders,
            buckets=[[b, p, v] for (b, p), v in tally.buckets.items()],
            defects=tally.defects,
            groups=[[list(k), g] for k, g in tally.groups.items()],
            d_top=[e[:2] + [None if e[2] is None else list(e[2])] + e[3:] for e in tally.d_top],
            pool=[[w, entries] for w, entries in tally.pool.items()],
            units=tally.units,
            unit_weeks=[[w, v] for w, v in tally.unit_weeks.items()],
            fraud=tally.fraud,
            f_top=tally.f_top,
            sanctions=tally.sanctions,
            s_closed=tally.s_closed,
            caps=[[r, g, None if u is None else u.isoformat(), e] for r, g, u, e in tally.caps],
        )
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SellerState:
        """Rebuild a state saved by to_dict (same SCORING_VERSION only)."""
        if data.get("version") != SCORING_VERSION:
            raise ValueError("state was saved by another scoring version; rebuild it")
        state = cls(epoch=datetime.fromisoformat(data["epoch"]))
        state._applied = data["applied"]
        state._next_prune = state._applied + PRUNE_EVERY
        if "ref" not in data:
            return state
        tally = state._tally = Tally(data["ref"], state._epoch)
        tally.orders = data["orders"]
        tally.buckets = {
            (b, p): (list(v) if isinstance(v, list) else v) for b, p, v in data["buckets"]
        }
        tally.defects = data["defects"]
        tally.groups = {tuple(k): list(g) for k, g in data["groups"]}
        tally.d_top = [
            e[:2] + [None if e[2] is None else tuple(e[2])] + e[3:] for e in data["d_top"]
        ]
        tally.pool = {w: [list(e) for e in entries] for w, entries in data["pool"]}
        tally.units = data["units"]
        tally.unit_weeks = {w: v for w, v in data["unit_weeks"]}
        tally.fraud = data["fraud"]
        tally.f_top = [list(e) for e in data["f_top"]]
        tally.sanctions = [list(s) for s in data["sanctions"]]
        tally.s_closed = data["s_closed"]
        tally.caps = [
            [r, g, None if u is None else datetime.fromisoformat(u), e]
            for r, g, u, e in data["caps"]
        ]
        return state
