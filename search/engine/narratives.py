"""Read side of the complaint and fraud-report index: which sellers do reports name?"""

from __future__ import annotations

import os
from typing import Any

from whoosh import highlight as wh
from whoosh import query as wq
from whoosh import sorting

from search.engine.collectors import DeadlineCollector, TimeLimit
from search.engine.postings import total_frequency
from search.engine.reading import SearcherCache
from search.engine.schema import SCHEMA_VERSION, narrative_schema
from search.engine.store import IndexStore
from search.errors import QueryError
from search.query import MAX_QUERY_CHARS, parse
from search.results import NarrativeResults, SellerMentions

MAX_TERMS = 8
MAX_SELLERS = 100
SNIPPETS_PER_SELLER = 2
#: report ids returned per seller (the count covers them all)
IDS_PER_SELLER = 20


class NarrativeSearcher:
    """Search report narratives at *path*; keep one per process."""

    def __init__(self, path: str | os.PathLike[str], *, time_limit: float = 1.0) -> None:
        self.store = IndexStore(path, "narratives", narrative_schema, SCHEMA_VERSION)
        self.time_limit = time_limit
        self.cache = SearcherCache(self.store)

    def close(self) -> None:
        """Close the searcher of the calling thread."""
        self.cache.close()

    def version(self) -> tuple[str, int]:
        """What a search would answer from now (SearcherCache.version): a cache key."""
        return self.cache.version()

    def search(self, text: str, *, kind: str | None = None, limit: int = 20) -> NarrativeResults:
        """Return the sellers that matching reports name, with counts and snippets."""
        if not 1 <= limit <= MAX_SELLERS:
            raise QueryError(f"limit must be between 1 and {MAX_SELLERS}")
        parsed = parse(text)  # validation and the same caps as the seller search
        searcher = self.cache.searcher()
        analyzer = searcher.schema["text"].analyzer
        words = " ".join(parsed.segments)[: MAX_QUERY_CHARS * 2]
        terms = list(dict.fromkeys(t.text for t in analyzer(words, mode="query")))[:MAX_TERMS]
        if not terms:
            raise QueryError("the query has only words too common to search for")
        reader = searcher.reader()
        if not all(total_frequency(reader, "text", t) for t in terms):
            # Every term is required: a term no report has answers at once. (Most seller
            # searches are names no report mentions; the grouping collector alone costs
            # a read of the seller column's offsets.)
            return NarrativeResults((), 0, parsed.truncated, False)
        q: wq.Query = (
            wq.And([wq.Term("text", t) for t in terms])
            if len(terms) > 1
            else wq.Term("text", terms[0])
        )
        if kind:
            q = wq.Require(q, wq.Term("kind", kind))

        facet = sorting.FieldFacet("seller_id")
        collector = searcher.collector(limit=None, groupedby=facet)
        timed = DeadlineCollector(collector, self.time_limit)
        timed_out = False
        try:
            searcher.search_with_collector(q, timed)
        except TimeLimit:
            timed_out = True
        results = timed.results()
        groups: dict[str, list[int]] = results.groups("seller_id")
        ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
        sellers = tuple(self._mentions(searcher, seller, docs, terms) for seller, docs in ranked)
        total = sum(len(d) for d in groups.values())
        return NarrativeResults(sellers, total, parsed.truncated, timed_out)

    @staticmethod
    def _mentions(
        searcher: Any, seller_id: str, docnums: list[int], terms: list[str]
    ) -> SellerMentions:
        analyzer = searcher.schema["text"].analyzer
        fragmenter = wh.ContextFragmenter(maxchars=120, surround=30)
        formatter = wh.HtmlFormatter(tagname="mark", between=" … ")
        snippets: list[str] = []
        ids: list[str] = []
        for docnum in docnums[:IDS_PER_SELLER]:
            stored = searcher.stored_fields(docnum)
            ids.append(stored["id"])
            if len(snippets) < SNIPPETS_PER_SELLER:
                snippet = wh.highlight(
                    stored["text"], frozenset(terms), analyzer, fragmenter, formatter, top=1
                )
                snippets.append(snippet or stored["text"][:120])
        return SellerMentions(seller_id, len(docnums), tuple(snippets), tuple(ids))
