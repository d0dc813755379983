"""Per-process caches of what the public sees, forgotten as soon as the change log says so."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlmodel import Session

from ..journal import changelog


class SellerCache:
    """Values derived from one seller's record, kept per process.

    The change log (asked at most once per ``poll`` seconds) names exactly the sellers whose
    public record changed; their entries are dropped, so nothing is staler than ``poll``.
    A value read while a poll (of another thread) dropped entries is returned but not kept:
    it may have been read before a change that poll has already dealt with.

    The poll and the loads read the same database. When the poll's database changes (a
    node moves its reads between a replica and the primary, which are at different points
    of the change log), everything is forgotten: an entry loaded from one was never checked
    against the other's log.
    """

    def __init__(
        self, max_items: int = 200_000, poll: float = 1.0, clock: Callable[[], float] | None = None
    ) -> None:
        self.max_items = max_items
        self.poll = poll
        self.clock = clock or time.monotonic
        self.items: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        # seller id -> its keys, so that forgetting a seller does not scan every item
        self.keys: dict[int, set[Hashable]] = {}
        self.seq: int | None = None
        self.source: object = None  # the engine the last poll read
        self.checked = float("-inf")
        self.forgetting = 0  # polls that dropped entries so far

    def get(
        self,
        session_factory: Callable[[], Session],
        key: Hashable,
        load: Callable[[Session], tuple[int, Any]],
    ) -> Any:
        """Return the cached value of ``key``, or ``load`` it (seller id and value)."""

        def read() -> tuple[int, Any]:
            with session_factory() as session:
                return load(session)

        return self.get_read(session_factory, key, read)

    def get_read(
        self,
        session_factory: Callable[[], Session],
        key: Hashable,
        read: Callable[[], tuple[int, Any]],
    ) -> Any:
        """``get`` for a ``read`` that needs no session (it reads through its own connection);
        ``session_factory`` serves the change-log poll."""
        if self.clock() - self.checked >= self.poll:
            with session_factory() as session:
                self._forget_changed(session)
        found = self.items.get(key)
        if found is None:
            polls = self.forgetting
            found = read()
            if polls != self.forgetting:
                return found[1]
            self.items[key] = found
            self.keys.setdefault(found[0], set()).add(key)
            if len(self.items) > self.max_items:
                old_key, (old_seller, _) = self.items.popitem(last=False)
                self.keys.get(old_seller, set()).discard(old_key)
        return found[1]

    def _forget_changed(self, session: Session) -> None:
        self.checked = self.clock()
        source = session.get_bind()
        if self.seq is None or source is not self.source:
            if self.seq is not None:
                self.forgetting += 1
                self.items.clear()
                self.keys.clear()
            self.source = source
            self.seq = changelog.head(session)
            return
        entries, last = changelog.since(session, self.seq, limit=50_000)
        if entries:
            self.forgetting += 1
        if len(entries) >= 50_000:
            self.items.clear()
            self.keys.clear()
        else:
            for seller_id in {sid for sid, _kind in entries}:
                for key in self.keys.pop(seller_id, ()):
                    self.items.pop(key, None)
        self.seq = last
