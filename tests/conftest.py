"""Fixtures: a fresh app per test (SQLite file and index directory under tmp_path)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from registry.core.db import make_engine
from registry.core.migrate import upgrade
from web import create_app

from .factories import make_token
from .people import SEALING_KEY

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# No per-example deadline: on a shared 2-core machine a loaded moment is not a failure, and
# speed is measured by the benchmarks (bench/), not by unit tests.
settings.register_profile("registry", deadline=None)
settings.load_profile("registry")

# live_site: a real gunicorn (2 workers) and scheduler (tests/live.py)
pytest_plugins = ("tests.live",)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """Migrate one SQLite file once; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def make_test_app(folder: Path, template: Path):
    """An app on a copy of the migrated template, with its files under ``folder``."""
    db_path = folder / "registry.db"
    shutil.copy(template, db_path)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "SIGNING_KEY_DIR": str(folder / "keys"),
            "SECRET_KEY": "test",
            # The master key of sealed secrets, known to the helpers that enrol people.
            "ALERT_SECRET_KEY": SEALING_KEY,
            "DIGEST_SECRET": "test-digest",
            # Changes show on the very next view (production polls the change log each second).
            "CACHE_POLL_SECONDS": 0.0,
            "WTF_CSRF_ENABLED": True,
            # Rate limits are tested where they are the subject (tests/web/test_rate_limits.py).
            "RATELIMIT_ENABLED": False,
            "SHARED_DATA_DIR": str(SHARED_DATA),
        }
    )
    app.instance_path = str(folder / "instance")
    return app


@pytest.fixture
def app(tmp_path, migrated_template):
    app = make_test_app(tmp_path, migrated_template)
    yield app
    app.extensions["registry_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    # A plain (deferred) session: a test that reads after committing must not sit on SQLite's
    # write lock while the app under test writes; services still write through it.
    # No app context is held for the test: requests made meanwhile must get their own.
    s = app.extensions["registry_db"].reader()
    yield s
    s.close()


@pytest.fixture
def regulator_token(session) -> str:
    return make_token(session, "regulator")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("shared data folder is absent")
    return SHARED_DATA


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    return url


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def pg_engine(pg_url):
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    import uuid

    from sqlalchemy import text

    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_session(pg_engine):
    from registry.core.db import session_factory, writer

    with session_factory(writer(pg_engine))() as s:
        yield s
