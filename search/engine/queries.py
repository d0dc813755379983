"""The query tree the search builds, and the one walk over it.

The tree is made of Whoosh's own query objects, so that Whoosh can match it where the
search lets it (doc_ids, the narrative collector); modules outside the engine build it from
the names here and never name a Whoosh class. Everything the search computes on arrays
instead (BM25 scores, matching documents, size estimates) is a :class:`Walk` of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from whoosh.query import And, AndMaybe, NullQuery, Or, Query, Require, Term
from whoosh.reading import TermNotFound

__all__ = ["NOTHING", "And", "AndMaybe", "Or", "Query", "Require", "Term", "Walk", "doc_ids"]

#: the query that matches nothing (Whoosh's NullQuery; compare with ``is``)
NOTHING = NullQuery

T = TypeVar("T")


class Walk(Generic[T]):
    """Compute a value of a query tree, one method per kind of node the search builds.

    Nodes are told apart by their exact type: a subclass (Whoosh's Ordered is an And) is
    one of the others, which have a way of their own (other()). A method is given the
    node's children as queries and calls ``self(child)`` for the values it needs: an
    optional part of AndMaybe or the filter of Require need not be computed.
    """

    def __call__(self, q: Query) -> T:
        if q is NOTHING:
            return self.nothing()
        kind = type(q)
        if kind is Term:
            return self.term(q)
        if kind is And:
            return self.all(q, q.subqueries)
        if kind is Or:
            return self.any(q, q.subqueries)
        if kind is AndMaybe:
            return self.maybe(q, q.a, q.b)
        if kind is Require:
            return self.require(q, q.a, q.b)
        return self.other(q)

    def nothing(self) -> T:
        raise NotImplementedError

    def term(self, q: Any) -> T:
        raise NotImplementedError

    def all(self, q: Any, subs: Sequence[Query]) -> T:
        """An And of *subs* (every one required)."""
        raise NotImplementedError

    def any(self, q: Any, subs: Sequence[Query]) -> T:
        """An Or of *subs* (any one)."""
        raise NotImplementedError

    def maybe(self, q: Any, a: Query, b: Query) -> T:
        """*a*, scored higher where *b* matches too (AndMaybe)."""
        raise NotImplementedError

    def require(self, q: Any, a: Query, b: Query) -> T:
        """*a* where *b* matches too, scored by *a* alone (Require: *b* is the filter)."""
        raise NotImplementedError

    def other(self, q: Query) -> T:
        """Any other node (never built by search.query)."""
        raise TypeError(f"{type(self).__name__} cannot walk {type(q).__name__}")


def doc_ids(q: Query, searcher: Any) -> Iterator[int]:
    """Yield the matching document numbers in order, leapfrogging through ANDs.

    (Whoosh's ``Query.docs`` intersects two Python sets of every posting: the search_bench
    rows suggest_brand_prefix and suggest_pinyin_prefix walk this way.)
    """
    try:
        matcher = q.matcher(searcher, searcher.boolean_context())
    except TermNotFound:
        return
    while matcher.is_active():
        yield matcher.id()
        matcher.next()
