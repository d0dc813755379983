"""Terms of the index's dictionary: those that start with a prefix, or are among candidates."""

from __future__ import annotations

from itertools import islice
from typing import Any

from search.engine.reading import per_segment


def expand_prefix(reader: Any, field: str, prefix: str, cap: int) -> list[str]:
    """Return at most *cap* indexed terms of *field* that start with *prefix*."""
    found: dict[str, None] = {}
    for leaf, _ in reader.leaf_readers():
        for btext in islice(leaf.expand_prefix(field, prefix), cap):
            found[btext.decode("utf-8")] = None
    return list(found)[:cap] if len(found) <= cap else sorted(found, key=len)[:cap]


def _lexicon(leaf: Any, field: str) -> frozenset[str]:
    def read() -> frozenset[str]:
        if field not in leaf.indexed_field_names():
            return frozenset()
        return frozenset(t.decode("utf-8") for t in leaf.lexicon(field))

    return per_segment(leaf, ("lexicon", field), read)


def known_terms(
    reader: Any, field: str, candidates: list[str], cap: int, *, in_memory: bool
) -> list[str]:
    """Return at most *cap* of *candidates* that are terms of *field*, segment by segment:
    looked up in a set of the segment's terms held in memory (*in_memory*: segments never
    change, so the set never goes stale), else in the term dictionary itself."""
    found: dict[str, None] = {}
    for leaf, _ in reader.leaf_readers():
        if in_memory:
            terms = _lexicon(leaf, field)
            hits = [c for c in candidates if c in terms]
        else:
            hits = [c for c in candidates if (field, c) in leaf]
        found.update(dict.fromkeys(hits))
        if len(found) >= cap:
            break
    return list(found)[:cap]
