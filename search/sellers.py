"""Read side of the seller index: search, facets, highlights, suggestions."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from search import text as tx
from search.arrays import intersect
from search.documents import FACET_FIELDS, NAME_FIELDS
from search.engine import bm25, postings
from search.engine import facets as facet_counts
from search.engine.queries import NOTHING, And, Or, Query, Require, Term, doc_ids
from search.engine.reading import SearcherCache, stored_documents, stored_fields
from search.engine.schema import SCHEMA_VERSION, seller_schema
from search.engine.store import IndexStore
from search.errors import QueryError
from search.highlight import highlights
from search.query import (
    EXACT_BOOST,
    INSIDE_WORDS,
    START_BOOST,
    TYPOS,
    ParsedQuery,
    any_of,
    expand_prefix,
    filter_query,
    full_pinyin_query,
    parse,
    seller_query,
    substring_query,
    wants_more,
)
from search.results import Filters, SearchResults, SellerHit, Suggestion

MAX_PER_PAGE = 100
#: a one-gram query in more documents than this is "broad": searched as that term alone
BROAD_DF = 2000
#: text matching more documents than this (estimated) is ranked in tiers (exact names,
#: names that start with it, the rest), unscored: a name found in thousands of sellers
#: says little by its BM25 score
WALK_ABOVE = 1000
#: suggest() looks at this many candidate sellers at most
SUGGEST_EXAMINED = 100
#: results of up to this many matches (estimated) are read whole (ranked, counted, their
#: facets too: ~1 ms per 10,000); larger ones are walked for their first pages only
FACET_ABOVE = 200_000
_DISPLAY = (
    *NAME_FIELDS,
    *("grade", "province", "city", "category", "score", "flags", "domains", "version"),
)
#: what a stored document holds besides _DISPLAY (search.engine.schema.seller_schema)
_NOT_DISPLAYED = ("id", "readings", "verified")


class SellerSearcher:
    """Search the seller index at *path*; safe to keep for the life of a process."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        time_limit: float = 0.5,
        check_interval: float = 0.0,
        walk_above: int | None = None,
    ) -> None:
        self.store = IndexStore(path, "sellers", seller_schema, SCHEMA_VERSION)
        self.time_limit = time_limit
        self.walk_above = WALK_ABOVE if walk_above is None else walk_above
        self.cache = SearcherCache(self.store, check_interval)

    def close(self) -> None:
        """Close the searcher of the calling thread."""
        self.cache.close()

    def version(self) -> tuple[str, int]:
        """What a search would answer from now (SearcherCache.version): a cache key."""
        return self.cache.version()

    def search(
        self,
        text: str,
        *,
        filters: Filters | Mapping[str, Any] | None = None,
        page: int = 1,
        per_page: int = 20,
        facets: Sequence[str] = (),
    ) -> SearchResults:
        """Find sellers by name, pinyin, English name, domain, shop URL or code."""
        _check_page(page, per_page)
        unknown = set(facets) - set(FACET_FIELDS)
        if unknown:
            raise QueryError(f"unknown facet(s): {', '.join(sorted(unknown))}")
        parsed = parse(text)
        wanted = Filters.of(filters).active()
        searcher = self.cache.searcher()
        q = seller_query(parsed, searcher.reader())
        if q is NOTHING:
            return SearchResults((), 0, page, per_page, {f: {} for f in facets}, parsed.truncated)
        flt = filter_query(wanted)
        broad = self._broad(parsed, searcher)
        if broad:
            # A common 2-3 character gram (科技, 旗舰): the exact name and that one term,
            # so that BM25's block-max skipping applies.
            q = Or([Term("exact", parsed.norm, boost=EXACT_BOOST), Term("grams", parsed.norm)])
        found = self._answer(searcher, parsed, q, flt, page, per_page, facets)
        if not found.total and parsed.url_like:
            # No seller has that domain, shop URL or code: try the text as words of names.
            parsed = replace(parsed, url_like=False)
            q = seller_query(parsed, searcher.reader())
            if q is not NOTHING:
                found = self._answer(searcher, parsed, q, flt, page, per_page, facets)
        for stage in (TYPOS, INSIDE_WORDS):
            if broad or found.total or found.timed_out or not wants_more(parsed):
                break
            q = seller_query(parsed, searcher.reader(), stage)
            found = self._answer(searcher, parsed, q, flt, page, per_page, facets)
        return found

    def _answer(
        self,
        searcher: Any,
        parsed: ParsedQuery,
        q: Query,
        flt: Query,
        page: int,
        per_page: int,
        facets: Sequence[str],
    ) -> SearchResults:
        """Score a small result, rank a large one in tiers, walk a huge one; count the total
        and the facets on the arrays the ranking used."""
        estimate = postings.estimate(q, searcher.reader())
        if estimate <= self.walk_above:
            return self._ranked(searcher, parsed, _filtered(q, flt), page, per_page, facets)
        if estimate <= FACET_ABOVE:
            return self._tiered(searcher, parsed, _filtered(q, flt), page, per_page, facets)
        # Reading every match would cost seconds: the first pages by a walk, no facets.
        return self._walk(searcher, parsed, _filtered(q, flt), flt, page, per_page, estimate)

    def _ranked(
        self,
        searcher: Any,
        parsed: ParsedQuery,
        q: Query,
        page: int,
        per_page: int,
        facets: Sequence[str],
    ) -> SearchResults:
        """Score every match on arrays, best first (ties in index order), as Whoosh's
        collector would, at a fraction of its cost; count the facets on the same arrays."""
        found, every, score = bm25.scored_matches(searcher, q)
        best = np.lexsort((every, -score))[(page - 1) * per_page : page * per_page]
        hits = _hits(searcher, parsed, zip(every[best].tolist(), score[best].tolist()))
        counts = facet_counts.of_matches(found, facets) if facets else {}
        total = len(every)
        return SearchResults(hits, total, page, per_page, counts, parsed.truncated, False, True)

    def _tiered(
        self,
        searcher: Any,
        parsed: ParsedQuery,
        q: Query,
        page: int,
        per_page: int,
        facets: Sequence[str],
    ) -> SearchResults:
        """Rank a large result as _walk() does, from the arrays its facets are counted on.

        One read of the postings gives every match (so an exact total), the facets and
        the three tiers: exact names, names that start with the text, the rest, each in
        index order. A matcher leapfrogging through the tiers costs a Python call per skip.
        """
        need = page * per_page
        found = facet_counts.segment_matches(searcher, q)
        exact, start = Term("exact", parsed.norm), _starts(parsed)
        tiers: tuple[list[np.ndarray], ...] = ([], [], [])
        for leaf, offset, ids in found:
            if len(ids):
                for tier, part in zip(tiers[:2], (exact, start), strict=True):
                    matched = facet_counts.matching(part, leaf)
                    tier.append(intersect(ids, matched) + offset)
                tiers[2].append(ids + offset)
        order: dict[int, float] = {}
        for tier, score in zip(tiers, (EXACT_BOOST, START_BOOST, 0.0), strict=True):
            for docnums in tier:
                # Each segment repeats at most len(order) <= need of the tiers before.
                for docnum in docnums[: 2 * need].tolist():
                    if len(order) >= need:
                        break
                    order.setdefault(docnum, score)
        ranked = list(order.items())[(page - 1) * per_page : need]
        hits = _hits(searcher, parsed, ranked)
        total = sum(len(ids) for _, _, ids in found)
        counts = facet_counts.of_matches(found, facets) if facets else {}
        return SearchResults(hits, total, page, per_page, counts, parsed.truncated, False, True)

    def _walk(
        self,
        searcher: Any,
        parsed: ParsedQuery,
        q: Query,
        flt: Query,
        page: int,
        per_page: int,
        estimate: int,
    ) -> SearchResults:
        """Answer text found in many sellers (公司, "zj") without scoring every match.

        Three tiers, each in index order: exact names, names that start with the text,
        the rest. Index order is the order rebuild() was given (best score first, when
        the caller sorts so), then later changes. Costs O(page), not O(matches).
        """
        deadline = time.monotonic() + self.time_limit
        need = page * per_page
        tiers = [
            _filtered(Term("exact", parsed.norm), flt),
            _filtered(And([q, _starts(parsed)]), flt),
            q,
        ]
        order: dict[int, float] = {}
        timed_out = False
        for tier, score in zip(tiers, (EXACT_BOOST, START_BOOST, 0.0), strict=True):
            for i, docnum in enumerate(doc_ids(tier, searcher)):
                if len(order) >= need:
                    break
                order.setdefault(docnum, score)
                if i % 256 == 255 and time.monotonic() > deadline:
                    timed_out = True
                    break
        ranked = list(order.items())[(page - 1) * per_page : need]
        hits = _hits(searcher, parsed, ranked)
        # Counting would cost what the walk saved: the total is Whoosh's upper estimate.
        total = max(estimate, len(order))
        return SearchResults(hits, total, page, per_page, {}, parsed.truncated, timed_out, False)

    def _broad(self, parsed: ParsedQuery, searcher: Any) -> bool:
        if len(parsed.segments) != 1 or not tx.MIN_GRAM <= len(parsed.norm) <= tx.MAX_GRAM:
            return False
        return postings.total_frequency(searcher.reader(), "grams", parsed.norm) > BROAD_DF

    def suggest(self, text: str, *, limit: int = 10) -> list[Suggestion]:
        """Return names that start with *text* (characters or pinyin), best sellers first."""
        if not 1 <= limit <= MAX_PER_PAGE:
            raise QueryError(f"limit must be between 1 and {MAX_PER_PAGE}")
        parsed = parse(text)
        norm = parsed.norm
        if not norm or parsed.url_like:
            return []
        searcher = self.cache.searcher()
        q = start_query_for_suggest(parsed, searcher.reader())
        deadline = time.monotonic() + self.time_limit
        found: list[tuple[float, int, Suggestion]] = []
        seen: set[str] = set()
        # The index narrows to likely names (in index order: cheap); each is checked to
        # really start with the text; the best scored of the first few are suggested.
        for n, docnum in enumerate(doc_ids(q, searcher)):
            if n >= SUGGEST_EXAMINED or time.monotonic() > deadline:
                break
            fields = stored_fields(searcher, docnum)
            readings = fields.get("readings") or {}
            for name in _names(fields):
                folded = tx.normalize(name)
                if name not in seen and _starts_with(folded, norm, readings.get(folded)):
                    seen.add(name)
                    score = fields.get("score")
                    found.append(
                        (-(score if score is not None else -1.0), n, Suggestion(name, fields["id"]))
                    )
                    break
        return [suggestion for *_, suggestion in sorted(found)[:limit]]


def start_query_for_suggest(parsed: ParsedQuery, reader: Any) -> Query:
    """Match names whose characters, full pinyin or initials start with the text."""
    norm = parsed.norm
    start = Term("grams", tx.START + norm[: tx.START_GRAM])
    options: list[Query] = [
        And([start, substring_query(parsed, reader)]) if len(norm) > 1 else start
    ]
    if parsed.latin and norm.isalpha() and len(norm) >= 2:
        initials = [Term("pyi", g) for g in tx.query_grams(norm, 8, tx.INITIALS_GRAM)]
        options.append(And([Term("pyi", tx.START + norm[: tx.INITIALS_GRAM]), *initials]))
        for sylls, tail in tx.segment_pinyin(norm, limit=2):
            head = "".join(sylls[: tx.PINYIN_WINDOW])
            if len(sylls) >= tx.PINYIN_WINDOW:
                options.append(
                    And([Term("py", tx.START + head), full_pinyin_query(sylls, tail, reader)])
                )
            else:
                options.append(any_of("py", expand_prefix(reader, "py", tx.START + head + tail)))
    return Or([o for o in options if o is not NOTHING])


def _names(fields: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in NAME_FIELDS:
        value = fields.get(key)
        if isinstance(value, str):
            names.append(value)
        elif value:
            names.extend(value)
    return names


def _starts(parsed: ParsedQuery) -> Query:
    """Match names that start like the text (characters, or pinyin initials)."""
    parts: list[Query] = [Term("grams", tx.START + parsed.norm[: tx.START_GRAM])]
    if parsed.latin and parsed.norm.isalpha():
        parts.append(Term("pyi", tx.START + parsed.norm[: tx.INITIALS_GRAM]))
        parts.append(Term("py", tx.START + parsed.norm))
    return Or(parts)


def _check_page(page: int, per_page: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise QueryError("page must be a whole number from 1")
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise QueryError("per_page must be a whole number")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")


def _starts_with(norm_name: str, typed: str, packed: str | None) -> bool:
    """Whether the name, its pinyin or its initials start with *typed*; *packed* is the
    name's stored reading (text.pack_syllables)."""
    if norm_name.startswith(typed):
        return True
    if not typed.isascii() or not tx.has_han(norm_name):
        return False
    full, initials = tx.full_and_initials(
        tx.unpack_syllables(packed) if packed else tx.syllables(norm_name)
    )
    return "".join(full).startswith(typed) or "".join(initials).startswith(typed)


def _filtered(q: Query, flt: Query) -> Query:
    return q if flt is NOTHING else Require(q, flt)


def _hits(
    searcher: Any, parsed: ParsedQuery, ranked: Iterable[tuple[int, float]]
) -> tuple[SellerHit, ...]:
    """The hits of (document number, score) pairs, in their order."""
    ranked = list(ranked)
    docs = stored_documents(searcher, [docnum for docnum, _ in ranked])
    return tuple(_hit(doc, score, parsed) for doc, (_, score) in zip(docs, ranked, strict=True))


def _hit(stored: Mapping[str, Any], score: float, parsed: ParsedQuery) -> SellerHit:
    fields = dict(stored)  # a copy in C; a comprehension over _DISPLAY cost five times more
    for key in _NOT_DISPLAYED:
        fields.pop(key, None)
    fields["verified"] = stored.get("verified") == "true"
    return SellerHit(stored["id"], float(score), highlights(stored, parsed), fields)
