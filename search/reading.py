"""Keep one open searcher and reopen it only when the index changed."""

from __future__ import annotations

import os
import threading
import time
import weakref
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from whoosh.searching import Searcher

from search.store import IndexStore

_DERIVED = "_registry_derived"
_derived: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()
_derived_lock = threading.Lock()


def per_segment(leaf: Any, key: Any, compute: Callable[[], Any]) -> Any:
    """What *compute* derives from one segment's reader (*leaf*), computed once per process:
    segments never change, and the value goes with the reader (an attribute of it, else a
    weak map). Found values are read without the lock: a query asks dozens of times."""
    try:
        return leaf.__dict__[_DERIVED][key]
    except (AttributeError, KeyError):
        pass
    with _derived_lock:
        try:
            values = leaf.__dict__.setdefault(_DERIVED, {})
        except AttributeError:  # a reader without attributes of its own
            values = _derived.setdefault(leaf, {})
        if key not in values:
            values[key] = compute()
        return values[key]


class Recent:
    """A bounded map, the least recently used entries out first once the sizes of the
    entries (one each, unless *size* says otherwise) pass *limit*; thread-safe."""

    def __init__(self, limit: int, size: Callable[[Any], int] = lambda _value: 1) -> None:
        self.limit = limit
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.total = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value of *key*, or None. Without the lock: each OrderedDict call is atomic,
        and a key another thread drops in between is simply not moved."""
        found = self.items.get(key)
        if found is not None:
            try:
                self.items.move_to_end(key)
            except KeyError:
                pass
        return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if key in self.items:
                return
            self.items[key] = value
            self.total += self.size(value)
            while self.total > self.limit and self.items:
                _, old = self.items.popitem(last=False)
                self.total -= self.size(old)


#: stored documents kept per segment and process (those of popular sellers come back)
STORED_KEPT = 10_000


def stored_fields(searcher: Searcher, docnum: int) -> Mapping[str, Any]:
    """``searcher.stored_fields(docnum)``, the recently used ones kept per segment
    (decoding one costs tens of microseconds; a results page shows twenty). Read-only."""
    return stored_documents(searcher, [docnum])[0]


def stored_documents(searcher: Searcher, docnums: Iterable[int]) -> list[Mapping[str, Any]]:
    """stored_fields() of each of *docnums*, the segments looked up once for all."""
    leaves = searcher.leaf_searchers()
    offsets = [offset for _, offset in leaves]
    kept: dict[int, tuple[Any, Recent]] = {}
    out = []
    for docnum in docnums:
        i = bisect_right(offsets, docnum) - 1
        if i not in kept:
            leaf = leaves[i][0].reader()
            kept[i] = (leaf, per_segment(leaf, "stored", lambda: Recent(STORED_KEPT)))
        leaf, recent = kept[i]
        local = docnum - offsets[i]
        found = recent.get(local)
        if found is None:
            # The per-document reader's dict, without Whoosh's check of every key against
            # the schema: an index of another schema version is never opened (IndexStore).
            found = MappingProxyType(leaf._perdoc.stored_fields(local))  # noqa: SLF001
            recent.put(local, found)
        out.append(found)
    return out


#: a generation folder changed less than this long ago is checked the long way: a file
#: time has the kernel's tick as its grain, so two commits in one tick look the same
SETTLE_SECONDS = 2.0


def _settled_identity(gen: Any) -> tuple | None:
    """(inode, mtime) of the folder *gen*, or None while it may still change unseen."""
    try:
        st = os.stat(gen)
    except (OSError, TypeError):
        return None
    if time.time() - st.st_mtime < SETTLE_SECONDS:
        return None
    return (st.st_ino, st.st_mtime_ns)


class SearcherCache:
    """One Whoosh searcher per process (per thread: Whoosh searchers are not thread-safe).

    Opening a searcher on a large index costs tens of milliseconds, reusing one a
    fraction of a millisecond. Each call checks (at most every *check_interval*
    seconds) whether CURRENT was switched by a rebuild, or a commit made the
    searcher stale, and only then reopens or refreshes it.
    """

    def __init__(self, store: IndexStore, check_interval: float = 0.0) -> None:
        self.store = store
        self.check_interval = check_interval
        self._local = threading.local()

    def searcher(self) -> Searcher:
        """Return an up-to-date searcher; raise IndexMissingError when there is no index."""
        state = self._local
        current: Searcher | None = getattr(state, "searcher", None)
        now = time.monotonic()
        if current is not None and getattr(state, "pid", None) != os.getpid():
            current = None  # forked: file handles belong to the parent
        if current is not None and now - state.checked < self.check_interval:
            return current
        stamp = self.store.pointer_stamp()
        if current is not None and stamp == state.stamp:
            folder = _settled_identity(state.gen)
            if folder is not None and folder == state.folder:
                # No commit since the last check: Whoosh's check lists the folder.
                state.checked = now
                return current
        else:
            folder = None
        # An empty index's reader cannot be refreshed (Whoosh raises TypeError): reopen.
        if (
            current is None
            or stamp != state.stamp
            or (not current.up_to_date() and current.reader().segments() is None)
        ):
            ix, gen = self.store.open()
            folder = _settled_identity(gen)  # before the reader reads the folder
            fresh = ix.searcher()
            self._close(current)
            state.ix, state.stamp, state.pid, state.gen = ix, stamp, os.getpid(), gen
            current = fresh
        elif not current.up_to_date():
            current = current.refresh()
        state.searcher, state.checked, state.folder = current, now, folder
        return current

    @staticmethod
    def _close(searcher: Any) -> None:
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # noqa: BLE001 - closing a stale searcher must not fail a query
                pass

    def close(self) -> None:
        """Close this thread's searcher."""
        self._close(getattr(self._local, "searcher", None))
        self._local = threading.local()
