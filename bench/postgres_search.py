"""The PostgreSQL seller search (SEARCH_BACKEND=postgres) in search_bench.py's run.

The same generated sellers and the same query mix as the Whoosh run, in a database of its
own on ``BENCH_POSTGRES_URL`` (dropped and made again): the backend's own rebuild (COPY
into a new table, indexed and swapped in, as ``flask reindex`` does it), the size of its
tables, latency and recall per query type, the top-10 overlap with the Whoosh run, and
how soon a change committed through the same-transaction path (web/search_rows.py) is
found by a search.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from search import PostgresSellerIndex, PostgresSellerSearcher, QueryError, postgres_write
from search.postgres import compile as qc
from search.postgres import schema as sc
from search.query import parse

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
DATABASE = "bench_search"
#: changes committed, each timed until a search finds it
VISIBLE_RUNS = 50
#: a change not found within this long counts as not visible
VISIBLE_GIVE_UP_S = 5.0
Queries = dict[str, list[tuple[str, str]]]
Tops = dict[str, list[list[str] | None]]


def reachable(server: str = PG_URL) -> bool:
    """Whether a PostgreSQL server answers at *server* (a URL ending with ``/``)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server + "postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def fresh_database(name: str = DATABASE, server: str = PG_URL) -> str:
    """Drop database *name* if it exists, create it empty, and return its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(server + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server + name


def drop_database(name: str = DATABASE, server: str = PG_URL) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_settings(engine: Any) -> dict[str, str]:
    """The server's version and the settings that decide the numbers."""
    from sqlalchemy import text

    names = (
        "server_version",
        "shared_buffers",
        "work_mem",
        "maintenance_work_mem",
        "effective_cache_size",
        "max_parallel_maintenance_workers",
        "max_parallel_workers_per_gather",
        "synchronous_commit",
    )
    with engine.connect() as conn:
        return {n: conn.execute(text(f"SHOW {n}")).scalar_one() for n in names}


def bench_postgres(
    docs: list[dict[str, Any]],
    queries: Queries,
    engine: Any,
    *,
    public: Callable[[dict[str, Any]], dict[str, Any]],
    pcts: Callable[[list[float]], dict[str, float]],
    whoosh_tops: Tops | None = None,
    visible_runs: int = VISIBLE_RUNS,
) -> dict[str, Any]:
    """Measure the PostgreSQL backend on *engine*'s database (its search tables are made)."""
    index = PostgresSellerIndex(engine.raw_connection)
    marks: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    count = index.rebuild(
        (public(d) for d in docs), progress=lambda n: marks.append((n, time.perf_counter()))
    )
    build = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    # The last report before the swap's: every row streamed; the rest is CREATE INDEX and swap.
    streamed = [at for n, at in marks[:-1] if n <= count]
    copy_s = (streamed[-1] - t0) if streamed else None
    sizes = table_mb(engine)
    searcher = PostgresSellerSearcher(engine.raw_connection, time_limit=2.0)
    t0 = time.perf_counter()
    searcher.search("预热")  # the pool's first connection and plans: reported apart
    first_ms = (time.perf_counter() - t0) * 1000
    out: dict[str, Any] = {
        "build_s": round(build, 1),
        "docs_per_s": round(count / build),
        "copy_s": round(copy_s, 1) if copy_s is not None else None,
        "index_and_swap_s": round(build - copy_s, 1) if copy_s is not None else None,
        "python_cpu_s": round(cpu, 1),
        "tables_mb": sizes,
        "index_mb": round(sum(sizes.values()), 1),
        "index_mb_per_million": round(sum(sizes.values()) * 1e6 / max(1, count), 1),
        "first_search_ms": round(first_ms, 1),
        "types": {},
    }
    tops: Tops = {}
    for kind, items in queries.items():
        times, found, top, totals, errors, timeouts = [], 0, 0, [], 0, 0
        tops[kind] = []
        for q, want in items:
            t0 = time.perf_counter()
            try:
                res = searcher.search(q, per_page=20)
            except QueryError:
                errors += 1
                tops[kind].append(None)
                continue
            times.append((time.perf_counter() - t0) * 1000)
            timeouts += res.timed_out
            totals.append(res.total)
            tops[kind].append(res.ids[:10])
            top += want in res.ids
            found += matches(searcher, q, want)
        out["types"][kind] = {
            "n": len(items),
            **pcts(times),
            "recall": round(found / max(1, len(items)), 4),
            "in_page1": round(top / max(1, len(items)), 4),
            "median_total": statistics.median(totals) if totals else 0,
            "query_errors": errors,
            "timed_out": timeouts,
        }
    for kind, cut in (("brand", 2), ("pinyin", 4)):
        times = []
        for q, _ in queries[kind][:100]:
            t0 = time.perf_counter()
            searcher.suggest(q[:cut])
            times.append((time.perf_counter() - t0) * 1000)
        out[f"suggest_{kind}_prefix"] = pcts(times)
    if whoosh_tops is not None:
        out["overlap"] = overlaps(whoosh_tops, tops)
    out.update(_apply_1000(docs, index, public))
    out["visible"] = visible(docs, engine, searcher, public, visible_runs)
    # Rows written since the rebuild wait in the GIN index's pending list, which every
    # search reads through until (auto)vacuum merges it: the same queries once more.
    out["gin_pending_after_writes"] = gin_pending(engine)
    out["types_after_writes"] = {
        kind: _timed(searcher, [q for q, _ in items], pcts) for kind, items in queries.items()
    }
    return out


def gin_pending(engine: Any) -> dict[str, int] | None:
    """Pages and rows waiting in the GIN index's pending list (pgstattuple, a contrib
    extension); None where it cannot be installed."""
    from sqlalchemy import text

    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
            pages, rows = conn.execute(
                text("SELECT pending_pages, pending_tuples FROM pgstatginindex(:i)"),
                {"i": f"{sc.TABLE}_tokens"},
            ).one()
    except Exception:
        return None
    return {"pages": int(pages), "rows": int(rows)}


def _timed(
    searcher: PostgresSellerSearcher,
    texts: list[str],
    pcts: Callable[[list[float]], dict[str, float]],
) -> dict[str, float]:
    times = []
    for q in texts:
        t0 = time.perf_counter()
        try:
            searcher.search(q, per_page=20)
        except QueryError:
            continue
        times.append((time.perf_counter() - t0) * 1000)
    return pcts(times)


def table_mb(engine: Any) -> dict[str, float]:
    """pg_total_relation_size (the table, its indexes and TOAST) of each search table, MB."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return {
            name: round(
                conn.execute(
                    text("SELECT pg_total_relation_size(to_regclass(:t))"), {"t": name}
                ).scalar_one()
                / 2**20,
                1,
            )
            for name in (sc.TABLE, sc.WORDS, sc.META)
        }


def matches(searcher: PostgresSellerSearcher, text: str, want: str) -> bool:
    """Tell whether the seller is anywhere in the full result set (not only page 1): the
    passes of PostgresSellerSearcher.search, each asked only whether it finds anything."""
    parsed = parse(text)

    def work(cur: Any) -> bool:
        known: dict[str, list[str]] = {}

        def typos(word: str) -> list[str]:
            if word not in known:
                known[word] = searcher._typos(cur, word)
            return known[word]

        def any_match(node: qc.Node) -> bool:
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM {sc.TABLE} WHERE tokens @@ %s::tsquery)",
                (qc.text_of(node),),
            )
            return bool(cur.fetchone()[0])

        state = parsed
        q = qc.seller_query(state)
        if q is None:
            return False
        hit = any_match(q)
        if not hit and state.url_like:
            state = replace(state, url_like=False)
            other = qc.seller_query(state)
            if other is not None:
                q, hit = other, any_match(other)
        for stage in (qc.TYPOS, qc.INSIDE_WORDS):
            if hit or not qc.wants_more(state):
                break
            other = qc.seller_query(state, stage, typos)
            if other is not None:
                q, hit = other, any_match(other)
        cur.execute(
            f"SELECT EXISTS (SELECT 1 FROM {sc.TABLE} WHERE id = %s AND tokens @@ %s::tsquery)",
            (want, qc.text_of(q)),
        )
        return bool(cur.fetchone()[0])

    return bool(searcher._run(work))


def overlap(a: list[str], b: list[str]) -> float:
    """|a ∩ b| / max(1, min(len(a), len(b))): two top-10 lists alike."""
    return len(set(a) & set(b)) / max(1, min(len(a), len(b)))


def overlaps(whoosh: Tops, postgres: Tops) -> dict[str, Any]:
    """Mean top-10 overlap of the two backends per query type and over every query."""
    out: dict[str, Any] = {"types": {}}
    every: list[float] = []
    for kind, tops in postgres.items():
        pairs = [
            (w, p) for w, p in zip(whoosh.get(kind, []), tops) if w is not None and p is not None
        ]
        values = [overlap(w, p) for w, p in pairs]
        every += values
        out["types"][kind] = {
            "mean": round(statistics.fmean(values), 4) if values else None,
            "compared": len(values),
            "empty_whoosh": sum(not w for w, _ in pairs),
            "empty_postgres": sum(not p for _, p in pairs),
        }
    out["total"] = round(statistics.fmean(every), 4) if every else None
    return out


def _apply_1000(
    docs: list[dict[str, Any]],
    index: PostgresSellerIndex,
    public: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Time one apply() of 1,000 changed sellers (990 upserts, 10 deletes), as Whoosh's."""
    changed = [
        {**public(d), "version": 2, "store_names": [*d["store_names"], "新店"]} for d in docs[:1000]
    ]
    t0 = time.perf_counter()
    index.apply(changed[:990], [d["id"] for d in changed[990:]], sequence=1)
    return {"apply_1000_s": round(time.perf_counter() - t0, 2)}


def picked_for_changes(docs: list[dict[str, Any]], runs: int) -> list[dict[str, Any]]:
    """*runs* sellers spread over the corpus, past the 1,000 that apply() changed."""
    rest = docs[1000:] if len(docs) >= 1000 + runs else docs
    return rest[:: max(1, len(rest) // max(1, runs))][:runs]


def renamed(doc: Mapping[str, Any], i: int) -> dict[str, Any]:
    """*doc* under a legal name no other seller has (its ``_brand`` kept in it)."""
    return {
        **doc,
        "legal_name": f"{doc['_brand']}第{i}号更名测试有限公司",
        "version": f"renamed-{i}",
    }


def visible(
    docs: list[dict[str, Any]],
    engine: Any,
    searcher: PostgresSellerSearcher,
    public: Callable[[dict[str, Any]], dict[str, Any]],
    runs: int = VISIBLE_RUNS,
) -> dict[str, Any]:
    """Commit a renamed seller *runs* times through the same-transaction path and time each
    commit until the first search (another connection) that finds it by its new name."""
    picked = picked_for_changes(docs, runs)
    commit_ms, visible_ms, searches, missed = [], [], [], 0
    for i, doc in enumerate(picked):
        change = public(renamed(doc, i))
        conn = engine.raw_connection()
        try:
            with conn.cursor() as cur:
                _write_as_a_commit_does(cur, [change])
            t0 = time.perf_counter()
            conn.commit()
            committed = time.perf_counter()
        finally:
            conn.close()
        tries = 0
        while True:
            tries += 1
            if doc["id"] in searcher.search(change["legal_name"], per_page=20).ids:
                visible_ms.append((time.perf_counter() - t0) * 1000)
                break
            if time.perf_counter() - t0 > VISIBLE_GIVE_UP_S:
                missed += 1
                break
        commit_ms.append((committed - t0) * 1000)
        searches.append(tries)
    return {
        "runs": len(picked),
        "commit_ms": _summary(commit_ms),
        "commit_to_found_ms": _summary(visible_ms),
        "searches_until_found_max": max(searches, default=0),
        "not_found_within_s": {"s": VISIBLE_GIVE_UP_S, "count": missed},
    }


def _write_as_a_commit_does(cur: Any, docs: Iterable[Mapping[str, Any]]) -> None:
    """What web.search_rows.write_changed does just before a session commits."""
    cur.execute("SAVEPOINT search_rows")
    postgres_write(cur, docs, skip_unchanged=True)
    cur.execute("RELEASE SAVEPOINT search_rows")


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "max": round(ordered[-1], 2),
    }
