"""SEARCH_BACKEND=postgres: the app searches sellers in a table of its own PostgreSQL
database, written in the transaction of each change and kept by the change-log consumer."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.journal import changelog
from search import PostgresSellerIndex, PostgresSellerSearcher
from web import create_app, jobs, search_rows
from web.indexing import check, index_paths

from ..conftest import SHARED_DATA
from ..factories import make_seller
from ..people import SEALING_KEY
from .helpers import settle


def test_postgres_search_on_sqlite_refuses_to_start(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "SEARCH_BACKEND": "postgres"})


def test_an_unknown_search_backend_refuses_to_start(tmp_path):
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "SEARCH_BACKEND": "solr"})


def test_the_backend_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(ValueError, match="PostgreSQL"):
        create_app()


@pytest.fixture
def pg_app(tmp_path, pg_engine):
    with pg_engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    url = pg_engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SEARCH_BACKEND": "postgres",
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "SIGNING_KEY_DIR": str(tmp_path / "keys"),
            "SECRET_KEY": "test",
            "ALERT_SECRET_KEY": SEALING_KEY,
            "DIGEST_SECRET": "test-digest",
            "CACHE_POLL_SECONDS": 0.0,
            "RATELIMIT_ENABLED": False,
            "SHARED_DATA_DIR": str(SHARED_DATA),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["registry_db"].dispose()


@pytest.fixture
def pg_session(pg_app):
    s = pg_app.extensions["registry_db"].reader()
    yield s
    s.close()


def _total(client, q: str, **params) -> int:
    response = client.get("/api/v1/sellers", query_string={"q": q, **params})
    assert response.status_code == 200, response.json
    return response.json["meta"]["total"]


@pytest.mark.postgres
def test_a_change_is_found_the_moment_it_is_committed(pg_app, pg_session):
    client = pg_app.test_client()
    assert _total(client, "云帆") == 0
    make_seller(pg_session, legal_name="杭州云帆数码科技有限公司", english_name="Yunfan Digital")
    # No consumer has run: the row was written in the seller's own transaction.
    assert _total(client, "云帆") == 1
    assert _total(client, "yunfan") == 1
    assert _total(client, "Yunfam") == 1  # a typo
    suggestions = client.get("/api/v1/suggest", query_string={"q": "杭州云"}).json["data"]
    assert [s["text"] for s in suggestions] == ["杭州云帆数码科技有限公司"]
    page = client.get("/search", query_string={"q": "云帆"})
    assert page.status_code == 200
    assert "杭州<mark>云帆</mark>数码科技有限公司" in page.get_data(as_text=True)


@pytest.mark.postgres
def test_a_rolled_back_change_leaves_no_row(pg_app, pg_session):
    make_seller(pg_session, commit=False, legal_name="回滚测试商行")
    pg_session.rollback()
    assert _total(pg_app.test_client(), "回滚测试") == 0
    assert changelog.CHANGED_SELLERS not in pg_session.info


@pytest.mark.postgres
def test_the_consumer_writes_what_the_commit_left_out(pg_app, pg_session, monkeypatch):
    monkeypatch.setattr(search_rows, "SYNC_LIMIT", 0)  # as for a bulk import
    client = pg_app.test_client()
    make_seller(pg_session, legal_name="上海星禾服饰有限公司", category="apparel")
    assert _total(client, "星禾") == 0
    settle(pg_app)  # the first run builds the table, with the sequence it covers
    assert _total(client, "星禾") == 1
    make_seller(pg_session, legal_name="北京星禾图书有限公司", category="books")
    settle(pg_app)
    body = client.get("/api/v1/sellers", query_string={"q": "星禾"}).json
    assert body["meta"]["total"] == 2
    assert body["meta"]["facets"]["category"] == {"apparel": 1, "books": 1}
    with pg_app.app_context():
        report = check(pg_session, index_paths(pg_app))
    assert report.ok and report.sequence == report.log_head


@pytest.mark.postgres
def test_a_rescore_reaches_search_in_its_own_transaction(pg_app, pg_session):
    make_seller(pg_session, legal_name="杭州评分测试数码有限公司")
    searcher = PostgresSellerSearcher(pg_app.extensions["registry_db"].engine.raw_connection)
    [hit] = searcher.search("评分测试").hits
    assert hit.fields["score"] is None
    assert jobs.rescore_changed(pg_app) == 1  # no reindex: the rescore's commit wrote the row
    [scored] = searcher.search("评分测试").hits
    assert scored.fields["score"] is not None


@pytest.mark.postgres
def test_reindex_rebuilds_the_table_and_check_index_agrees(pg_app, pg_session):
    for i in range(3):
        make_seller(pg_session, legal_name=f"重建测试{i}号商行")
    runner = pg_app.test_cli_runner()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "index rebuilt: 3 sellers" in result.output
    index = PostgresSellerIndex(pg_app.extensions["registry_db"].engine.raw_connection)
    assert index.doc_count() == 3 and index.last_sequence() == changelog.head(pg_session)
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert "index is complete and current" in result.output
    assert _total(pg_app.test_client(), "重建测试") == 3


@pytest.fixture
def pg_live(tmp_path, pg_engine):
    from ..live import LiveSite

    with pg_engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    url = pg_engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    site = LiveSite(
        tmp_path,
        None,
        database_url=url.render_as_string(hide_password=False),
        settings={"SEARCH_BACKEND": "postgres"},
    )
    try:
        yield site
    finally:
        site.stop()


@pytest.mark.postgres
def test_a_registration_is_found_by_every_worker_when_its_request_returns(pg_live):
    """gunicorn's two workers and the scheduler on PostgreSQL: what one request registers,
    the very next search finds, whichever worker answers it (no index to wait for)."""
    from urllib.parse import quote

    from ..factories import make_token, new_code

    with pg_live.app.extensions["registry_db"].writer() as session:
        token = make_token(session, "regulator")
    pg_live.start()
    for i in range(3):
        body = [{"统一社会信用代码": new_code(), "企业名称": f"即时可查{i}号贸易有限公司"}]
        posted = pg_live.post("/api/v1/registrations", body, token=token)
        assert posted.status == 200, posted.text
        answers = pg_live.burst([f"/api/v1/sellers?q={quote(f'即时可查{i}号')}"] * 4)
        assert {a.status for a in answers} == {200}
        assert all(a.json()["meta"]["total"] == 1 for a in answers), [a.text for a in answers]
    every = pg_live.from_every_worker(f"/api/v1/sellers?q={quote('即时可查')}")
    assert {a.json()["meta"]["total"] for a in every} == {3}


@pytest.mark.postgres
def test_a_lost_database_connection_is_a_503_not_a_500(pg_app, pg_session):
    from ..search.test_postgres_backend import _terminated

    make_seller(pg_session, legal_name="断线测试商行")
    engine = pg_app.extensions["registry_db"].engine
    dead = _terminated(engine)
    pg_app.extensions["seller_searcher"] = PostgresSellerSearcher(lambda: dead)
    client = pg_app.test_client()
    for path in ("/api/v1/sellers?q=断线", "/api/v1/suggest?q=断线", "/search?q=断线"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"]


@pytest.mark.postgres
def test_a_failure_to_write_search_rows_does_not_lose_the_change(pg_app, pg_session, caplog):
    from sqlalchemy import func, select

    from registry.registration.models import Seller

    engine = pg_app.extensions["registry_db"].engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE search_seller RENAME TO search_seller_away"))
    make_seller(pg_session, legal_name="写入失败测试商行")
    assert pg_session.execute(select(func.count()).select_from(Seller)).scalar_one() == 1
    assert "left to the change-log consumer" in caplog.text
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE search_seller_away RENAME TO search_seller"))
    settle(pg_app)
    assert _total(pg_app.test_client(), "写入失败") == 1


@pytest.mark.postgres
def test_the_seller_table_alone_is_rebuilt_without_index_paths(pg_app, pg_session):
    from web.db import database
    from web.indexing import rebuild

    make_seller(pg_session, legal_name="只建表测试商行")
    with pg_app.app_context(), database().reader() as session:
        assert rebuild(session, None) == 1
    assert not (index_paths(pg_app)[1]).exists()  # no narrative index made
    assert _total(pg_app.test_client(), "只建表") == 1


@pytest.mark.postgres
def test_rows_written_at_commit_are_in_the_gin_index_not_its_pending_list(pg_app, pg_session):
    """A pending list (GIN's fastupdate) would hold every row written at commit until
    vacuum merged it, and each search would read through all of them."""
    from ..search.test_postgres_backend import assert_no_pending_rows

    for i in range(30):
        make_seller(pg_session, legal_name=f"待合并测试{i}号贸易有限公司", english_name=f"Pendx{i}")
    assert _total(pg_app.test_client(), "待合并测试") == 30
    conn = pg_app.extensions["registry_db"].engine.raw_connection()
    try:
        assert_no_pending_rows(conn)
    finally:
        conn.close()


@pytest.mark.postgres
def test_the_seller_table_is_rebuilt_from_parts_read_in_processes(pg_app, pg_session):
    from web.db import database
    from web.indexing import rebuild

    for i in range(5):
        make_seller(pg_session, legal_name=f"分进程测试{i}号商行")
    with pg_app.app_context(), database().reader() as session:
        assert rebuild(session, None, procs=2, min_per_part=2) == 5
    assert _total(pg_app.test_client(), "分进程测试") == 5
