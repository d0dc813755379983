"""Streaming replicas of the PostgreSQL primary: how far behind each one is, and which of
them may answer a read.

Lag is measured from the primary's side. Each check reads the primary's WAL position, then
each replica's replayed position. A replica that has replayed what the primary had written
at a check made at time ``t`` holds every transaction committed before ``t``: its lag in
seconds is the age of the newest such check (0 when it has replayed all the primary has
now), so an idle primary does not make a caught-up replica look old, as
``now() - pg_last_xact_replay_timestamp()`` alone does. Its lag in bytes is the primary's
position less the replica's. A replica that lags past ``max_lag`` seconds, or cannot be
reached, answers nothing until a later check finds it caught up.

Checks run when a read asks (at most once per ``every`` seconds in a process, by one
thread at a time): nothing here starts a thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from .db import make_engine, session_factory

#: seconds before a replica found down is tried again (a host that drops packets costs a
#: connect timeout to the request that tries it)
DOWN_RETRY_SECONDS = 5.0
#: seconds a connection attempt to a replica may take
CONNECT_TIMEOUT = 2


def lsn(text: str | None) -> int | None:
    """A WAL position (``16/B374D848``) as a number of bytes."""
    if text is None:
        return None
    high, low = str(text).split("/")
    return (int(high, 16) << 32) | int(low, 16)


def lag_seconds(
    heads: Iterable[tuple[float, int]], now: float, head: int, position: int, idle: Any
) -> float:
    """How old a replica's data may be: 0 when it has replayed *head* (the primary's
    position now), else the age of the newest check whose position it has replayed.

    *heads* are (time, primary's position) of recent checks, oldest first; *idle* is the
    replica's own ``now() - pg_last_xact_replay_timestamp()``, used when it is behind every
    check remembered (the first check of a process, or a replica far behind)."""
    if position >= head:
        return 0.0
    checks = list(heads)
    covered = [t for t, h in checks if h <= position]
    if covered:
        return now - covered[-1]
    oldest = now - checks[0][0] if checks else 0.0
    return max(oldest, float(idle) if idle is not None else oldest)


@dataclass(frozen=True)
class ReplicaState:
    """What the last check found of one replica."""

    number: int  # its place in DATABASE_REPLICA_URLS, from 1
    up: bool = False
    checked: float | None = None  # the monotonic clock of the check
    replayed: int | None = None  # the WAL position it has replayed
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    problem: str | None = None

    def usable(self, max_lag: float) -> bool:
        return (
            self.up
            and self.replayed is not None
            and self.lag_seconds is not None
            and self.lag_seconds <= max_lag
        )

    def public(self, max_lag: float) -> dict[str, Any]:
        """What /healthz says of it (no address: the health check is public)."""
        if not self.up:
            state = "down" if self.checked is not None else "unchecked"
        else:
            state = "ok" if self.usable(max_lag) else "lagging"
        return {
            "replica": self.number,
            "state": state,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "lag_bytes": self.lag_bytes,
        }


class Replicas:
    """The replicas of one primary, as one process sees them."""

    def __init__(
        self,
        primary: Engine,
        urls: Sequence[str],
        max_lag: float,
        every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.max_lag = max_lag
        self.every = every
        self.clock = clock
        self.engines = [
            make_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT}) for url in urls
        ]
        self.readers: list[sessionmaker] = [session_factory(e) for e in self.engines]
        self.states = [ReplicaState(n + 1) for n in range(len(self.engines))]
        # (clock, primary's WAL position) of recent checks, oldest first
        self.heads: deque[tuple[float, int]] = deque()
        self.checked = float("-inf")
        self._checking = threading.Lock()
        for n, engine in enumerate(self.engines):
            event.listen(engine, "handle_error", self._on_error(n))

    # -- choosing ------------------------------------------------------------------------
    def choose(self, written: int | None = None) -> int | None:
        """The replica a read goes to (its index), or None for the primary. With *written*
        (a WAL position of the client's own last write) only a replica that has replayed it.

        Each process prefers one replica (by its pid), so that its caches, which follow the
        change log of where they read, do not hop between replicas that lag differently."""
        self.check()
        count = len(self.states)
        first = os.getpid() % count if count else 0
        for k in range(count):
            n = (first + k) % count
            state = self.states[n]
            if state.usable(self.max_lag) and (
                written is None or (state.replayed is not None and state.replayed >= written)
            ):
                return n
        return None

    # -- checking ------------------------------------------------------------------------
    def check(self, force: bool = False) -> None:
        """Measure every replica again when the last check is older than ``every``."""
        now = self.clock()
        if not force and now - self.checked < self.every:
            return
        if not self._checking.acquire(blocking=False):
            return  # another thread is checking: use what the last check found
        try:
            self.checked = now
            head = self._primary_position()
            if head is not None:
                self.heads.append((now, head))
                horizon = now - max(60.0, 4 * self.max_lag)
                while len(self.heads) > 1 and self.heads[0][0] < horizon:
                    self.heads.popleft()
            for n, engine in enumerate(self.engines):
                state = self.states[n]
                if (
                    not force
                    and not state.up
                    and state.checked is not None
                    and now - state.checked < DOWN_RETRY_SECONDS
                ):
                    continue
                self.states[n] = self._probe(state, engine, now, head)
        finally:
            self._checking.release()

    def _primary_position(self) -> int | None:
        try:
            with self.primary.connect() as conn:
                return lsn(conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar())
        except DBAPIError:
            return None  # the primary is away: the replicas keep the lag last measured

    def _probe(
        self, state: ReplicaState, engine: Engine, now: float, head: int | None
    ) -> ReplicaState:
        try:
            with engine.connect() as conn:
                recovering, replayed, idle = conn.exec_driver_sql(
                    "SELECT pg_is_in_recovery(),"
                    " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                    " ELSE pg_current_wal_lsn() END,"
                    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
                ).one()
        except DBAPIError as exc:
            problem = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            return _down(state, now, problem)
        position = lsn(replayed)
        if position is None:
            return _down(state, now, "nothing replayed yet")
        if head is None:
            return replace(state, up=True, checked=now, replayed=position, problem=None)
        return replace(
            state,
            up=True,
            checked=now,
            replayed=position,
            lag_bytes=max(0, head - position),
            lag_seconds=lag_seconds(self.heads, now, head, position, idle if recovering else 0.0),
            problem=None,
        )

    def _on_error(self, n: int) -> Callable[[Any], None]:
        """Take a replica out at once when a read finds its connection gone."""

        def lost(context: Any) -> None:
            if context.is_disconnect or context.connection is None:
                self.states[n] = _down(self.states[n], self.clock(), "connection lost")

        return lost

    def status(self) -> list[dict[str, Any]]:
        self.check()
        return [state.public(self.max_lag) for state in self.states]

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def _down(state: ReplicaState, now: float, problem: str) -> ReplicaState:
    return replace(state, up=False, checked=now, lag_seconds=None, lag_bytes=None, problem=problem)
