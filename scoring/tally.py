"""Accumulate a seller's events into decayed sums and the little per-key memory the rules need.

Every sum is held relative to a reference instant ``ref`` (seconds since the Unix epoch):
a full recomputation sets ``ref`` to ``now`` once; the incremental state moves it forward to
its latest event, rescaling each sum by 2^(-dt/h) in O(1) because decay is memoryless.
Keyed memory (buyer windows, order and complainant groups, burst windows) holds only what a
later event could still change; ``prune`` drops keys whose weight fell below ``PRUNE_WEIGHT``.
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Sequence
from datetime import datetime
from heapq import nlargest

from .events import row_count
from .model import (
    ABNORMAL_OPERATIONS,
    BURST_WINDOW_DAYS,
    BUYER_WINDOW_DAYS,
    CAP_CEILING,
    CAP_WINDOW,
    COMPLAINANT_WINDOW_DAYS,
    COMPLAINT,
    DAY_SECONDS,
    DEFECT_BASE,
    FRAUD_FINDING_CAP,
    FRAUD_HALF_LIFE_DAYS,
    FRAUD_MAX,
    FRAUD_POINTS,
    FRAUD_REPORT,
    FRAUD_VERIFICATION_WEIGHT,
    GRADE_RANK,
    IDENTITY_CAP,
    LN2,
    NR_MIN_ORDERS,
    ORDER_HALF_LIFE_DAYS,
    ORDERS_PER_BUYER,
    PRIOR_DEFECTS,
    PRIOR_ORDERS,
    RESOLUTION_WEIGHT,
    SANCTION_CAPS,
    SANCTION_KINDS,
    SANCTION_POINTS,
    SCORING_VERSION,
    SEVERITY_WEIGHT,
    TOP_CONTRIBUTORS,
    VERIFICATION_WEIGHT,
    burst_allowance,
    combine,
    grade_for,
    points_for,
)
from .result import Cap, Contributor, Parts, Score
from .times import as_dt, to_dt, to_ts, window

K_ORDER = LN2 / (ORDER_HALF_LIFE_DAYS * DAY_SECONDS)  # per second
K_FRAUD = LN2 / (FRAUD_HALF_LIFE_DAYS * DAY_SECONDS)
BUYER_SECONDS = BUYER_WINDOW_DAYS * DAY_SECONDS
COMPLAINANT_SECONDS = COMPLAINANT_WINDOW_DAYS * DAY_SECONDS
BURST_SECONDS = BURST_WINDOW_DAYS * DAY_SECONDS
# Poisson baseline per burst window from a decayed count: the decay's effective memory is h/ln2.
BURST_RATE = BURST_SECONDS * K_ORDER
PRUNE_WEIGHT = 1e-12
_INF = math.inf


def _offer(top: list, entry: list, key: object) -> None:
    """Keep the TOP_CONTRIBUTORS largest entries [lk, tb, key, ...] by (lk, tb)."""
    if key is not None:
        for i, old in enumerate(top):
            if old[2] == key:
                top[i] = entry
                break
        else:
            top.append(entry)
    else:
        top.append(entry)
    top.sort(key=_rank, reverse=True)
    del top[TOP_CONTRIBUTORS:]


def _rank(entry: list) -> tuple:
    return entry[0], entry[1]


class Tally:
    """Decayed sums of one seller relative to ``ref``, with the per-key memory of the rules."""

    __slots__ = (
        "ref",
        "epoch",
        "epoch_ts",
        "orders",
        "buckets",
        "defects",
        "groups",
        "d_top",
        "pool",
        "units",
        "unit_weeks",
        "fraud",
        "f_top",
        "sanctions",
        "s_closed",
        "caps",
    )

    def __init__(self, ref: float, epoch: datetime) -> None:
        self.ref = ref
        self.epoch = epoch
        self.epoch_ts = epoch.timestamp()
        self.orders = 0.0  # N at ref
        self.buckets: dict = {}  # (buyer, window) -> ts, or sorted list of the latest <= 5 ts
        self.defects = 0.0  # D at ref, burst windows excluded
        # ("o", order) | ("c", complainant, window) -> [lk, tb, w, ts, eid, kind, has unit]
        self.groups: dict = {}
        self.d_top: list = []  # [lk, tb, key, w, ts, eid, kind]
        self.pool: dict = {}  # burst window -> [[lk, tb, w, ts, eid, kind], ...]
        self.units = 0.0  # decayed count of verified complaints, at ref
        self.unit_weeks: dict = {}  # burst window -> decayed count at the window's start
        self.fraud = 0.0  # sum of fraud points at ref (uncapped)
        self.f_top: list = []  # [lk, tb, None, pts, ts, eid, kind]
        self.sanctions: list = []  # [pts, end_ts, ts, eid, kind]
        self.s_closed = 0.0  # pruned sanctions, at ref (their windows ended before ref)
        self.caps: list = []  # [reason, grade, until datetime | None, eid]

    def advance(self, ts: float) -> None:
        """Move the reference instant forward to ts, decaying every sum."""
        dt = self.ref - ts
        if dt >= 0.0:
            return
        fo = math.exp(dt * K_ORDER)
        ff = math.exp(dt * K_FRAUD)
        self.orders *= fo
        self.defects *= fo
        self.units *= fo
        self.fraud *= ff
        self.s_closed *= ff
        self.ref = ts

    def add_order(self, ts: float, t: object, buyer: str | None, count: int = 1) -> None:
        """Count one verified order (or an aggregate of ``count``, which names no buyer), at
        most ORDERS_PER_BUYER per buyer per window."""
        w = math.exp((ts - self.ref) * K_ORDER)
        if buyer is None:
            self.orders += w * count
            return
        key = (buyer, window(ts, t, self.epoch_ts, self.epoch, BUYER_SECONDS))
        got = self.buckets.get(key)
        if got is None:
            self.buckets[key] = ts
        elif got.__class__ is float:
            self.buckets[key] = [got, ts] if got <= ts else [ts, got]
        elif len(got) < ORDERS_PER_BUYER:
            insort(got, ts)
        elif ts > got[0]:
            # The latest orders weigh most: keeping them keeps an added order from lowering N.
            w -= math.exp((got[0] - self.ref) * K_ORDER)
            got[0] = ts
            got.sort()
        else:
            return
        self.orders += w

    def add(self, row: Sequence, ts: float) -> None:
        """Add one event other than an order (a row in ROW_FIELDS order)."""
        kind = row[0]
        count = row_count(row)  # refuses a count on a kind the aggregate rule does not cover
        base = DEFECT_BASE.get(kind)
        if base is not None:
            try:
                w = (
                    base
                    * SEVERITY_WEIGHT[row[2]]
                    * VERIFICATION_WEIGHT[row[3]]
                    * RESOLUTION_WEIGHT[row[4]]
                )
            except KeyError as exc:
                raise ValueError(f"unknown severity, verification or resolution {exc}") from None
            # An aggregate of defects names no order: each counts as on an order of its own,
            # so together they weigh count times one (SCORING.md, "Aggregates").
            w *= count
            if w > 0.0:
                self._defect(kind, row, ts, w)
        elif kind == FRAUD_REPORT:
            self._fraud(row, ts)
        elif kind in SANCTION_KINDS:
            self._sanction(kind, row, ts)
        else:
            raise ValueError(f"unknown event kind {kind!r}")

    def _defect(self, kind: str, row: Sequence, ts: float, w: float) -> None:
        eid = row[8]
        tb = "" if eid is None else str(eid)
        lk = math.log(w) + ts * K_ORDER  # orders groups by decayed weight whatever ref is
        verified = row[3] != "unverified"
        key: tuple | None = None
        if kind == COMPLAINT and row[6] is not None:
            p = window(ts, row[1], self.epoch_ts, self.epoch, COMPLAINANT_SECONDS)
            key = ("c", row[6], p)
        elif row[5] is not None:
            key = ("o", row[5])
            if kind == COMPLAINT and verified:
                self._unit(ts, row[1], None)
        elif kind == COMPLAINT:
            if verified:
                self._unit(ts, row[1], None)
            else:
                week = window(ts, row[1], self.epoch_ts, self.epoch, BURST_SECONDS)
                self.pool.setdefault(week, []).append([lk, tb, w, ts, eid, kind])
                return
        c = w * math.exp((ts - self.ref) * K_ORDER)
        if key is None:
            self.defects += c
            _offer(self.d_top, [lk, tb, None, w, ts, eid, kind], None)
            return
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = group = [lk, tb, w, ts, eid, kind, False]
            self.defects += c
            _offer(self.d_top, [lk, tb, key, w, ts, eid, kind], key)
        elif (lk, tb) > (group[0], group[1]):
            self.defects += c - group[2] * math.exp((group[3] - self.ref) * K_ORDER)
            group[:6] = [lk, tb, w, ts, eid, kind]
            _offer(self.d_top, [lk, tb, key, w, ts, eid, kind], key)
        if key[0] == "c" and verified and not group[6]:
            # One baseline unit per complainant window, dated at the window's start, so that a
            # repeated complaint changes nothing (property 13).
            group[6] = True
            self._unit(
                self.epoch_ts + key[2] * COMPLAINANT_SECONDS,
                None,
                key[2] * COMPLAINANT_WINDOW_DAYS // BURST_WINDOW_DAYS,
            )

    def _unit(self, ts: float, t: object, week: int | None) -> None:
        if week is None:
            week = window(ts, t, self.epoch_ts, self.epoch, BURST_SECONDS)
        self.units += math.exp((ts - self.ref) * K_ORDER)
        start = self.epoch_ts + week * BURST_SECONDS
        self.unit_weeks[week] = self.unit_weeks.get(week, 0.0) + math.exp((ts - start) * K_ORDER)

    def _fraud(self, row: Sequence, ts: float) -> None:
        if row[4] == "invalid":
            return
        try:
            pts = FRAUD_POINTS * FRAUD_VERIFICATION_WEIGHT[row[3]]
        except KeyError:
            raise ValueError(f"unknown verification {row[3]!r}") from None
        eid = row[8]
        self.fraud += pts * math.exp((ts - self.ref) * K_FRAUD)
        _offer(
            self.f_top,
            [
                math.log(pts) + ts * K_FRAUD,
                "" if eid is None else str(eid),
                None,
                pts,
                ts,
                eid,
                FRAUD_REPORT,
            ],
            None,
        )
        if row[3] == "regulator":
            # Cap windows are compared as datetimes: exact, whatever the float rounding.
            since = as_dt(row[1])
            until = since + CAP_WINDOW
            if row[10] is not None:
                until = min(until, as_dt(row[10]))
            self._cap("fraud_finding", FRAUD_FINDING_CAP, since, until, eid)

    def _sanction(self, kind: str, row: Sequence, ts: float) -> None:
        if row[4] == "invalid":  # overturned
            return
        eid = row[8]
        end_ts = ts if row[9] is None else to_ts(row[9])
        lifted_ts = _INF if row[10] is None else to_ts(row[10])
        pts = SANCTION_POINTS[kind]
        if pts > 0.0:
            self.sanctions.append([pts, max(ts, min(end_ts, lifted_ts)), ts, eid, kind])
        grade = SANCTION_CAPS.get(kind)
        if grade is None:
            return
        since, ends, lifted = as_dt(row[1]), to_dt(row[9]), to_dt(row[10])
        until: datetime | None
        if kind == ABNORMAL_OPERATIONS:  # until removed
            until = min((x for x in (ends, lifted) if x is not None), default=None)
        else:
            until = max(since + CAP_WINDOW, ends or since)
            if lifted is not None:
                until = min(until, lifted)
        self._cap(kind, grade, since, until, eid)

    def _cap(
        self, reason: str, grade: str, since: datetime, until: datetime | None, eid: object
    ) -> None:
        if until is None or until > since:
            self.caps.append([reason, grade, until, eid])

    def prune(self) -> None:
        """Forget keys that no later event can move by more than PRUNE_WEIGHT."""
        ref = self.ref
        horizon = math.log(PRUNE_WEIGHT) / K_ORDER  # negative seconds
        self.buckets = {
            k: v
            for k, v in self.buckets.items()
            if (v if v.__class__ is float else v[-1]) - ref > horizon
        }
        self.groups = {
            k: g
            for k, g in self.groups.items()
            if g[2] * math.exp((g[3] - ref) * K_ORDER) >= PRUNE_WEIGHT
        }
        for week in [
            k
            for k, v in self.pool.items()
            if all(e[2] * math.exp((e[3] - ref) * K_ORDER) < PRUNE_WEIGHT for e in v)
        ]:
            # Counted in full: the burst rule could hold back at most PRUNE_WEIGHT each.
            entries = self.pool.pop(week)
            self.defects += sum(e[2] * math.exp((e[3] - ref) * K_ORDER) for e in entries)
        self.unit_weeks = {
            k: v
            for k, v in self.unit_weeks.items()
            if v * math.exp((self.epoch_ts + k * BURST_SECONDS - ref) * K_ORDER) >= PRUNE_WEIGHT
        }
        self.caps = [c for c in self.caps if c[2] is None or c[2].timestamp() > ref - 1.0]
        keep = []
        for s in self.sanctions:
            c = s[0] * math.exp((s[1] - ref) * K_FRAUD)
            if s[1] <= ref and c < PRUNE_WEIGHT:
                self.s_closed += c
            else:
                keep.append(s)
        self.sanctions = keep

    def size(self) -> int:
        """Return how many keyed records the tally holds."""
        return (
            len(self.buckets)
            + len(self.groups)
            + len(self.pool)
            + len(self.unit_weeks)
            + len(self.sanctions)
            + len(self.caps)
        )

    def score(self, now: datetime, identity_verified: bool) -> Score:
        """Return the score at now (not before ref)."""
        now_ts = now.timestamp()
        exp = math.exp
        lag = self.ref - now_ts
        if lag > 0.0:
            raise ValueError("cannot score before the reference instant")
        fo = exp(lag * K_ORDER) if lag else 1.0
        ff = exp(lag * K_FRAUD) if lag else 1.0
        n = self.orders * fo
        d = self.defects * fo
        cands = [
            (e[0], e[1], e[3] * exp((e[4] - now_ts) * K_ORDER), e[5], e[6]) for e in self.d_top
        ]
        held = 0
        if self.pool:
            d, held = self._burst(now_ts, d, cands)
        fraud_sum = self.fraud * ff
        fraud = fraud_sum if fraud_sum < FRAUD_MAX else FRAUD_MAX
        sanctions = self.s_closed * ff
        s_parts = []
        for s in self.sanctions:
            p = s[0] * exp(min(0.0, s[1] - now_ts) * K_FRAUD)
            sanctions += p
            s_parts.append((p, s[3], s[4]))
        caps = [
            Cap(r, g, u, None if e is None else str(e))
            for r, g, u, e in self.caps
            if u is None or u > now
        ]
        negative = d > 0.0 or fraud > 0.0 or sanctions > 0.0 or bool(caps)
        if not identity_verified:
            caps.append(Cap("identity_unverified", IDENTITY_CAP))
        cap_value = None
        if caps:
            caps.sort(
                key=lambda c: (-GRADE_RANK[c.max_grade], c.reason, c.until or now, c.event_id or "")
            )
            cap_value = min(CAP_CEILING[c.max_grade] for c in caps)
        theta, points, raw, value = combine(n, d, fraud, sanctions, cap_value)
        top: tuple[Contributor, ...] = ()
        if cands or self.f_top or s_parts:
            top = self._top(now_ts, n, d, points, cands, fraud, fraud_sum, s_parts)
        parts = Parts(n, d, theta, points, fraud, sanctions, raw, cap_value, held, top)
        return Score(
            value,
            grade_for(value),
            n < NR_MIN_ORDERS and not negative,
            identity_verified,
            tuple(caps),
            parts,
            SCORING_VERSION,
            now,
        )

    def _burst(self, now_ts: float, d: float, cands: list) -> tuple[float, int]:
        """Add the counted unverified complaints of each burst window; return (D, held)."""
        held = 0
        units = self.units * math.exp((self.ref - now_ts) * K_ORDER)
        for week, entries in self.pool.items():
            if len(entries) > 1:
                start = self.epoch_ts + week * BURST_SECONDS
                own = self.unit_weeks.get(week, 0.0) * math.exp((start - now_ts) * K_ORDER)
                k = burst_allowance((units - own) * BURST_RATE)
                if len(entries) > k:
                    held += len(entries) - k
                    entries = sorted(entries, key=_rank, reverse=True)[:k]
            for e in entries:
                c = e[2] * math.exp((e[3] - now_ts) * K_ORDER)
                d += c
                cands.append((e[0], e[1], c, e[4], e[5]))
        return d, held

    def _top(
        self,
        now_ts: float,
        n: float,
        d: float,
        points: float,
        cands: list,
        fraud: float,
        fraud_sum: float,
        s_parts: list,
    ) -> tuple[Contributor, ...]:
        """Return the events that cost the most points, largest first."""
        top = []
        for _, _, c, eid, kind in nlargest(TOP_CONTRIBUTORS, cands, key=_rank):
            regain = points_for(max(0.0, d - c + PRIOR_DEFECTS) / (n + PRIOR_ORDERS)) - points
            top.append(Contributor(None if eid is None else str(eid), kind, c, max(0.0, regain)))
        share = fraud / fraud_sum if fraud_sum > 0.0 else 0.0
        for e in self.f_top:
            pts = e[3] * math.exp((e[4] - now_ts) * K_FRAUD)
            top.append(Contributor(None if e[5] is None else str(e[5]), e[6], pts, pts * share))
        top += [
            Contributor(None if e is None else str(e), kind, p, p)
            for p, e, kind in s_parts
            if p > 0.0
        ]
        top.sort(key=lambda c: (-c.points, c.kind, c.event_id or ""))
        return tuple(top[:TOP_CONTRIBUTORS])
