"""Read side of the PostgreSQL seller table: the searches of SellerSearcher, in SQL.

The same answers in the same shapes (search.results): a result is ranked in the tiers
of the Whoosh backend (exact name, names that start with the text, the rest), by
``ts_rank`` inside a tier while it is small; counted exactly, facets too, up to
COUNT_BOUND matches, and past it walked tier by tier for its first pages, the total the
planner's estimate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from search import fuzzy
from search import text as tx
from search.documents import FACET_FIELDS
from search.errors import IndexMissingError, QueryError, SearchUnavailableError
from search.highlight import highlights
from search.postgres import compile as qc
from search.postgres import schema as sc
from search.postgres.writing import Connect, connection, out_of_reach, trgm_schema
from search.query import EXACT_BOOST, MAX_EXPANSIONS, START_BOOST, ParsedQuery, parse
from search.results import Filters, SearchResults, SellerHit, Suggestion
from search.sellers import MAX_PER_PAGE, SUGGEST_EXAMINED, _check_page, _names, _starts_with

#: results of up to this many matches are scored with ts_rank inside their tiers
RANK_ABOVE = 1000
#: ts_rank's normalisation: 1 divides by 1 + log(the document's length), as BM25 favours
#: the shorter of two names that match alike
RANK_NORMALIZATION = 1
#: results are counted exactly (facets too) up to this many matches; past it the total is
#: the planner's estimate and there are no facets (as the Whoosh backend past FACET_ABOVE).
#: Counting reads every match's row (3 KB a seller): about 1 us a row in shared buffers
#: and 4 us from the OS's cache (10,728 matches of 100,000 sellers took 10 and 32 ms),
#: where the Whoosh backend counts on arrays held in memory.
COUNT_BOUND = 2_000
#: a short text the planner estimates in more than this many rows is not counted at all
#: (counting stops at the bound, but only once the GIN index listed every match; past the
#: bound the total is the estimate either way)
UNCOUNTED_ABOVE = 2 * COUNT_BOUND
#: a typed word this long may also be two edits from a word of a name (pg_trgm)
LONG_TYPO = 8
#: ... when the trigram similarity of the two is at least this
TRGM_SIMILARITY = 0.45
_TIER_SCORES = (EXACT_BOOST, START_BOOST, 0.0)
_LISTS = ("former_names", "aliases", "store_names", "domains", "flags")


class PostgresSellerSearcher:
    """Search the seller table through *connect* (a pool's connections); keep one per
    process, as SellerSearcher."""

    def __init__(
        self,
        connect: Connect,
        *,
        time_limit: float = 0.5,
        rank_above: int = RANK_ABOVE,
        count_bound: int = COUNT_BOUND,
        uncounted_above: int = UNCOUNTED_ABOVE,
    ) -> None:
        self.connect = connect
        self.time_limit = time_limit
        self.rank_above = rank_above
        self.count_bound = count_bound
        self.uncounted_above = uncounted_above
        self._trgm: str | None | bool = False  # False: not looked up yet

    def close(self) -> None:
        """Nothing to close: connections go back to the pool after each search."""

    def _run(self, work: Callable[[Any], Any]) -> Any:
        try:
            with connection(self.connect) as conn:
                with conn.cursor() as cur:
                    # Each statement of a search within the time limit (several make one).
                    ms = max(1, int(self.time_limit * 1000))
                    cur.execute(f"SET LOCAL statement_timeout = {ms * 4}")
                    # Every condition of a search is the GIN index's to answer: the planner
                    # prices matching a seller's tokens as nearly free, and would read every
                    # row of the table for a text in many names rather than its index.
                    cur.execute("SET LOCAL enable_seqscan = off")
                    result = work(cur)
                conn.rollback()
                return result
        except Exception as exc:
            if getattr(exc, "sqlstate", None) == "42P01":
                raise IndexMissingError("there is no seller search table") from exc
            if out_of_reach(exc):
                raise SearchUnavailableError(
                    f"the search's database is out of reach: {exc}"
                ) from exc
            raise

    def version(self) -> tuple[str, int]:
        """(generation, version) of the table: every write moves it on, so a cache keyed on
        it never serves an answer of other rows."""

        def read(cur: Any) -> tuple[str, int]:
            cur.execute(f"SELECT generation, version FROM {sc.META}")
            generation, version = cur.fetchone()
            return (f"postgres:{generation}", int(version))

        return self._run(read)  # type: ignore[no-any-return]

    # -- search ------------------------------------------------------------------
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
        where, params = _filters(Filters.of(filters).active())
        empty = SearchResults((), 0, page, per_page, {f: {} for f in facets}, parsed.truncated)

        def work(cur: Any) -> SearchResults:
            known: dict[str, list[str]] = {}

            def typos(word: str) -> list[str]:
                if word not in known:
                    known[word] = self._typos(cur, word)
                return known[word]

            state = parsed
            q = qc.seller_query(state)
            if q is None:
                return empty
            found = self._answer(cur, state, q, where, params, page, per_page, facets)
            if not found.total and state.url_like:
                # No seller has that domain, shop URL or code: try the text as words of names.
                state = replace(state, url_like=False)
                q = qc.seller_query(state)
                if q is not None:
                    found = self._answer(cur, state, q, where, params, page, per_page, facets)
            for stage in (qc.TYPOS, qc.INSIDE_WORDS):
                if found.total or found.timed_out or not qc.wants_more(state):
                    break
                q = qc.seller_query(state, stage, typos)
                if q is not None:
                    found = self._answer(cur, state, q, where, params, page, per_page, facets)
            return found

        try:
            return self._run(work)  # type: ignore[no-any-return]
        except Exception as exc:
            if getattr(exc, "sqlstate", None) == "57014":  # query_canceled: the time limit
                return replace(empty, timed_out=True, exact_total=False)
            raise

    def _answer(
        self,
        cur: Any,
        parsed: ParsedQuery,
        q: qc.Node,
        where: str,
        params: list[Any],
        page: int,
        per_page: int,
        facets: Sequence[str],
    ) -> SearchResults:
        matching = f"tokens @@ %s::tsquery{where}"
        args = [qc.text_of(q), *params]
        # Short text may be in most names (公司, "sh"): the planner's estimate first, as
        # counting them would list every match in the GIN index.
        estimate = _estimate(cur, matching, args) if len(parsed.norm) <= tx.MAX_GRAM else 0
        if estimate <= self.uncounted_above:
            cur.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {sc.TABLE} WHERE {matching} LIMIT %s) s",
                (*args, self.count_bound + 1),
            )
            total = int(cur.fetchone()[0])
        else:
            total = estimate
        if total > self.count_bound:
            hits = self._walk(cur, parsed, q, where, params, page, per_page)
            total = max(total, estimate or _estimate(cur, matching, args))
            return SearchResults(hits, total, page, per_page, {}, parsed.truncated, False, False)
        if total <= self.rank_above:
            hits = self._ranked(cur, parsed, q, where, params, page, per_page)
        else:
            hits = self._walk(cur, parsed, q, where, params, page, per_page)
        counts = _facets(cur, matching, args, facets) if facets and total else {}
        counts = {f: counts.get(f, {}) for f in facets}
        return SearchResults(hits, total, page, per_page, counts, parsed.truncated, False, True)

    def _ranked(
        self,
        cur: Any,
        parsed: ParsedQuery,
        q: qc.Node,
        where: str,
        params: list[Any],
        page: int,
        per_page: int,
    ) -> tuple[SellerHit, ...]:
        """Every match scored: its tier, then ts_rank (normalised by the document's size,
        as BM25 is), then the seller's score."""
        exact, start = qc.exact_query(parsed), qc.starts_query(parsed)
        tier = (
            "CASE WHEN tokens @@ %s::tsquery THEN 0 WHEN tokens @@ %s::tsquery THEN 1 ELSE 2 END"
            if exact is not None and start is not None
            else "2"
        )
        tier_args = [qc.text_of(exact), qc.text_of(start)] if tier != "2" else []
        cur.execute(
            f"SELECT id, doc, {tier} AS tier,"
            f" ts_rank(tokens, %s::tsquery, {RANK_NORMALIZATION}) AS score"
            f" FROM {sc.TABLE} WHERE tokens @@ %s::tsquery{where}"
            " ORDER BY tier, score DESC, rank DESC, id LIMIT %s OFFSET %s",
            (*tier_args, qc.text_of(q), qc.text_of(q), *params, per_page, (page - 1) * per_page),
        )
        return tuple(
            _hit(doc_id, doc, _TIER_SCORES[tier] + float(score), parsed)
            for doc_id, doc, tier, score in cur.fetchall()
        )

    def _walk(
        self,
        cur: Any,
        parsed: ParsedQuery,
        q: qc.Node,
        where: str,
        params: list[Any],
        page: int,
        per_page: int,
    ) -> tuple[SellerHit, ...]:
        """The first pages of a large result, tier by tier, each best sellers first."""
        need = page * per_page
        tiers = [
            qc.all_of([qc.exact_query(parsed), q]),
            qc.all_of([qc.starts_query(parsed), q]),
            q,
        ]
        order: dict[str, float] = {}
        for tier, score in zip(tiers, _TIER_SCORES, strict=True):
            if len(order) >= need:
                break
            if tier is None:
                continue
            cur.execute(
                f"SELECT id FROM {sc.TABLE} WHERE tokens @@ %s::tsquery{where}"
                " ORDER BY rank DESC, id LIMIT %s",
                (qc.text_of(tier), *params, need),
            )
            for (doc_id,) in cur.fetchall():
                if len(order) >= need:
                    break
                order.setdefault(doc_id, score)
        ranked = list(order.items())[(page - 1) * per_page : need]
        if not ranked:
            return ()
        cur.execute(f"SELECT id, doc FROM {sc.TABLE} WHERE id = ANY(%s)", ([i for i, _ in ranked],))
        docs = dict(cur.fetchall())
        return tuple(_hit(i, docs[i], score, parsed) for i, score in ranked if i in docs)

    def _typos(self, cur: Any, word: str) -> list[str]:
        """Words of names one edit from *word* (its first letter kept), as the Whoosh
        backend finds them; for a long word also those two edits away that pg_trgm finds."""
        if len(word) > fuzzy.MAX_FUZZY:
            return []
        cur.execute(
            f"SELECT word FROM {sc.WORDS} WHERE word = ANY(%s) ORDER BY word LIMIT %s",
            (fuzzy.edits1(word), MAX_EXPANSIONS),
        )
        found = [w for (w,) in cur.fetchall()]
        trgm = self._trgm_schema(cur)
        if len(word) >= LONG_TYPO and trgm is not None and len(found) < MAX_EXPANSIONS:
            # The index's own threshold (0.3 by default) would hand over ten times the
            # words to check one by one: the one kept is the index's to apply.
            cur.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                (str(TRGM_SIMILARITY),),
            )
            cur.execute(
                f"SELECT word FROM {sc.WORDS} WHERE word OPERATOR({trgm}.%%) %s"
                f" AND left(word, 1) = left(%s, 1) AND {trgm}.similarity(word, %s) >= %s"
                f" ORDER BY {trgm}.similarity(word, %s) DESC, word LIMIT %s",
                (word, word, word, TRGM_SIMILARITY, word, MAX_EXPANSIONS),
            )
            for (other,) in cur.fetchall():
                if other != word and other not in found and _within_two_edits(word, other):
                    found.append(other)
        return found[:MAX_EXPANSIONS]

    def _trgm_schema(self, cur: Any) -> str | None:
        if self._trgm is False:
            self._trgm = trgm_schema(cur)
        return self._trgm  # type: ignore[return-value]

    # -- suggestions ------------------------------------------------------------
    def suggest(self, text: str, *, limit: int = 10) -> list[Suggestion]:
        """Return names that start with *text* (characters or pinyin), best sellers first."""
        if not 1 <= limit <= MAX_PER_PAGE:
            raise QueryError(f"limit must be between 1 and {MAX_PER_PAGE}")
        parsed = parse(text)
        norm = parsed.norm
        if not norm or parsed.url_like:
            return []
        q = qc.suggest_query(parsed)
        if q is None:
            return []

        def work(cur: Any) -> list[Suggestion]:
            cur.execute(
                f"SELECT id, doc FROM {sc.TABLE} WHERE tokens @@ %s::tsquery LIMIT %s",
                (qc.text_of(q), SUGGEST_EXAMINED),
            )
            return _suggestions(cur.fetchall(), norm, limit)

        return self._run(work)  # type: ignore[no-any-return]


def _suggestions(rows: list[tuple[str, Any]], norm: str, limit: int) -> list[Suggestion]:
    found: list[tuple[float, int, Suggestion]] = []
    seen: set[str] = set()
    for n, (doc_id, doc) in enumerate(rows):
        readings = doc.get("readings") or {}
        for name in _names(doc):
            folded = tx.normalize(name)
            if name not in seen and _starts_with(folded, norm, readings.get(folded)):
                seen.add(name)
                score = doc.get("score")
                found.append((-(score if score is not None else -1.0), n, Suggestion(name, doc_id)))
                break
    return [suggestion for *_, suggestion in sorted(found)[:limit]]


def _estimate(cur: Any, matching: str, args: list[Any]) -> int:
    """The planner's estimate of the rows *matching* selects."""
    cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {sc.TABLE} WHERE {matching}", args)
    plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _filters(wanted: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The filters as `` AND ...`` SQL and its parameters."""
    sql: list[str] = []
    params: list[Any] = []
    for field, value in wanted.items():
        if field == "verified":
            sql.append(" AND verified")
        else:
            values = [value] if isinstance(value, str) else [str(v) for v in value]
            sql.append(f" AND {field} = ANY(%s)")  # field: a name of Filters, not user text
            params.append(values)
    return "".join(sql), params


def _facets(
    cur: Any, matching: str, args: list[Any], facets: Sequence[str]
) -> dict[str, dict[str, int]]:
    """{facet: {value: count}} over every match, in one scan (GROUPING SETS)."""
    columns = [
        "CASE WHEN verified THEN 'true' ELSE 'false' END" if f == "verified" else f for f in facets
    ]
    sets = ", ".join(f"({c})" for c in columns)
    flags = ", ".join(f"GROUPING({c})" for c in columns)
    cur.execute(
        f"SELECT {', '.join(columns)}, {flags}, count(*) FROM {sc.TABLE} WHERE {matching}"
        f" GROUP BY GROUPING SETS ({sets})",
        args,
    )
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    k = len(facets)
    for found in cur.fetchall():
        values, grouped, n = found[:k], found[k : 2 * k], found[-1]
        for facet, value, flag in zip(facets, values, grouped, strict=True):
            if flag == 0 and value:  # 0: grouped by this column; empty labels are left out
                counts[facet][value] = int(n)
    return counts


def _hit(doc_id: str, stored: Mapping[str, Any], score: float, parsed: ParsedQuery) -> SellerHit:
    fields = {k: tuple(v) if k in _LISTS and isinstance(v, list) else v for k, v in stored.items()}
    fields.pop("readings", None)
    fields["verified"] = stored.get("verified") == "true"
    return SellerHit(doc_id, float(score), highlights(stored, parsed), fields)


def _within_two_edits(a: str, b: str) -> bool:
    """Whether a Levenshtein distance of at most two separates *a* and *b*."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > 2:
            return False
        previous = current
    return previous[-1] <= 2
