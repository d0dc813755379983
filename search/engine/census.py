"""Every document a search can answer with: for check-index, counted as a searcher sees them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from search.engine.facets import live
from search.engine.reading import SearcherCache, stored_documents

#: documents read at a time (their stored fields are decoded in one call)
CHUNK = 5000


def live_documents(cache: SearcherCache) -> Iterator[dict[str, Any]]:
    """Yield the stored fields of every live document of the index behind *cache*, segment by
    segment, with deletions applied as the search applies them (facets.live) and the fields
    read as the search reads them: one id found twice here is listed twice by a search."""
    searcher = cache.searcher()
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        every = np.arange(leaf.doc_count_all(), dtype=np.int64)
        docnums = every[live(leaf, every)] + offset
        for lo in range(0, len(docnums), CHUNK):
            for doc in stored_documents(searcher, docnums[lo : lo + CHUNK].tolist()):
                yield dict(doc)


def copies(cache: SearcherCache) -> dict[str, list[Any]]:
    """{id: the version of each live copy}, in index order; more than one copy is a fault."""
    found: dict[str, list[Any]] = {}
    for doc in live_documents(cache):
        found.setdefault(doc["id"], []).append(doc.get("version"))
    return found
