"""Convert times to POSIX seconds and find the epoch-aligned window of an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EDGE = 1e-3  # seconds: closer than this to a window edge, recompute the window exactly


def to_ts(t: object) -> float:
    """Return POSIX seconds of an aware datetime or a number."""
    if isinstance(t, datetime):
        if t.utcoffset() is None:
            raise ValueError("datetimes must be timezone-aware (UTC)")
        return t.timestamp()
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        return float(t)
    raise TypeError(f"not a time: {t!r}")


def to_dt(t: object) -> datetime | None:
    """Return an aware datetime for a datetime, a number of POSIX seconds or None."""
    if t is None or isinstance(t, datetime):
        if t is not None and t.utcoffset() is None:
            raise ValueError("datetimes must be timezone-aware (UTC)")
        return t
    return datetime.fromtimestamp(to_ts(t), UTC)


def as_dt(t: object) -> datetime:
    """Return an aware datetime for a datetime or a number of POSIX seconds."""
    dt = to_dt(t)
    if dt is None:
        raise TypeError("a time is required")
    return dt


def window(ts: float, t: object, epoch_ts: float, epoch: datetime, seconds: float) -> int:
    """Return the index of the epoch-aligned window holding ts, exact at the edges."""
    x = ts - epoch_ts
    p = x // seconds
    r = x - p * seconds
    if (r < EDGE or r > seconds - EDGE) and isinstance(t, datetime):
        # Float rounding could put an event on a window edge into either window.
        p = (t - epoch) // timedelta(seconds=seconds)
    return int(p)
