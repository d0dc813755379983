"""``flask backup`` and ``flask restore`` round-trip every table and the audit chain, on SQLite
(the online backup API) and on PostgreSQL (pg_dump and pg_restore, a database of its own),
and rebuild the search index; a damaged, foreign or unconfirmed restore writes nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from registry.core.db import make_engine
from registry.core.migrate import upgrade
from web import create_app

from ..factories import make_seller, make_token
from .helpers import settle


def tables(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    out = {}
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            out[name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def _populate(app, runner, client, session):
    assert runner.invoke(args=["load-demo", "--count", "20"]).exit_code == 0
    regulator = make_token(session, "regulator")
    seller = make_seller(session, legal_name="备份测试商贸有限公司")
    answer = client.post(
        "/api/v1/sanctions",
        json=[
            {
                "seller": seller.public_id,
                "kind": "administrative_penalty",
                "decision_number": "备罚〔2026〕1号",
                "authority": "杭州市市场监督管理局",
                "decided_on": "2026-10-01",
                "amount": 2000,
            }
        ],
        headers={"Authorization": f"Bearer {regulator}"},
    )
    assert answer.status_code == 200, answer.json
    settle(app)
    return seller


def _round_trip(app, runner, client, session, path: Path):
    seller = _populate(app, runner, client, session)
    engine = app.extensions["registry_db"].engine
    before = tables(engine)
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    assert path.is_file() and Path(str(path) + ".json").is_file()
    # Life goes on after the backup, then the disaster: rows gone.
    make_seller(session, legal_name="备份之后登记的商贸有限公司")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM score_history"))
    assert tables(engine) != before
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    restored = runner.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "audit chain intact" in restored.output and "index rebuilt" in restored.output
    session.close()
    assert tables(engine) == before
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    checked = runner.invoke(args=["check-index"])
    assert checked.exit_code == 0, checked.output
    found = client.get("/api/v1/sellers?q=备份之后登记").json["data"]
    assert found == []  # the index is the restored database's
    assert client.get(f"/api/v1/sellers/{seller.public_id}").status_code == 200


def test_sqlite_round_trip(app, runner, client, session, tmp_path):
    _round_trip(app, runner, client, session, tmp_path / "backups" / "registry.db")


@pytest.fixture
def pg_app(pg_url, tmp_path):
    """An app on a PostgreSQL database of its own (pg_dump dumps a whole database)."""
    name = f"backup_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "SIGNING_KEY_DIR": str(tmp_path / "keys"),
            "SECRET_KEY": "test",
            "DIGEST_SECRET": "test-digest",
            "CACHE_POLL_SECONDS": 0.0,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    try:
        yield app
    finally:
        app.extensions["registry_db"].dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_round_trip(pg_app, tmp_path):
    from registry.core.db import session_factory

    session = session_factory(pg_app.extensions["registry_db"].engine)()
    try:
        _round_trip(
            pg_app, pg_app.test_cli_runner(), pg_app.test_client(), session, tmp_path / "pg.dump"
        )
    finally:
        session.close()


def test_a_damaged_or_foreign_backup_is_refused_and_nothing_written(app, runner, session, tmp_path):
    make_seller(session)
    path = tmp_path / "b.db"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    again = runner.invoke(args=["backup", str(path)])
    assert again.exit_code != 0 and "exists" in again.output and "Traceback" not in again.output
    engine = app.extensions["registry_db"].engine
    before = tables(engine)
    damaged = tmp_path / "damaged.db"
    body = bytearray(path.read_bytes())
    body[len(body) // 2] ^= 0xFF  # one byte changed in the middle
    damaged.write_bytes(bytes(body))
    Path(str(damaged) + ".json").write_text(Path(str(path) + ".json").read_text())
    answer = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert answer.exit_code != 0 and "SHA-256" in answer.output
    foreign = tmp_path / "pg.dump"
    foreign.write_bytes(b"PGDMP")
    Path(str(foreign) + ".json").write_text(
        '{"dialect": "postgresql", "revision": null, "tables": {}, "audit_head": null,'
        ' "sha256": "x"}'
    )
    answer = runner.invoke(args=["restore", str(foreign), "--yes"])
    assert answer.exit_code != 0 and "postgresql backup" in answer.output
    lone = tmp_path / "lone.db"
    lone.write_bytes(path.read_bytes())
    answer = runner.invoke(args=["restore", str(lone), "--yes"])
    assert answer.exit_code != 0 and "manifest" in answer.output
    assert tables(engine) == before
