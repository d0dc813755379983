"""What only the PostgreSQL backend does: its large-result paths, the rebuild's swap with
writes going on, the guard of the consumer's upserts, and pg_trgm's longer typos."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from search import (
    IndexMissingError,
    PostgresSellerIndex,
    PostgresSellerSearcher,
    postgres_write,
)

from .conftest import SAMPLE, make_seller
from .test_backend_contract import _postgres_engine, every_id

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[Any]:
    yield from _postgres_engine()


@pytest.fixture
def index(engine: Any) -> PostgresSellerIndex:
    made = PostgresSellerIndex(engine.raw_connection)
    made.create()
    return made


def _paging_docs() -> list[dict[str, Any]]:
    docs = [
        make_seller(f"p{i:03d}", f"翻页测试{i}号商行", grade="AB"[i % 2], score=float(i))
        for i in range(230)
    ]
    docs.append(make_seller("start", "翻页测试总店"))
    docs.insert(100, make_seller("exact", "翻页测试"))
    return docs


def test_a_large_result_is_ranked_in_tiers_and_counted(engine: Any, index: Any) -> None:
    index.rebuild(_paging_docs())
    s = PostgresSellerSearcher(engine.raw_connection, rank_above=10)
    res = s.search("翻页测试", per_page=20, facets=("grade",))
    assert res.ids[0] == "exact" and res.exact_total and res.total == 232
    assert res.facets["grade"] == {"A": 115, "B": 115, "NR": 2}
    seen = every_id(s, "翻页测试")
    assert len(seen) == len(set(seen)) == 232


def test_past_the_bound_the_total_is_an_estimate_without_facets(engine: Any, index: Any) -> None:
    index.rebuild(_paging_docs())
    s = PostgresSellerSearcher(engine.raw_connection, rank_above=10, count_bound=50)
    res = s.search("翻页测试", per_page=20, facets=("grade",))
    assert res.ids[0] == "exact" and not res.exact_total
    assert res.total > 50 and res.facets == {}
    third = s.search("翻页测试", page=3, per_page=20)
    assert len(third.hits) == 20
    ids = [i for page in (1, 2, 3) for i in s.search("翻页测试", page=page, per_page=20).ids]
    assert len(set(ids)) == 60


def test_short_text_in_most_names_is_estimated_not_counted(engine: Any, index: Any) -> None:
    index.rebuild(_paging_docs())  # analysed: the planner knows how common 翻页 is
    s = PostgresSellerSearcher(
        engine.raw_connection, rank_above=10, count_bound=50, uncounted_above=50
    )
    res = s.search("翻页", per_page=5)
    assert not res.exact_total and res.total > 50
    assert res.ids == ["p229", "p228", "p227", "p226", "p225"]  # best sellers first
    assert s.search("翻页", page=2, per_page=5).ids == ["p224", "p223", "p222", "p221", "p220"]


def test_a_long_word_two_typos_away_is_found_by_trigrams(engine: Any, index: Any) -> None:
    index.apply(SAMPLE)
    s = PostgresSellerSearcher(engine.raw_connection)
    assert s.search("squirelz").ids == ["s4"]  # a letter left out and one wrong
    assert s.search("sqrlz").total == 0  # short words: one edit only


def test_a_rebuild_keeps_what_was_written_while_it_ran(engine: Any, index: Any) -> None:
    index.apply(SAMPLE)

    def docs() -> Iterator[dict[str, Any]]:
        for n, doc in enumerate(SAMPLE):
            if n == 2:  # a change committed in the middle of the build
                conn = engine.raw_connection()
                with conn.cursor() as cur:
                    postgres_write(
                        cur,
                        [
                            make_seller("s1", "平安银行改名后公司", version=9),
                            make_seller("late", "建表中途新商行"),
                        ],
                    )
                conn.commit()
                conn.close()
            yield doc

    s = PostgresSellerSearcher(engine.raw_connection)
    before = s.version()
    assert index.rebuild(docs(), sequence=7) == len(SAMPLE)
    assert s.search("改名后").ids == ["s1"]
    assert s.search("建表中途").ids == ["late"]
    assert s.version()[0] != before[0] and index.last_sequence() == 7


def test_a_row_written_after_the_consumer_read_is_kept(engine: Any, index: Any) -> None:
    index.apply(SAMPLE)
    read_at = index.version()  # the consumer reads its documents after this
    conn = engine.raw_connection()
    with conn.cursor() as cur:
        postgres_write(cur, [make_seller("s3", "平安新名字", version=5)])
    conn.commit()
    conn.close()
    stats = index.apply([make_seller("s3", "平安", version=4)], written_before=read_at)
    s = PostgresSellerSearcher(engine.raw_connection)
    assert s.search("新名字").ids == ["s3"]
    assert stats.added == 1  # offered, and refused by the row's newer write


def test_rows_written_in_a_transaction_that_rolls_back_are_gone(engine: Any, index: Any) -> None:
    conn = engine.raw_connection()
    with conn.cursor() as cur:
        postgres_write(cur, [make_seller("x", "回滚的商行")])
    conn.rollback()
    conn.close()
    assert PostgresSellerSearcher(engine.raw_connection).search("回滚").total == 0


def test_an_id_twice_in_a_rebuild_changes_nothing(engine: Any, index: Any) -> None:
    index.apply(SAMPLE)
    with pytest.raises(ValueError, match="twice"):
        index.rebuild([make_seller("d", "重复一"), make_seller("d", "重复二")])
    assert PostgresSellerSearcher(engine.raw_connection).search("平安").total == 2


def test_without_the_table_a_search_says_the_index_is_missing(engine: Any) -> None:
    s = PostgresSellerSearcher(engine.raw_connection)
    with pytest.raises(IndexMissingError):
        s.search("平安")
    with pytest.raises(IndexMissingError):
        s.version()
    assert not PostgresSellerIndex(engine.raw_connection).exists()


def test_a_swap_waits_for_a_writer_and_keeps_its_row(engine: Any, index: Any) -> None:
    import threading
    import time

    index.apply(SAMPLE)
    writer = engine.raw_connection()
    with writer.cursor() as cur:  # a change's transaction, open while the rebuild runs
        postgres_write(cur, [make_seller("w", "换表时写入的商行")])
    done: list[int] = []
    rebuild = threading.Thread(target=lambda: done.append(index.rebuild(SAMPLE)))
    rebuild.start()
    time.sleep(1.0)
    assert rebuild.is_alive() and not done  # the swap waits for the open write
    writer.commit()
    writer.close()
    rebuild.join(30)
    assert done == [len(SAMPLE)]
    s = PostgresSellerSearcher(engine.raw_connection)
    assert s.search("换表时").ids == ["w"]
    assert s.search("平安").total == 2


def _terminated(engine: Any) -> Any:
    """A connection of *engine*'s database whose server process was terminated."""
    from sqlalchemy import text

    pooled = engine.raw_connection()
    pooled.detach()  # ours now: the pool never hands it out again
    conn = pooled.dbapi_connection
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": conn.info.backend_pid})
    return conn


def test_a_lost_connection_is_a_search_unavailable_error(engine: Any, index: Any) -> None:
    from search import SearchUnavailableError

    index.apply(SAMPLE)
    dead = _terminated(engine)
    s = PostgresSellerSearcher(lambda: dead)
    with pytest.raises(SearchUnavailableError):
        s.search("平安")
    with pytest.raises(SearchUnavailableError):
        s.suggest("平安")


def pending_rows(cur: Any, index_name: str) -> int | None:
    """Rows waiting in GIN index *index_name*'s pending list (pgstattuple's pgstatginindex),
    or None where pgstattuple cannot be installed."""
    cur.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
        " ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'"
    )
    found = cur.fetchone()
    if found is None:
        try:
            cur.execute("SAVEPOINT stattuple")
            cur.execute("CREATE EXTENSION pgstattuple SCHEMA public")
            cur.execute("RELEASE SAVEPOINT stattuple")
        except Exception:
            cur.execute("ROLLBACK TO SAVEPOINT stattuple")
            return None
        found = ("public",)
    schema = '"' + found[0].replace('"', '""') + '"'
    cur.execute(f"SELECT pending_tuples FROM {schema}.pgstatginindex(%s::regclass)", (index_name,))
    return int(cur.fetchone()[0])


def gin_options(cur: Any, index_name: str) -> list[str]:
    cur.execute(
        "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %s::regclass", (index_name,)
    )
    return list(cur.fetchone()[0])


def assert_no_pending_rows(conn: Any) -> None:
    """Neither GIN index of the search tables holds rows back in a pending list."""
    with conn.cursor() as cur:
        for name in ("search_seller_tokens", "search_word_trgm"):
            assert "fastupdate=off" in gin_options(cur, name), name
            pending = pending_rows(cur, name)
            assert pending in (None, 0), f"{name}: {pending} rows pending"
    conn.commit()


def test_rows_written_after_a_rebuild_are_in_the_index_not_pending(engine: Any, index: Any) -> None:
    index.rebuild(SAMPLE)
    for n in range(40):  # each in a transaction of its own, as a seller's change is
        conn = engine.raw_connection()
        with conn.cursor() as cur:
            postgres_write(
                cur, [make_seller(f"w{n}", f"写后即查第{n}号商行", english_name=f"Pend{n}x")]
            )
        conn.commit()
        conn.close()
    conn = engine.raw_connection()
    try:
        assert_no_pending_rows(conn)
    finally:
        conn.close()
    assert PostgresSellerSearcher(engine.raw_connection).search("写后即查").total == 40


def test_a_rebuilt_table_keeps_each_row_whole_and_visible(engine: Any, index: Any) -> None:
    """A search checks the tokens of every row it reads: none moved out to TOAST (a
    lookup in its index and pages per row), and the pages all-visible from the COPY."""
    stores = [f"第{i}号分店旗舰店专营店工厂店" for i in range(12)]
    docs = [make_seller(f"t{n}", f"{n}号长名字测试商行", store_names=stores) for n in range(20)]
    index.rebuild(docs)
    conn = engine.raw_connection()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_column_size(tokens) FROM search_seller ORDER BY 1 DESC LIMIT 1")
            assert cur.fetchone()[0] > 2100  # past the size PostgreSQL toasts at by default
            cur.execute(
                "SELECT pg_relation_size(reltoastrelid), relallvisible, relpages"
                " FROM pg_class WHERE oid = 'search_seller'::regclass"
            )
            toast, visible, pages = cur.fetchone()
        assert toast == 0 and visible == pages > 0
    finally:
        conn.close()


def _rows(engine: Any) -> list[tuple[Any, ...]]:
    conn = engine.raw_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT id, version, tokens::text, verified, grade, province, city, category,"
                " rank, doc FROM search_seller ORDER BY id"
            )
            return list(cur.fetchall())
    finally:
        conn.close()


def test_a_rebuild_in_parts_copies_the_rows_a_write_makes(engine: Any, index: Any) -> None:
    odd = make_seller("odd", "反斜杠\\与制表符商行", english_name="Tab\tNew\nLine \\ Back 'Quote'")
    docs = [*SAMPLE, odd]
    index.apply(docs)  # row by row, as a seller's own transaction writes them
    written = _rows(engine)
    half = len(docs) // 2
    parts = [lambda: iter(docs[:half]), lambda: iter(()), lambda: iter(docs[half:])]
    assert index.rebuild_parts(parts) == len(docs)  # each part converted in a process
    assert _rows(engine) == written
    s = PostgresSellerSearcher(engine.raw_connection)
    assert s.search("反斜杠").ids == ["odd"]


def test_a_bad_document_in_a_part_fails_the_rebuild_and_keeps_the_table(
    engine: Any, index: Any
) -> None:
    index.apply(SAMPLE)
    bad = [make_seller("ok", "无误商行"), {"id": "", "legal_name": "无编号商行"}]
    with pytest.raises(ValueError, match="non-empty string 'id'"):
        index.rebuild_parts([lambda: iter(SAMPLE), lambda: iter(bad)])
    assert PostgresSellerSearcher(engine.raw_connection).search("平安").total == 2
