"""Which database a request reads (web.db): the primary serves as its own "replica" here
(not in recovery, so never behind), and a closed port as one that is down. The streaming
replica itself is in tests/web/test_multinode.py."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import text

from registry.core.db import make_engine, session_factory, writer
from registry.core.migrate import upgrade
from web import create_app

from ..factories import make_seller, make_token, new_code


@pytest.fixture
def pg_schema_url(pg_url):
    """A migrated schema of its own, as a URL the app can be given."""
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{sep}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield url
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_app(tmp_path, pg_schema_url):
    apps = []

    def make(replicas: list[str]):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": pg_schema_url,
                "DATABASE_REPLICA_URLS": replicas,
                "REPLICA_CHECK_SECONDS": 0.0,
                "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                "SIGNING_KEY_DIR": str(tmp_path / "keys"),
                "SECRET_KEY": "test",
                "DIGEST_SECRET": "test-digest",
                "CACHE_POLL_SECONDS": 0.0,
                "RATELIMIT_ENABLED": False,
            }
        )
        app.instance_path = str(tmp_path / "instance")
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["badge_facts"].close()  # the connection it keeps between badges
        app.extensions["registry_db"].dispose()


@pytest.fixture
def seeded(pg_schema_url):
    engine = make_engine(pg_schema_url)
    try:
        with session_factory(writer(engine))() as session:
            code = new_code()
            seller = make_seller(session, identifier=code)
            token = make_token(session, "regulator")
        return seller, code, token
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_write_leaves_its_position_and_a_read_does_not(make_app, pg_schema_url, seeded):
    seller, code, token = seeded
    client = make_app([pg_schema_url]).test_client()
    read = client.get(f"/api/v1/sellers/{seller.public_id}")
    assert read.status_code == 200 and "Set-Cookie" not in read.headers
    wrote = client.post(
        "/api/v1/registrations",
        json=[{"identifier": code, "legal_name": "杭州改名测试商贸有限公司"}],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert wrote.status_code == 200
    cookie = wrote.headers["Set-Cookie"]
    assert cookie.startswith("wrote_at=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert cookie.split(";")[0].removeprefix("wrote_at=").isdigit()


@pytest.mark.postgres
def test_health_says_how_each_replica_is(make_app, pg_schema_url):
    down = pg_schema_url.replace(":5432/", f":{_closed_port()}/")
    health = make_app([pg_schema_url, down]).test_client().get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["replicas"] == [
        {"replica": 1, "state": "ok", "lag_seconds": 0.0, "lag_bytes": 0},
        {"replica": 2, "state": "down", "lag_seconds": None, "lag_bytes": None},
    ]


@pytest.mark.postgres
def test_reads_go_to_the_primary_while_the_replica_is_down(make_app, pg_schema_url, seeded):
    seller, _, _ = seeded
    down = pg_schema_url.replace(":5432/", f":{_closed_port()}/")
    client = make_app([down]).test_client()
    for path in (
        f"/api/v1/sellers/{seller.public_id}",
        f"/sellers/{seller.public_id}",
        f"/badge/{seller.public_id}.svg",
        f"/verify/{seller.public_id}",
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.postgres
def test_only_the_public_reads_go_to_a_replica(make_app, pg_schema_url):
    from web.db import public_reader

    app = make_app([pg_schema_url])
    db = app.extensions["registry_db"]
    replica = db.replicas.readers[0]
    for path, method, reader in (
        ("/api/v1/sellers/s-x", "GET", replica),
        ("/sellers/s-x", "GET", replica),
        ("/search?q=x", "GET", replica),
        ("/api/v1/export/sellers.jsonl", "GET", replica),
        ("/merchant", "GET", db.reader),  # a desk reads what its person just did
        ("/api/v1/escalations", "GET", db.reader),
    ):
        with app.test_request_context(path, method=method):
            app.preprocess_request()
            assert public_reader() is reader, path
    with app.app_context():  # a job or a command
        assert public_reader() is db.reader
    assert db.reader.kw["bind"] is db.engine


def test_replicas_need_a_postgresql_primary(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
                "DATABASE_REPLICA_URLS": ["postgresql+psycopg://replica/registry"],
                "SECRET_KEY": "test",
                "DIGEST_SECRET": "test-digest",
            }
        )


def test_replicas_are_named_in_the_environment(monkeypatch):
    from web.config import from_environment

    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS", "postgresql://r1/registry, postgresql://r2/registry"
    )
    monkeypatch.setenv("REPLICA_MAX_LAG_SECONDS", "2.5")
    monkeypatch.setenv("CACHE_POLL_SECONDS", "0.5")
    config = from_environment()
    assert config["DATABASE_REPLICA_URLS"] == [
        "postgresql://r1/registry",
        "postgresql://r2/registry",
    ]
    assert config["REPLICA_MAX_LAG_SECONDS"] == 2.5 and config["CACHE_POLL_SECONDS"] == 0.5


def test_a_connection_lost_as_the_request_ends_is_not_a_500(make_app, pg_schema_url):
    """A replica killed (or the primary restarting) between a request's last query and its
    end: the closing ROLLBACK failed in the teardown, and gunicorn answered 500 to a request
    whose answer was made (seen with the replica killed under load, test_multinode)."""
    from web.db import get_session

    app = make_app([])
    admin = make_engine(pg_schema_url, isolation_level="AUTOCOMMIT")

    @app.get("/_test/lost")
    def lost():
        session = get_session()
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        return "made"

    try:
        answer = app.test_client().get("/_test/lost")
        assert answer.status_code == 200 and answer.text == "made"
        assert app.test_client().get("/healthz").status_code == 200  # the pool recovered
    finally:
        admin.dispose()
