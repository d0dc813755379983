from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from registry.core.db import make_engine
from registry.core.migrate import current, downgrade, upgrade
from registry.schema import metadata, modelled

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
        context = MigrationContext.configure(conn, opts={"include_name": modelled})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    assert not {t for t in inspect(engine).get_table_names() if t.startswith("search_")}
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


def _account_with_clear_secret(engine, secret: str) -> None:
    upgrade(engine, "0014")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO account (email, role, totp_secret, session_epoch, created_at) "
                "VALUES ('m@example.org', 'moderator', :s, 0, '2026-12-01 00:00:00')"
            ),
            {"s": secret},
        )


def test_0015_seals_clear_totp_secrets(tmp_path):
    from registry.core.sealing import TOTP_SECRETS, SecretBox

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _account_with_clear_secret(engine, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    upgrade(engine, sealing_key="master")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT totp_secret FROM account")).scalar_one()
    assert "JBSWY3DP" not in stored
    assert SecretBox("master", TOTP_SECRETS).open(stored) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    downgrade(engine, "0014", sealing_key="master")  # and back to clear
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT totp_secret FROM account"))
            .scalar_one()
            .startswith("JBSWY3DP")
        )
    engine.dispose()


def test_0015_without_the_key_refuses_rather_than_half_seals(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _account_with_clear_secret(engine, "JBSWY3DPEHPK3PXP")
    with pytest.raises(RuntimeError, match="sealing key"):
        upgrade(engine)
    assert current(engine) == "0014"
    engine.dispose()


def _search_tables(engine) -> set[str]:
    return {t for t in inspect(engine).get_table_names() if t.startswith("search_")}


def test_0017_leaves_sqlite_as_it_was(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert current(engine) == "0017"
    assert _search_tables(engine) == set()
    engine.dispose()


@pytest.mark.postgres
def test_0017_makes_the_search_tables_on_postgres(pg_engine):
    assert _search_tables(pg_engine) == {"search_seller", "search_word", "search_meta"}
    from search import PostgresSellerIndex

    index = PostgresSellerIndex(pg_engine.raw_connection)
    assert not index.exists()  # made, not built: the consumer builds it
    index.rebuild([{"id": "m1", "legal_name": "迁移测试商行"}], sequence=0)
    assert index.exists() and index.doc_count() == 1
    downgrade(pg_engine, "0016")
    assert _search_tables(pg_engine) == set()
    upgrade(pg_engine)
