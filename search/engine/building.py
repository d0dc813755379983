"""Fill a new index generation: one part in this process, or several parts at once.

Whoosh indexes in pure Python, about 300 seller documents per second on one core; with
the postings pool of :mod:`search.pool` about 1,000. A rebuild of a large registry is
still CPU-bound. Given several *parts* (each a callable that
yields a contiguous run of the documents), each part is indexed in its own forked
process into its own segment, and the segments are listed in the order of the parts:
the index order is the order of the documents, as with one part, whatever finishes first.
Row: search_bench build_s / docs_per_s (the rebuild), with build_procs parts.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from search.engine.bm25 import length_codes
from search.engine.pool import TermPool, write_terms

#: rebuild reports progress every this many documents (per part)
PROGRESS_EVERY = 1000
#: posting lists of fewer documents than this are kept in the term dictionary itself:
#: most name n-grams and pinyin runs belong to one or two sellers, and writing a block
#: to the postings file for each of them was a third of the time of a rebuild
INLINE_LIMIT = 16

Part = Callable[[], Iterable[Mapping[str, Any]]]
Convert = Callable[[Mapping[str, Any]], dict[str, Any]]
Progress = Callable[[int], None]

# Whoosh 2.7.5 calls a method that its W3TermInfo names set_inlined, so Whoosh's own
# SegmentWriter given codec() (inlinelimit above 1) fails on commit (AttributeError). The
# writer here never calls it (the pool writes inline terms itself); the tests that hold
# its segments to Whoosh's, byte for byte, run Whoosh's writer with codec(). WHOOSH.md.
if not hasattr(W3TermInfo, "set_inline"):
    W3TermInfo.set_inline = W3TermInfo.set_inlined


def codec() -> W3Codec:
    """Return the codec of rebuilt segments: small posting lists inline, light compression."""
    return W3Codec(inlinelimit=INLINE_LIMIT, compression=1)


def _index(
    writer: Any, docs: Iterable[Mapping[str, Any]], convert: Convert, tick: Progress
) -> list[str]:
    seen: set[str] = set()
    ids: list[str] = []
    for doc in docs:
        converted = convert(doc)
        doc_id = converted["id"]
        if doc_id in seen:
            raise ValueError(f"document id {doc_id!r} appears twice in a rebuild")
        seen.add(doc_id)
        ids.append(doc_id)
        writer.add_document(**converted)
        if len(ids) % PROGRESS_EVERY == 0:
            tick(len(ids))
    return ids


def fill(ix: Any, part: Part, convert: Convert, progress: Progress | None, limitmb: int) -> int:
    """Index one part in this process and commit it as the index's only segment."""
    writer = _Writer(ix, limitmb=limitmb, codec=codec())
    try:
        ids = _index(writer, part(), convert, progress or (lambda n: None))
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    if progress is not None:
        progress(len(ids))
    return len(ids)


def writer(ix: Any, **kwargs: Any) -> SegmentWriter:
    """A writer of *ix* that adds one segment (and merges, on commit) as Whoosh's
    SegmentWriter does, with the postings pool of :mod:`search.pool`."""
    return _Writer(ix, **kwargs)


class _Writer(SegmentWriter):
    """Whoosh's segment writer with a pool that groups postings by term (search.pool),
    written a block at a time with each field's lengths read once (Whoosh read back a
    length from the just written column for every posting)."""

    def __init__(self, ix: Any, *args: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(ix, *args, limitmb=limitmb, **kwargs)
        self.pool = TermPool(limitmb, getattr(self._tempstorage, "folder", None))
        self._plain = not any(f.separate_spelling() or f.vector for _, f in self.schema.items())

    def add_document(self, **fields: Any) -> None:
        """Add a document as SegmentWriter.add_document does, with the analysis of plain
        keyword and ID fields done in one step (index_items) and postings added to the
        pool per field. Boosts (``_boost`` keys), spelling and vectors take Whoosh's way."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc = self.perdocwriter
        add_terms = self.pool.add_terms
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    items = index_items(field, value)
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    add_terms(name, docnum, items)
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        write_terms(self.fieldwriter, self.schema, lengths, self.pool, self.codec)
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


def index_items(field: Any, value: Any) -> list[tuple[bytes, int, float, bytes]]:
    """Return field.index(value) as a list, in one step for a list value of a Frequency
    field (KEYWORD given a token list) and a string value of an ID field."""
    fmt = type(field.format)
    if fmt is Frequency and isinstance(value, list):
        counts: dict[str, int] = {}
        for word in value:
            counts[word] = counts.get(word, 0) + 1
        boost = field.format.field_boost
        return [
            (word.encode("utf-8"), n, float(n) * boost, pack_uint(n)) for word, n in counts.items()
        ]
    if fmt is Existence and isinstance(value, str) and type(field.analyzer) is IDTokenizer:
        return [(value.encode("utf-8"), 1, field.format.field_boost, b"")]
    return list(field.index(value))


class _Lengths:
    """Each field's length in every document of a just written segment, read once."""

    def __init__(self, perdoc: Any) -> None:
        self.perdoc = perdoc
        self.count = perdoc.doc_count_all()
        self.fields: dict[str, list[int | None] | None] = {}

    def __call__(self, fieldname: str) -> list[int | None] | None:
        """The length of *fieldname* in every document (None: the segment keeps none);
        a length byte of 0 is None, as W3PerDocReader.doc_field_length gives it."""
        if fieldname not in self.fields:
            codes = length_codes(self.perdoc, fieldname, self.count)
            self.fields[fieldname] = (
                None
                if codes is None
                else [byte_to_length(b) if b else None for b in codes.tolist()]
            )
        return self.fields[fieldname]


def _child(ix: Any, part: Part, convert: Convert, limitmb: int, conn: Any) -> None:
    """Index *part* into one new segment and send it back (runs in a forked process)."""
    try:
        writer = _Writer(ix, _lk=False, limitmb=limitmb, codec=codec())
        ids = _index(writer, part(), convert, lambda n: conn.send(("progress", n)))
        if ids:
            segment = writer._finalize_segment()  # noqa: SLF001 - as whoosh.multiproc
        else:
            segment = None
            writer._close_segment()  # noqa: SLF001
        # No writer._finish(): the parts share the index's temporary folder, which the
        # parent's writer removes once every part is done.
        conn.send(("done", ids, segment))
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ValueError) else traceback.format_exc()
        conn.send(("error", type(exc).__name__, message))
    finally:
        conn.close()


def fill_parallel(
    ix: Any,
    parts: Sequence[Part],
    convert: Convert,
    progress: Progress | None,
    limitmb: int,
) -> int:
    """Index each part in its own process and segment; commit the segments in part order.

    A bad document in any part (ValueError) fails the whole fill with that message. Each
    part runs in a forked copy of this process: it must open its own database connections.
    """
    ctx = multiprocessing.get_context("fork")
    pipes = []
    procs = []
    for part in parts:
        mine, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(ix, part, convert, limitmb // len(parts), theirs))
        proc.start()
        theirs.close()
        pipes.append(mine)
        procs.append(proc)
    counts = [0] * len(parts)
    results: list[tuple[list[str], Any] | None] = [None] * len(parts)
    failure: tuple[str, str] | None = None
    try:
        waiting = dict(enumerate(pipes))
        while waiting:
            for ready in multiprocessing.connection.wait(list(waiting.values())):
                conn = cast(multiprocessing.connection.Connection, ready)  # only pipes wait here
                i = pipes.index(conn)
                try:
                    message: tuple[Any, ...] = conn.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    failure = failure or ("RuntimeError", f"indexing part {i} died")
                    del waiting[i]
                    continue
                if message[0] == "progress":
                    counts[i] = message[1]
                    if progress is not None:
                        progress(sum(counts))
                    continue
                del waiting[i]
                if message[0] == "error":
                    failure = failure or (message[1], message[2])
                else:
                    results[i] = (message[1], message[2])
                    counts[i] = len(message[1])
    except BaseException:
        for proc in procs:
            proc.terminate()  # interrupted: the parts' work is thrown away with the generation
        raise
    finally:
        for proc in procs:
            proc.join()
        for conn in pipes:
            conn.close()
    if failure is not None:
        kind, text = failure
        raise (ValueError if kind == "ValueError" else RuntimeError)(text)
    seen: set[str] = set()
    segments = []
    for ids, segment in results:  # type: ignore[misc]
        twice = seen.intersection(ids)
        if twice:
            raise ValueError(f"document id {min(twice)!r} appears twice in a rebuild")
        seen.update(ids)
        if segment is not None:
            segments.append(segment)
    writer = SegmentWriter(ix, codec=codec())
    writer._close_segment()  # noqa: SLF001 - as whoosh.multiproc: list the parts' segments
    writer._commit_toc(segments)  # noqa: SLF001
    writer._finish()  # noqa: SLF001
    if progress is not None:
        progress(len(seen))
    return len(seen)
