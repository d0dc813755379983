"""Postings of a segment being built, grouped by term, and written a block at a time.

Whoosh's own pool keeps one tuple per posting, pickles each to a sorted run on disk, reads
each back through a heap merge and hands it to the postings writer one call at a time:
more than half the time of a rebuild, for about 180 postings per seller. Here the pool
groups postings by term as they come (documents are added in docnum order, so each term's
list is already sorted), sorts only the terms, and fills the writer's blocks from slices.
The segment files are the same, byte for byte (a test holds it). Row: search_bench
build_s / docs_per_s (the rebuild).

Memory is bounded as Whoosh's is: past *limitmb*, the terms so far are sorted and spilled
to a run file, and the runs are merged term by term at the end.
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

_INFO = W3TermInfo._struct  # noqa: SLF001 - the fixed part of a term's entry

#: rough bytes of a new term in the pool (key, list) and of one more posting
TERM_BYTES = 200
POSTING_BYTES = 10
#: terms per pickled chunk of a run file
CHUNK = 20_000

Posting = tuple[int, float, bytes]
# (fieldname, tbytes, docnums, postings whose weight or value is not the field's usual)
Term = tuple[str, bytes, "array | list[int]", "list[Posting] | None"]


class TermPool:
    """Collect postings grouped by field and term, each term's docnums in one list.

    Nearly every posting of a field has the same weight and value (a keyword occurs once
    in a name list): those are kept once per field (``usual``), and only the others per
    posting (``odd``).
    """

    def __init__(self, limitmb: int = 128, tempdir: str | None = None) -> None:
        self.limit = max(1, limitmb) * 1024 * 1024
        self.tempdir = tempdir
        self.fields: dict[str, dict[bytes, list[int]]] = {}
        self.odd: dict[tuple[str, bytes], list[Posting]] = {}
        self.usual: dict[str, tuple[float, bytes]] = {}
        self.size = 0
        self.runs: list[str] = []

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one posting (as Whoosh's pool); a term's postings come in docnum order."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_terms(fieldname, docnum, [(tbytes, 1, weight, vbytes or b"")])

    def add_terms(self, fieldname: str, docnum: int, items: list[tuple]) -> None:
        """Add the postings of one document in one field: (tbytes, freq, weight, vbytes)."""
        if not items:
            return
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.usual[fieldname] = (items[0][2], items[0][3])
        usual_weight, usual_value = self.usual[fieldname]
        before = len(terms)
        for tbytes, _, weight, vbytes in items:
            docs = terms.get(tbytes)
            if docs is None:
                terms[tbytes] = [docnum]
            else:
                docs.append(docnum)
            if weight != usual_weight or vbytes != usual_value:
                self.odd.setdefault((fieldname, tbytes), []).append((docnum, weight, vbytes))
        self.size += TERM_BYTES * (len(terms) - before) + POSTING_BYTES * len(items)
        if self.size > self.limit:
            self._spill()

    def _sorted(self) -> Iterator[Term]:
        odd = self.odd
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes], odd.get((fieldname, tbytes))

    def _spill(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".terms", dir=self.tempdir)
        self.runs.append(path)
        with os.fdopen(fd, "wb") as f:
            chunk: list[tuple] = []
            for fn, tb, docs, odd in self._sorted():
                chunk.append((fn, tb, array("I", docs).tobytes(), odd))
                if len(chunk) >= CHUNK:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk = []
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        self.fields = {fn: {} for fn in self.fields}
        self.odd = {}
        self.size = 0

    @staticmethod
    def _read(path: str) -> Iterator[Term]:
        with open(path, "rb") as f:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                for fn, tb, raw, odd in chunk:
                    docs = array("I")
                    docs.frombytes(raw)
                    yield fn, tb, docs, odd

    def iter_terms(self) -> Iterator[Term]:
        """Yield every term in (fieldname, tbytes) order with all of its postings."""
        if not self.runs:
            yield from self._sorted()
            return
        # Runs hold earlier documents than later runs and the pool: equal terms are
        # joined in that order (heapq.merge keeps the order of its inputs for ties).
        sources = [self._read(p) for p in self.runs] + [self._sorted()]
        current: Term | None = None
        for term in heapq.merge(*sources, key=lambda t: (t[0], t[1])):
            if current is not None and term[0] == current[0] and term[1] == current[1]:
                docs = array("I", current[2])
                docs.extend(array("I", term[2]))
                odd = (current[3] or []) + (term[3] or []) or None
                current = (current[0], current[1], docs, odd)
                continue
            if current is not None:
                yield current
            current = term
        if current is not None:
            yield current

    def cleanup(self) -> None:
        """Remove the run files."""
        for path in self.runs:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        self.runs = []
        self.fields = {}
        self.odd = {}


def _add_term(tindex: Any, key: bytes, value: bytes) -> None:
    """OrderedHashWriter.add(key, value), with its three writes made as one."""
    if key <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    tindex.index.append(pos)
    dbfile.write(_LENGTHS.pack(len(key), len(value)) + key + value)
    h = tindex.hashfn(key)
    tindex.buckets[h & 255].append((h, pos))
    tindex.lastkey = key


def write_terms(
    fieldwriter: Any,
    schema: Any,
    lengths: Callable[[str], Sequence[int | None] | None] | None,
    pool: TermPool,
    codec: Any,
) -> None:
    """Write the pool's terms through a W3FieldWriter, a block of postings at a time.

    The same calls Whoosh's FieldWriter.add_postings makes per posting, made per block:
    the blocks, their statistics and the term infos come out the same.
    """
    blocklimit, inlinelimit = codec._blocklimit, codec._inlinelimit  # noqa: SLF001
    tindex = fieldwriter._tindex  # noqa: SLF001
    lastfn = None
    fieldid = 0
    field_lengths: Sequence[int | None] | None = None
    usual_weight, usual_value = 0.0, b""
    for fieldname, tbytes, docnums, odd in pool.iter_terms():
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            if fieldobj.separate_spelling():
                raise ValueError(f"field {fieldname!r}: separate spelling is not supported")
            fieldwriter.start_field(fieldname, fieldobj)
            fieldid = fieldwriter._fieldid  # noqa: SLF001
            field_lengths = lengths(fieldname) if lengths is not None else None
            usual_weight, usual_value = pool.usual[fieldname]
            # distinct copies of the usual value: pickle writes a repeated object as a
            # reference, and Whoosh's blocks and inline postings never repeat one
            copies = [bytes(bytearray(usual_value)) for _ in range(blocklimit)]
            lastfn = fieldname
        n = len(docnums)
        docs = docnums if isinstance(docnums, array) else array("I", docnums)
        weights = array("f", [usual_weight]) * n
        values = (copies * (n // blocklimit + 1))[:n] if usual_value else []
        if odd:
            for docnum, weight, vbytes in odd:
                i = bisect_left(docs, docnum)
                weights[i] = weight
                if values:
                    values[i] = vbytes
                elif vbytes:
                    raise ValueError(f"field {fieldname!r}: some postings have values, some not")
            if values and not all(values):
                raise ValueError(f"field {fieldname!r}: some postings have values, some not")
        if n < inlinelimit:
            # Small lists live in the term dictionary: the bytes W3TermInfo.to_bytes writes
            # for them, made here without a postings writer and a term info per term.
            lo_len = hi_len = 0
            if field_lengths is not None:
                known = [x for x in map(field_lengths.__getitem__, docs) if x]
                if known:
                    lo_len, hi_len = length_to_byte(min(known)), length_to_byte(max(known))
            info = _INFO.pack(
                1,
                sum(weights),
                n,
                lo_len,
                hi_len,
                max(0, max(weights)),
                docs[0],
                docs[-1],
            ) + dumps((tuple(docs), tuple(weights), tuple(values)), 2)
            _add_term(tindex, pack_ushort(fieldid) + tbytes, info)
            continue
        fieldwriter.start_term(tbytes)
        pw = fieldwriter._postwriter  # noqa: SLF001 - filled a block at a time
        for lo in range(0, n, blocklimit):
            if lo:
                pw._write_block()  # noqa: SLF001 - a full block, as add_posting would
            hi = lo + blocklimit
            pw._ids = block_ids = docs[lo:hi]  # noqa: SLF001
            pw._weights = block_weights = weights[lo:hi]  # noqa: SLF001
            if values:
                pw._values = values[lo:hi]  # noqa: SLF001
            pw._maxweight = max(0, max(block_weights))  # noqa: SLF001
            if field_lengths is not None:
                block_lengths = [x for x in map(field_lengths.__getitem__, block_ids) if x]
                if block_lengths:
                    pw._minlength = min(block_lengths)  # noqa: SLF001
                    pw._maxlength = max(block_lengths)  # noqa: SLF001
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


__all__ = ["TermPool", "write_terms"]
