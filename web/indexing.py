"""Keep the search index derived from the database: one writer, fed by the change log.

Each node keeps its own index and records in it the last change-log sequence applied, so
several nodes fed from the same (PostgreSQL) log converge on the same answers.

With SEARCH_BACKEND=postgres sellers are searched in a table of the database itself,
shared by every node: written in the transaction of each change (web.search_rows), and
kept current by the same change-log consumer here; report narratives stay in each node's
Whoosh index.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, has_app_context

from registry.core.db import session_factory
from registry.journal import changelog
from registry.read.search_docs import all_seller_ids, narrative_documents, seller_documents
from search import (
    NarrativeIndex,
    NarrativeSearcher,
    PostgresSellerIndex,
    PostgresSellerSearcher,
    SellerIndex,
    SellerSearcher,
    census,
)

BATCH = 2000
#: a rebuild uses another process for every this many sellers (up to the CPU count)
MIN_PER_PART = 20_000


def on_postgres(app: Flask | None = None) -> bool:
    """Whether sellers are searched in the database (SEARCH_BACKEND=postgres)."""
    if app is None:
        if not has_app_context():
            return False
        app = current_app
    return app.config.get("SEARCH_BACKEND") == "postgres"


def postgres_index(session) -> PostgresSellerIndex:
    """The seller table, written through connections of *session*'s engine."""
    return PostgresSellerIndex(session.get_bind().raw_connection)


def index_paths(app: Flask | None = None) -> tuple[Path, Path]:
    base = Path((app or current_app).config["SEARCH_INDEX_DIR"])
    return base / "sellers", base / "narratives"


@dataclass
class IndexReport:
    indexed_sellers: int  # distinct ids a search can find
    database_sellers: int
    missing: list[str]
    stale: list[str]  # a copy a search can find has another version than the database's
    extra: list[str]
    sequence: int | None
    log_head: int
    duplicates: list[str] = field(default_factory=list)  # found more than once by a search
    documents: int = 0  # live documents, copies included

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.duplicates)


def rebuild(
    session,
    paths: tuple[Path, Path] | None,
    progress: Callable[[int], None] | None = None,
    *,
    procs: int | None = None,
    min_per_part: int = MIN_PER_PART,
) -> int:
    """Rebuild both indexes into new directories and switch to them atomically.

    The sellers are split into up to *procs* (default: the CPU count) contiguous parts of
    at least *min_per_part* sellers, each indexed (on PostgreSQL: converted into rows) in
    its own process. With
    SEARCH_BACKEND=postgres, *paths* None rebuilds the seller table alone (no node's
    narrative index).
    """
    if paths is None and not on_postgres():
        raise ValueError("the Whoosh indexes need their paths")
    head = changelog.head(session)  # taken first: changes made during the build replay later
    ids = [i for batch in all_seller_ids(session, BATCH) for i in batch]
    count = max(1, min(procs or os.cpu_count() or 1, len(ids) // max(1, min_per_part)))
    if count == 1:
        parts = [lambda: _documents(session, ids)]
    else:
        size = -(-len(ids) // count)
        engine = session.get_bind()
        parts = [_part(engine, ids[lo : lo + size]) for lo in range(0, len(ids), size)]
    if on_postgres():
        # One COPY into a new table, swapped in; the database builds its index itself.
        total = postgres_index(session).rebuild_parts(parts, progress=progress, sequence=head)
    else:
        assert paths is not None
        total = SellerIndex(paths[0]).rebuild_parts(parts, progress=progress, sequence=head)
    if paths is not None:
        _rebuild_narratives(session, paths, ids, head)
    return total


def _rebuild_narratives(session, paths: tuple[Path, Path], ids: list[int], head: int) -> None:
    def narratives():
        for lo in range(0, len(ids), BATCH):
            yield from narrative_documents(session, ids[lo : lo + BATCH])[0]

    NarrativeIndex(paths[1]).rebuild(narratives(), sequence=head)


def _documents(session, ids: list[int]) -> Iterator[dict]:
    for lo in range(0, len(ids), BATCH):
        yield from seller_documents(session, ids[lo : lo + BATCH])


def _part(engine, ids: list[int]) -> Callable[[], Iterator[dict]]:
    """The documents of *ids*, read in a forked process with connections of its own."""

    def documents() -> Iterator[dict]:
        engine.dispose(close=False)  # the parent's pooled connections are not ours to use
        with session_factory(engine)() as session:
            yield from _documents(session, ids)

    return documents


#: one applier at a time in a process (the scheduler's jobs run in threads, and two of them
#: apply changes): a second one reads where the first left off, never the same start
_APPLYING = threading.Lock()


#: sellers one apply takes from the change log, with every entry of theirs within reach:
#: taken 5,000 at a time, a backlog of batches that each named 5,000 of 20,000 sellers was
#: applied one batch a run, each seller once per batch instead of once
APPLY_WINDOW = 20_000


def apply_changes(
    session,
    paths: tuple[Path, Path],
    limit: int = APPLY_WINDOW,
    *,
    release: Callable[[], None] | None = None,
) -> int:
    """Apply the next batch of the change log to both indexes; return sellers updated.

    ``release``, when given, is called once the documents are read and before the indexes
    are written (the scheduler ends its read transaction there: a snapshot held through
    seconds of index writing keeps SQLite from restarting its write-ahead log)."""
    with _APPLYING:
        return _apply_changes(session, paths, limit, release)


def _apply_changes(session, paths: tuple[Path, Path], limit: int, release=None) -> int:
    if on_postgres():
        return _apply_postgres(session, paths, limit, release)
    sellers = SellerIndex(paths[0])
    if not sellers.exists():
        # No index here yet (a new node, or a deleted folder): build it from the database,
        # in this process (the scheduler runs threads, which a fork would not carry over).
        return rebuild(session, paths, procs=1)
    start = sellers.last_sequence() or 0
    entries, last = changelog.since(session, start, limit)
    if not entries:
        return 0
    ids = list(dict.fromkeys(sid for sid, _ in entries))
    narrative_docs, dropped = _narratives(session, ids)
    # Sellers are never deleted (the registry keeps history), so every id has a document.
    documents = list(_documents(session, ids))
    if release is not None:
        release()
    NarrativeIndex(paths[1]).apply(narrative_docs, dropped, sequence=last)
    # Most entries change no document (an event's seller is rewritten once its score moved,
    # under the score's own entry): only documents whose content differs are written.
    sellers.apply(documents, sequence=last, skip_unchanged=True)
    return len(ids)


def _narratives(session, ids: list[int]) -> tuple[list[dict], list[str]]:
    """The narratives of *ids* to index, and those to drop, read BATCH sellers at a time."""
    narrative_docs: list[dict] = []
    dropped: list[str] = []
    for lo in range(0, len(ids), BATCH):
        docs, gone = narrative_documents(session, ids[lo : lo + BATCH])
        narrative_docs += docs
        dropped += gone
    return narrative_docs, dropped


def _apply_postgres(session, paths: tuple[Path, Path], limit: int, release=None) -> int:
    """The next batch of the change log, to this node's narrative index and to the shared
    seller table, each from the sequence it records."""
    sellers, narratives = postgres_index(session), NarrativeIndex(paths[1])
    if not sellers.exists():
        return rebuild(session, paths, procs=1)
    if not narratives.exists():
        head = changelog.head(session)
        ids = [i for batch in all_seller_ids(session, BATCH) for i in batch]
        _rebuild_narratives(session, paths, ids, head)
    told, last_told = changelog.since(session, narratives.last_sequence() or 0, limit)
    named = list(dict.fromkeys(sid for sid, _ in told))
    narrative_docs, dropped = _narratives(session, named)
    entries, last = changelog.since(session, sellers.last_sequence() or 0, limit)
    ids = list(dict.fromkeys(sid for sid, _ in entries))
    # Rows written since this version (in the transaction of a change, after the documents
    # here were read) are newer than these documents: they are kept.
    version = sellers.version()
    documents = list(_documents(session, ids))
    if release is not None:
        release()
    if told:
        narratives.apply(narrative_docs, dropped, sequence=last_told)
    if entries:
        sellers.apply(documents, sequence=last, skip_unchanged=True, written_before=version)
    return max(len(named), len(ids))


def compact(session, paths: tuple[Path, Path], *, force: bool = False) -> bool:
    """Rebuild both indexes beside the live ones when either has too many segments or
    deleted documents (or when *force*), then switch; return whether it did.

    Applies go on into the live generation meanwhile (a rebuild holds only the build lock),
    and the new one replays the change log from where the rebuild began. This, not a merge
    of large segments in the live generation, is how large segments are joined: such a
    merge held the writer lock, so no change reached search, for 2.5 minutes at 100,000."""
    if on_postgres():
        # The seller table needs no compaction (autovacuum): only the narrative index.
        narratives = NarrativeIndex(paths[1])
        if not force and not narratives.needs_compaction():
            return False
        head = changelog.head(session)
        ids = [i for batch in all_seller_ids(session, BATCH) for i in batch]
        _rebuild_narratives(session, paths, ids, head)
        return True
    if not force and not any(index.needs_compaction() for index in _indexes(paths)):
        return False
    rebuild(session, paths, procs=1)  # the scheduler runs threads: no fork
    return True


def _indexes(paths: tuple[Path, Path]) -> tuple[SellerIndex, NarrativeIndex]:
    return SellerIndex(paths[0]), NarrativeIndex(paths[1])


def check(session, paths: tuple[Path, Path]) -> IndexReport:
    """Compare the index, as a searcher sees it (deletions applied), with the database:
    sellers missing from it, found in it more than once, with a stale copy, or extra."""
    sellers: SellerIndex | PostgresSellerIndex
    head = changelog.head(session)
    indexed: dict[str, list] = {}
    if on_postgres():
        sellers = postgres_index(session)
        if sellers.exists():
            indexed = sellers.copies()
    else:
        sellers = SellerIndex(paths[0])
        if sellers.exists():
            searcher = SellerSearcher(paths[0])
            try:
                indexed = census.copies(searcher.cache)
            finally:
                searcher.close()
    expected: dict[str, str] = {}
    for ids in all_seller_ids(session, BATCH):
        for doc in seller_documents(session, ids):
            expected[doc["id"]] = doc["version"]
    missing = sorted(set(expected) - set(indexed))
    stale = sorted(
        k for k in set(expected) & set(indexed) if any(v != expected[k] for v in indexed[k])
    )
    extra = sorted(set(indexed) - set(expected))
    return IndexReport(
        len(indexed),
        len(expected),
        missing,
        stale,
        extra,
        sellers.last_sequence() if sellers.exists() else None,
        head,
        duplicates=sorted(k for k, versions in indexed.items() if len(versions) > 1),
        documents=sum(len(versions) for versions in indexed.values()),
    )


def seller_searcher() -> SellerSearcher | PostgresSellerSearcher:
    """This process's searcher: opened once, refreshed only when the index changed."""
    ext = current_app.extensions
    if "seller_searcher" not in ext:
        if on_postgres():
            from .db import database

            ext["seller_searcher"] = PostgresSellerSearcher(database().engine.raw_connection)
        else:
            ext["seller_searcher"] = SellerSearcher(index_paths()[0])
    return ext["seller_searcher"]


def narrative_searcher() -> NarrativeSearcher:
    ext = current_app.extensions
    if "narrative_searcher" not in ext:
        ext["narrative_searcher"] = NarrativeSearcher(index_paths()[1])
    return ext["narrative_searcher"]
