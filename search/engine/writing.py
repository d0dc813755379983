"""The one writer of an index: batched apply, atomic rebuild, sequence bookkeeping."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import LockError

from search.documents import SCHEMA_VERSION, narrative_document, seller_document
from search.engine import building
from search.engine.schema import narrative_schema, seller_schema
from search.engine.store import IndexStore
from search.errors import IndexBusyError

#: apply() merges small segments once an index has this many (searching many is slow)
MAX_SEGMENTS = 12
#: ... but only segments of fewer documents than this, and at most this many documents in
#: one merge: merging the large segments a rebuild leaves held the writer lock for 2.5
#: minutes at 100,000 sellers. Large segments are compacted off to the side instead.
SMALL_MERGE_DOCS = 20_000
#: needs_compaction(): this many segments, or this share of deleted documents, is worth a
#: fresh generation (web.indexing.compact rebuilds one beside the live one and switches)
COMPACT_SEGMENTS = 24
COMPACT_DELETED_SHARE = 0.25
#: how long a rebuild waits to switch while an apply holds the writer lock (a merge of the
#: live generation's segments took 2.5 minutes at 100,000 sellers)
SWITCH_WAIT = 600.0

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ApplyStats:
    """What one apply() did."""

    added: int
    deleted: int
    sequence: int | None
    unchanged: int = 0  # upserts left as they were: the live copy had the same version


def _live_version(reader: Any, doc_id: str) -> Any:
    """The stored version of the live (not deleted) copy of *doc_id*, or None."""
    from whoosh.reading import TermNotFound

    try:
        matcher = reader.postings("id", doc_id)  # deleted copies filtered out
    except TermNotFound:
        return None
    versions = [reader.stored_fields(n).get("version") for n in matcher.all_ids()]
    return versions[0] if len(versions) == 1 else None  # none, or copies to repair


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy (``commit(mergetype=...)``): merge the smallest segments while
    together they hold fewer than SMALL_MERGE_DOCS documents, keep the rest as they are.

    Whoosh's own MERGE_SMALL (a Fibonacci rule on running totals) may merge every segment up
    to its merge point, large ones included; the work here is bounded whatever the index's
    size, so an apply never holds the writer lock for longer than one small merge."""
    from whoosh.reading import SegmentReader

    chosen, total = [], 0
    for seg in sorted(segments, key=lambda s: s.doc_count_all()):
        count = seg.doc_count_all()
        if total + count >= SMALL_MERGE_DOCS:
            break
        chosen.append(seg)
        total += count
    if len(chosen) < 2:
        return list(segments)
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [seg for seg in segments if seg not in chosen]


class _Index:
    """Write side of one index directory; subclasses choose the schema."""

    kind = ""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.store = IndexStore(self.path, self.kind, self._schema, SCHEMA_VERSION)

    @staticmethod
    def _schema() -> Any:
        raise NotImplementedError

    @staticmethod
    def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # -- reading helpers for check-index ----------------------------------
    def exists(self) -> bool:
        """Tell whether a usable index is at the path."""
        return self.store.exists()

    def last_sequence(self) -> int | None:
        """Return the change-log sequence number recorded with the live index."""
        return self.store.read_sequence()

    def record_sequence(self, sequence: int) -> None:
        """Record *sequence* as applied without changing documents."""
        with self.store.writer_lock(self.lock_timeout):
            self.store.write_sequence(sequence)

    def doc_ids_and_versions(self) -> dict[str, str | None]:
        """Return {id: version} of the live documents, one per id (the last copy); for
        copies as a search sees them, see search.engine.census."""
        ix, _ = self.store.open()
        try:
            with ix.reader() as reader:
                return {f["id"]: f.get("version") for f in reader.all_stored_fields()}
        finally:
            ix.close()

    def segment_sizes(self) -> list[tuple[int, int]]:
        """Return (documents, deleted documents) of each live segment."""
        ix, _ = self.store.open()
        try:
            segments = ix._segments()  # noqa: SLF001 - no public list
            return [(seg.doc_count_all(), seg.deleted_count()) for seg in segments]
        finally:
            ix.close()

    def needs_compaction(self) -> bool:
        """Tell whether the live generation has so many segments, or so many deleted
        documents, that a fresh one is worth building (searches read every segment)."""
        if not self.store.exists():
            return False
        sizes = self.segment_sizes()
        total = sum(n for n, _ in sizes)
        deleted = sum(d for _, d in sizes)
        return len(sizes) >= COMPACT_SEGMENTS or (
            total > 0 and deleted / total >= COMPACT_DELETED_SHARE
        )

    def doc_count(self) -> int:
        """Return how many live documents the index holds."""
        ix, _ = self.store.open()
        try:
            return int(ix.doc_count())
        finally:
            ix.close()

    # -- writing --------------------------------------------------------------
    def create(self) -> None:
        """Create an empty live index unless one exists."""
        with self.store.writer_lock(self.lock_timeout):
            self._create_locked()

    def _create_locked(self) -> None:
        if not self.store.exists():
            ix, gen = self.store.new_generation()
            ix.close()
            self.store.switch(gen)

    def apply(
        self,
        upserts: Iterable[Mapping[str, Any]] = (),
        deletes: Iterable[str] = (),
        *,
        sequence: int | None = None,
        merge: bool = False,
        skip_unchanged: bool = False,
    ) -> ApplyStats:
        """Replace the *upserts* and remove the *deletes* in one writer and one commit.

        Later duplicates of an id in *upserts* win; an id in both lists ends up deleted.
        Documents are validated before the lock is taken, so a bad one changes nothing.
        *sequence*, when given, is recorded after the commit: re-applying a batch after a
        crash between the two is harmless because apply() is idempotent. With
        *skip_unchanged*, an upsert whose ``version`` is that of the live copy is not
        written again (a version that digests the document's content makes this exact).
        """
        gone = list(dict.fromkeys(deletes))
        if not all(isinstance(d, str) for d in gone):
            raise ValueError("deletes must be string ids")
        docs: dict[str, dict[str, Any]] = {}
        for doc in upserts:
            converted = self._document(doc)
            docs[converted["id"]] = converted
        for doc_id in gone:
            docs.pop(doc_id, None)

        with self.store.writer_lock(self.lock_timeout):
            self._create_locked()
            ix, gen = self.store.open()
            try:
                before = len(docs)
                if skip_unchanged and docs:
                    # Under the writer lock: a rebuild switches generations only while
                    # holding it, so the copies compared are those this apply replaces.
                    with ix.reader() as reader:
                        for doc_id in [d for d in docs if d not in gone]:
                            if _live_version(reader, doc_id) == docs[doc_id]["version"]:
                                del docs[doc_id]
                if docs or gone:
                    self._write(ix, docs, [*gone, *docs], merge)
                if sequence is not None:
                    self.store.write_sequence(sequence, gen)
            finally:
                ix.close()
        return ApplyStats(
            added=len(docs), deleted=len(gone), sequence=sequence, unchanged=before - len(docs)
        )

    def _write(self, ix: Any, docs: dict[str, dict[str, Any]], ids: list[str], merge: bool) -> None:
        try:
            # The rebuild's writer (postings grouped by term): the same segment as Whoosh's.
            writer = building.writer(ix, timeout=self.lock_timeout, delay=0.02)
        except LockError as exc:  # someone used Whoosh directly, bypassing our lock
            raise IndexBusyError(f"the {self.kind} index at {self.path} is locked") from exc
        try:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)
            for doc in docs.values():
                writer.add_document(**doc)
            many = len(ix._segments()) >= MAX_SEGMENTS  # noqa: SLF001 - no public count
            if merge or many:
                writer.commit(mergetype=merge_small)
            else:
                writer.commit(merge=False)
        except BaseException:
            writer.cancel()
            raise

    def optimize(self) -> None:
        """Merge every segment into one (slow; for a nightly job).

        Through the rebuild's writer: Whoosh's own (``ix.optimize()``) cannot read back
        the inline postings that writer leaves (an AssertionError on their values)."""
        with self.store.writer_lock(self.lock_timeout):
            ix, _ = self.store.open()
            try:
                writer = building.writer(ix, timeout=self.lock_timeout, delay=0.02)
                try:
                    writer.commit(optimize=True)
                except BaseException:
                    writer.cancel()
                    raise
            finally:
                ix.close()

    def rebuild(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        progress: Progress | None = None,
        sequence: int | None = None,
        limitmb: int = 256,
        keep: int = 1,
    ) -> int:
        """Build a fresh index from *docs* in a new generation, then switch to it atomically.

        Record *sequence* (taken before reading *docs*) so the change log is replayed
        from there. Readers keep the old index until the switch. Returns the count.
        """
        return self.rebuild_parts(
            [lambda: docs], progress=progress, sequence=sequence, limitmb=limitmb, keep=keep
        )

    def rebuild_parts(
        self,
        parts: Sequence[Callable[[], Iterable[Mapping[str, Any]]]],
        *,
        progress: Progress | None = None,
        sequence: int | None = None,
        limitmb: int = 256,
        keep: int = 1,
    ) -> int:
        """As rebuild(), from the documents of every part in turn, each part in its own
        process when there are several (see :mod:`search.building`)."""
        if not parts:
            raise ValueError("a rebuild needs at least one part")
        # Filled off to the side: the live generation keeps taking changes meanwhile (an
        # apply waits for no rebuild, a rebuild for no apply but the switch itself).
        with self.store.build_lock(self.lock_timeout):
            ix, gen = self.store.new_generation()
            try:
                if len(parts) == 1:
                    count = building.fill(ix, parts[0], self._document, progress, limitmb)
                else:
                    count = building.fill_parallel(ix, parts, self._document, progress, limitmb)
                if sequence is not None:
                    self.store.write_sequence(sequence, gen)
            except BaseException:
                ix.close()
                shutil.rmtree(gen, ignore_errors=True)
                raise
            ix.close()
            # An apply holds the writer lock for one batch (a merge included): wait for it.
            with self.store.writer_lock(SWITCH_WAIT):
                self.store.switch(gen)
            self.store.remove_old(keep)
        return count


class SellerIndex(_Index):
    """Write side of the seller index at *path* (only one process writes)."""

    kind = "sellers"

    @staticmethod
    def _schema() -> Any:
        return seller_schema()

    @staticmethod
    def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
        return seller_document(doc)


class NarrativeIndex(_Index):
    """Write side of the complaint and fraud-report index at *path*."""

    kind = "narratives"

    @staticmethod
    def _schema() -> Any:
        return narrative_schema()

    @staticmethod
    def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
        return narrative_document(doc)


def rebuild(
    path: str | os.PathLike[str],
    docs: Iterable[Mapping[str, Any]],
    progress: Progress | None = None,
    *,
    sequence: int | None = None,
) -> int:
    """Rebuild the seller index at *path* from *docs* and switch to it atomically."""
    return SellerIndex(path).rebuild(docs, progress=progress, sequence=sequence)


def exists(path: str | os.PathLike[str]) -> bool:
    """Tell whether a usable seller index is at *path*."""
    return SellerIndex(path).exists()
