"""Score a seller from its whole history, from Event objects or from plain row tuples."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from .events import COUNT_FIELD, Event, as_row, check_count
from .model import ORDERS_PER_BUYER, WINDOW_EPOCH
from .result import Score
from .tally import BUYER_SECONDS, K_ORDER, Tally
from .times import EDGE, as_dt, to_ts, window

_DATETIME = datetime


def score(
    events: Iterable[Event],
    now: datetime,
    *,
    identity_verified: bool,
    epoch: datetime = WINDOW_EPOCH,
) -> Score:
    """Return the score of one seller's events at now."""
    return _score(events, now, identity_verified, epoch, True)


def score_rows(
    rows: Iterable[Sequence],
    now: datetime,
    identity_verified: bool,
    *,
    epoch: datetime = WINDOW_EPOCH,
) -> Score:
    """Return the score of rows in Event field order (times may be datetimes or POSIX seconds).

    An event dated after ``now`` (clock skew) moves the scoring instant to that event, so no
    known event is ever ignored and the incremental state can always agree.
    """
    return _score(rows, now, identity_verified, epoch, False)


def _score(
    items: Iterable, now: datetime, identity_verified: bool, epoch: datetime, events: bool
) -> Score:
    if not isinstance(items, (list, tuple)):
        items = list(items)
    if now.__class__ is not _DATETIME or now.tzinfo is None:
        now = as_dt(now)
    tally = _full(items, now.timestamp(), epoch, events)
    if tally is None:
        times = (e.occurred_at for e in items) if events else (r[1] for r in items)
        now = as_dt(max(times, key=to_ts))
        tally = _full(items, now.timestamp(), epoch, events)
        assert tally is not None
    return tally.score(now, identity_verified)


def _full(items: Sequence, now_ts: float, epoch: datetime, events: bool) -> Tally | None:
    """Return the tally of Events or rows at now_ts, or None if one is dated after now_ts."""
    tally = Tally(now_ts, epoch)
    add = tally.add
    epoch_ts = tally.epoch_ts
    exp = math.exp
    k = K_ORDER
    span = BUYER_SECONDS
    near_end = span - EDGE
    n = 0.0
    buckets: dict = {}
    get = buckets.get
    # Orders are most of the events: they are handled inline, without a call per order,
    # and read straight from the Event (no row built) when given Events.
    for item in items:
        if events:
            kind = item.kind
            t = item.occurred_at
        else:
            kind = item[0]
            t = item[1]
        cls = t.__class__
        if cls is float:
            ts = t
        elif cls is _DATETIME and t.tzinfo is not None:
            ts = t.timestamp()
        else:
            ts = to_ts(t)
        if ts > now_ts:
            return None
        if kind == "order":
            v = item.verification if events else item[3]
            # Self-reported orders count 0: only a platform's or regulator's record is evidence.
            if v != "platform" and v != "regulator":
                continue
            buyer = item.buyer_ref if events else item[7]
            if events:
                c = item.count
            else:
                c = item[COUNT_FIELD] if len(item) > COUNT_FIELD else 1
            if c != 1:  # an aggregate: no buyer, so no per-buyer limit (SCORING.md)
                check_count(kind, c, item.order_ref if events else item[5], buyer)
                n += c * exp((ts - now_ts) * k)
                continue
            if buyer is None:
                n += exp((ts - now_ts) * k)
                continue
            x = ts - epoch_ts
            p = x // span
            r = x - p * span
            if r < EDGE or r > near_end:
                p = window(ts, t, epoch_ts, epoch, span)
            key = (buyer, p)
            got = get(key)
            if got is None:
                buckets[key] = ts
            elif got.__class__ is float:
                buckets[key] = [got, ts]
            else:
                got.append(ts)
        else:
            add(as_row(item) if events else item, ts)
    for got in buckets.values():
        if got.__class__ is float:
            n += exp((got - now_ts) * k)
        else:
            got.sort()
            # The latest orders weigh most: keeping them keeps an added order from lowering N.
            for x in got[-ORDERS_PER_BUYER:]:
                n += exp((x - now_ts) * k)
    tally.orders = n
    return tally
