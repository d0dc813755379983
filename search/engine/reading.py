"""Keep one open searcher and reopen it only when the index changed."""

from __future__ import annotations

import os
import threading
import time
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from whoosh.index import FileIndex  # type: ignore[import-untyped]
from whoosh.reading import (  # type: ignore[import-untyped]
    EmptyReader,
    IndexReader,
    MultiReader,
    SegmentReader,
)
from whoosh.searching import Searcher

from search.engine.store import IndexStore
from search.recent import Recent

_DERIVED = "_registry_derived"
_derived: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()
_derived_lock = threading.Lock()


def per_segment(leaf: Any, key: Any, compute: Callable[[], Any]) -> Any:
    """What *compute* derives from one segment's reader (*leaf*), computed once per process:
    a segment's files never change, and the value goes with the reader (an attribute of it,
    else a weak map), and on to the next reader of the segment (open_reader). So it must
    not depend on the segment's deletions, which do change, commit by commit. Found values
    are read without the lock: a query asks dozens of times."""
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


#: stored documents kept per segment and process (those of popular sellers come back)
STORED_KEPT = 10_000


def stored_fields(searcher: Searcher, docnum: int) -> Mapping[str, Any]:
    """``searcher.stored_fields(docnum)``, the recently used ones kept per segment
    (decoding one costs tens of microseconds; a results page shows twenty). Read-only.
    Row: web_bench "search, cache miss"."""
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
#: opening a reader retries this many times when a commit removes files it was about to read
OPEN_RETRIES = 10


def _settled_identity(gen: Any) -> tuple | None:
    """(inode, mtime) of the folder *gen*, or None while it may still change unseen."""
    try:
        st = os.stat(gen)
    except (OSError, TypeError):
        return None
    if time.time() - st.st_mtime < SETTLE_SECONDS:
        return None
    return (st.st_ino, st.st_mtime_ns)


def _deletions(segment: Any) -> frozenset[int]:
    return frozenset(segment.deleted_docs())


def open_reader(ix: FileIndex, previous: IndexReader | None = None) -> tuple[IndexReader, int]:
    """A reader of the latest commit of *ix*, and that commit's generation, reusing the
    segment readers of *previous* whose documents are still exactly those of the commit.

    Not Whoosh's ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 ``FileIndex._reader(reuse=)``
    reuses the old reader of every segment with the same id (``Segment.__eq__`` compares ids
    only), so deletions committed since stay unseen (the reader keeps the old segment object,
    and ``deleted_docs_set`` is cached), and it adds back every old segment the commit no
    longer lists, so a merge shows each merged document twice. Here a segment reader is
    reused only when the segment's deletions are the same set; otherwise a new reader is
    opened and given the old one's derived values (per_segment), which depend on the
    segment's files alone. Old readers not reused are closed; *previous* must not be used
    afterwards.
    """
    old: dict[str, IndexReader] = {}
    if previous is not None:
        for leaf, _ in previous.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            if segment is not None:
                old[segment.segment_id()] = leaf
    reused = {id(leaf) for leaf in old.values()}
    for attempt in range(OPEN_RETRIES):
        readers: list[IndexReader] = []
        try:
            toc = ix._read_toc()  # noqa: SLF001 - what FileIndex.reader() reads
            for segment in toc.segments:
                readers.append(_segment_reader(ix, toc, segment, old))
            break
        except OSError:
            # A later commit removed this one's files (a merge): read the newer commit.
            for reader in readers:
                if id(reader) not in reused:
                    _close_quietly(reader)
            if attempt == OPEN_RETRIES - 1:
                raise
            time.sleep(0.05)
    kept = {id(r) for r in readers}
    for leaf in old.values():
        if id(leaf) not in kept:
            _close_quietly(leaf)
    if not readers:
        return EmptyReader(toc.schema), toc.generation
    if len(readers) == 1:
        readers[0]._gen = toc.generation  # noqa: SLF001 - a reused reader is of this commit
        return readers[0], toc.generation
    return MultiReader(readers, generation=toc.generation), toc.generation


def _segment_reader(ix: FileIndex, toc: Any, segment: Any, old: dict[str, Any]) -> IndexReader:
    before = old.get(segment.segment_id())
    if before is not None and _deletions(before.segment()) == _deletions(segment):
        return before
    reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
    if before is not None and _DERIVED in before.__dict__:
        reader.__dict__[_DERIVED] = before.__dict__[_DERIVED]
    return reader


def _close_quietly(reader: Any) -> None:
    if reader is not None:
        try:
            reader.close()
        except Exception:
            pass


class SearcherCache:
    """One Whoosh searcher per process (per thread: Whoosh searchers are not thread-safe).

    Opening a searcher on a large index costs tens of milliseconds, reusing one a
    fraction of a millisecond. Each call checks (at most every *check_interval*
    seconds) whether CURRENT was switched by a rebuild, or a commit made the
    searcher stale, and only then reopens it (open_reader: unchanged segments kept).
    """

    def __init__(self, store: IndexStore, check_interval: float = 0.0) -> None:
        self.store = store
        self.check_interval = check_interval
        self._local = threading.local()

    def searcher(self) -> Searcher:
        """Return an up-to-date searcher; raise IndexMissingError when there is no index."""
        return self._current()[0]

    def version(self) -> tuple[str, int]:
        """(generation folder, commit) of the searcher searcher() returns now: everything a
        search answers is a function of these and the query, so a cache keyed on them
        cannot serve an answer of other documents."""
        return self._current()[1]

    def _current(self) -> tuple[Searcher, tuple[str, int]]:
        state = self._local
        current: Searcher | None = getattr(state, "searcher", None)
        now = time.monotonic()
        if current is not None and getattr(state, "pid", None) != os.getpid():
            current = None  # forked: file handles belong to the parent
            state.__dict__.clear()
        if current is not None and now - state.checked < self.check_interval:
            return current, state.version
        stamp = self.store.pointer_stamp()
        if current is not None and stamp == state.stamp:
            folder = _settled_identity(state.gen)
            if folder is not None and folder == state.folder:
                # No commit since the last check: Whoosh's check lists the folder.
                state.checked = now
                return current, state.version
            if state.ix.latest_generation() == state.version[1]:
                state.checked, state.folder = now, folder
                return current, state.version
            reader, generation = open_reader(state.ix, current.reader())
        else:
            ix, gen = self.store.open()
            folder = _settled_identity(gen)  # before the reader reads the folder
            reader, generation = open_reader(ix)
            if current is not None:
                _close_quietly(current.reader())
            state.ix, state.stamp, state.pid, state.gen = ix, stamp, os.getpid(), gen
        current = Searcher(reader, fromindex=state.ix)
        state.searcher, state.checked, state.folder = current, now, folder
        state.version = (state.gen.name, generation)
        return current, state.version

    def close(self) -> None:
        """Close this thread's searcher."""
        current = getattr(self._local, "searcher", None)
        if current is not None and getattr(self._local, "pid", None) == os.getpid():
            _close_quietly(current.reader())
        self._local = threading.local()
