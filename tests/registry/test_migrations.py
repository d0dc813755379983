from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from registry.core.db import make_engine
from registry.core.migrate import current, downgrade, upgrade
from registry.schema import metadata

TABLES = {
    "seller",
    "identity",
    "identity_revision",
    "store",
    "domain",
    "event",
    "complaint",
    "seller_score",
    "score_history",
    "api_token",
    "audit_log",
    "change_log",
    "job_cursor",
    "fulfillment_day",
    "platform_store",
    "order_confirmation",
}


def check_upgrade(engine):
    upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert current(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)


def test_upgrade_empty_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    check_upgrade(engine)
    engine.dispose()


@pytest.mark.postgres
def test_upgrade_empty_postgres(pg_url):
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = make_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
        check_upgrade(engine)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_cli_db_upgrade(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at" in result.output
