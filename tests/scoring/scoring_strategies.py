"""Hypothesis strategies for seller histories, and a naive reading of SCORING.md to check against.

The reference below is written straight from the document, with its own copies of the
numbers, so that a changed weight in ``scoring`` shows up as a disagreement.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

import scoring

UTC = UTC
DAY = timedelta(days=1)
FULFILLMENT = sorted(scoring.FULFILLMENT_KINDS)
SANCTIONS = sorted(scoring.SANCTION_KINDS)
NEGATIVE_KINDS = FULFILLMENT + [scoring.COMPLAINT, scoring.FRAUD_REPORT] + SANCTIONS
SEVERITIES = ["minor", "moderate", "harm"]
VERIFICATIONS = ["regulator", "platform", "purchase", "identity", "unverified"]
RESOLUTIONS = [None, "unanswered", "unresolved", "resolved", "invalid"]

nows = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
# Ages up to 4 years, mostly whole seconds, sometimes with microseconds.
ages = st.one_of(
    st.integers(0, 4 * 365 * 86400).map(lambda s: timedelta(seconds=s)),
    st.integers(0, 4 * 365 * 86400 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.sampled_from([timedelta(0), DAY, 30 * DAY, 90 * DAY, 180 * DAY, 365 * DAY]),
)
small_ref = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@st.composite
def events(draw, now, kinds=None, event_id=None):
    """Draw one event dated at or before now."""
    kind = draw(
        st.sampled_from(kinds)
        if kinds
        else st.one_of(
            st.just(scoring.ORDER), st.sampled_from(NEGATIVE_KINDS), st.just(scoring.COMPLAINT)
        )
    )
    t = now - draw(ages)
    ends = lifted = None
    if kind in scoring.SANCTION_KINDS or kind == scoring.FRAUD_REPORT:
        ends = draw(st.one_of(st.none(), st.integers(0, 4 * 365).map(lambda d: t + d * DAY)))
        lifted = draw(st.one_of(st.none(), st.integers(0, 5 * 365).map(lambda d: t + d * DAY)))
    return scoring.Event(
        kind=kind,
        occurred_at=t,
        severity=draw(st.sampled_from(SEVERITIES)),
        verification=draw(st.sampled_from(VERIFICATIONS)),
        resolution=draw(st.sampled_from(RESOLUTIONS)),
        order_ref=draw(small_ref),
        complainant_ref=draw(small_ref),
        buyer_ref=draw(small_ref),
        event_id=event_id
        if event_id is not None
        else draw(st.one_of(st.none(), st.text("xyz", min_size=1, max_size=3))),
        ends_at=ends,
        lifted_at=lifted,
    )


@st.composite
def histories(draw, max_size=30, kinds=None, now=None):
    """Draw (now, events) with every event at or before now and unique event ids."""
    now = draw(nows) if now is None else now
    size = draw(st.integers(0, max_size))
    return now, [draw(events(now, kinds, event_id=f"e{i}")) for i in range(size)]


def order(at, buyer=None, verification="platform", event_id=None):
    """Return a verified clean order."""
    return scoring.Event(
        scoring.ORDER, at, verification=verification, buyer_ref=buyer, event_id=event_id
    )


# --- A naive reading of SCORING.md -------------------------------------------------------


def _age_days(now, t):
    return (now - t).total_seconds() / 86400


def _decay(now, t, h):
    return 2.0 ** (-_age_days(now, t) / h)


def _window(t, epoch, days):
    return (t - epoch) // timedelta(days=days)


def reference(events, now, identity_verified, epoch=datetime(1970, 1, 1, tzinfo=UTC)):
    """Return (value, N, D, F, S, lowest cap grade or None), straight from SCORING.md."""
    base = {
        "late_shipment": 0.3,
        "seller_cancellation": 0.5,
        "not_as_described_return": 0.5,
        "dispute_opened": 0.5,
        "dispute_lost": 1.0,
        "chargeback": 1.0,
        "non_delivery": 1.0,
        "complaint": 1.0,
        "buyer_return": 0.0,
    }
    sev = {"minor": 1, "moderate": 1.5, "harm": 2}
    ver = {"regulator": 1.0, "platform": 1.0, "purchase": 0.8, "identity": 0.4, "unverified": 0.1}
    res = {"unanswered": 2.0, "unresolved": 1.0, None: 1.0, "resolved": 0.5, "invalid": 0.0}
    fraud_ver = {
        "regulator": 1.0,
        "platform": 0.8,
        "purchase": 0.3,
        "identity": 0.15,
        "unverified": 0.05,
    }
    three_years = timedelta(days=3 * 365)

    free, per_buyer = 0.0, {}
    groups, singles, pool, units = {}, [], {}, []
    fraud, sanctions, caps = 0.0, 0.0, []
    for e in events:
        if e.kind == "order":
            if e.verification in ("platform", "regulator"):
                w = _decay(now, e.occurred_at, 180)
                if e.buyer_ref is None:
                    free += w
                else:
                    per_buyer.setdefault(
                        (e.buyer_ref, _window(e.occurred_at, epoch, 30)), []
                    ).append(w)
        elif e.kind in base:
            w = base[e.kind] * sev[e.severity] * ver[e.verification] * res[e.resolution]
            if w == 0:
                continue
            c = w * _decay(now, e.occurred_at, 180)
            verified = e.verification != "unverified"
            if e.kind == "complaint" and e.complainant_ref is not None:
                p = _window(e.occurred_at, epoch, 90)
                key = ("c", e.complainant_ref, p)
                if verified:
                    units.append(("c", e.complainant_ref, p))
            elif e.order_ref is not None:
                key = ("o", e.order_ref)
                if e.kind == "complaint" and verified:
                    units.append(e)
            elif e.kind == "complaint" and not verified:
                pool.setdefault(_window(e.occurred_at, epoch, 7), []).append(c)
                continue
            else:
                if e.kind == "complaint":
                    units.append(e)
                singles.append(c)
                continue
            groups[key] = max(groups.get(key, 0.0), c)
        elif e.kind == "fraud_report":
            if e.resolution == "invalid":
                continue
            fraud += 25 * fraud_ver[e.verification] * _decay(now, e.occurred_at, 365)
            if e.verification == "regulator":
                until = e.occurred_at + three_years
                if e.lifted_at is not None:
                    until = min(until, e.lifted_at)
                if now < until:
                    caps.append("D")
        else:
            if e.resolution == "invalid":
                continue
            points = {
                "sanction_warning": 10,
                "sanction_minor_fine": 10,
                "sanction_major_fine": 25,
                "sanction_consent_order": 25,
            }.get(e.kind, 0)
            end = e.ends_at or e.occurred_at
            if e.lifted_at is not None:
                end = min(end, e.lifted_at)
            end = max(end, e.occurred_at)
            sanctions += points * (_decay(now, end, 365) if now > end else 1.0)
            cap = {
                "sanction_major_fine": "C",
                "abnormal_operations": "C",
                "serious_illegal_list": "D",
                "licence_revoked": "F",
                "trading_ban": "F",
            }.get(e.kind)
            if cap == "C" and e.kind == "abnormal_operations":
                ends = [x for x in (e.ends_at, e.lifted_at) if x is not None]
                if not ends or now < min(ends):
                    caps.append(cap)
            elif cap:
                until = max(e.occurred_at + three_years, e.ends_at or e.occurred_at)
                if e.lifted_at is not None:
                    until = min(until, e.lifted_at)
                if now < until:
                    caps.append(cap)
    n = free + sum(sum(sorted(ws)[-5:]) for ws in per_buyer.values())
    d = sum(groups.values()) + sum(singles)
    # Baseline units: verified complaints (a complainant window once, at its start).
    unit_times = {}
    for u in units:
        if isinstance(u, tuple):
            unit_times[u] = epoch + u[2] * timedelta(days=90)
        else:
            unit_times[id(u)] = u.occurred_at
    for week, cs in pool.items():
        outside = sum(
            _decay(now, t, 180) for t in unit_times.values() if _window(t, epoch, 7) != week
        )
        lam = outside * 7 * math.log(2) / 180
        k = max(1, math.ceil(lam + 3 * math.sqrt(lam)))
        d += sum(sorted(cs)[-k:])
    fraud = min(60.0, fraud)
    if not identity_verified:
        caps.append("C")
    theta = (d + 3) / (n + 300)
    curve = [(0, 100), (0.005, 90), (0.01, 75), (0.02, 60), (0.04, 35), (0.08, 0)]
    points = 0.0
    for (x0, y0), (x1, y1) in zip(curve, curve[1:], strict=False):
        if theta < x1:
            points = y0 + (theta - x0) * (y1 - y0) / (x1 - x0)
            break
    value = min(100.0, max(0.0, points - fraud - sanctions))
    cap = max(caps, default=None)  # "F" > "D" > "C"
    if cap:
        value = min(value, {"C": 76.9, "D": 66.9, "F": 59.9}[cap])
    return value, n, d, fraud, sanctions, cap
