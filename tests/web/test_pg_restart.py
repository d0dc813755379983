"""PostgreSQL restarted while the site (gunicorn, 2 workers, and the scheduler) is under load:
requests fail with a clear 503 and ``Retry-After`` while it is down, never a 500, and the
site recovers by itself; every write answered 200 is in the database, no other is."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from registry.core.db import make_engine
from registry.core.migrate import upgrade
from registry.events.models import Event

from ..factories import make_seller, make_token
from ..live import LiveSite
from ..pgserver import PgServer


@pytest.fixture
def site(tmp_path):
    pg = PgServer()
    try:
        engine = make_engine(pg.url)
        upgrade(engine)
        engine.dispose()
        live = LiveSite(tmp_path, None, database_url=pg.url)
        live.pg = pg  # type: ignore[attr-defined]
        try:
            yield live
        finally:
            live.stop()
    finally:
        pg.close()


def _call(base: str, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a new connection: (status, headers)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        answer.read()
        return answer.status, dict(answer.getheaders())
    finally:
        conn.close()


def test_a_restart_under_load_is_a_clear_503_and_loses_nothing(site):
    from registry.core.db import session_factory

    with session_factory(site.app.extensions["registry_db"].engine)() as session:
        seller = make_seller(session, legal_name="重启测试商贸有限公司")
        token = make_token(session, "platform")
    site.start()
    answers: list[tuple[str, int, dict]] = []
    accepted: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def read():
        while not stop.is_set():
            status, headers = _call(site.base, "GET", f"/api/v1/sellers/{seller.public_id}")
            with lock:
                answers.append(("read", status, headers))
            time.sleep(0.02)

    def write(n: int):
        i = 0
        while not stop.is_set():
            ref = f"restart-{n}-{i}"
            body = json.dumps(
                [
                    {
                        "seller": seller.public_id,
                        "kind": "order",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "external_ref": ref,
                    }
                ]
            ).encode()
            status, headers = _call(
                site.base,
                "POST",
                "/api/v1/events",
                body,
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            with lock:
                answers.append(("write", status, headers))
                if status == 200:
                    accepted.append(ref)
            i += 1
            time.sleep(0.02)

    threads = [
        threading.Thread(target=read),
        *(threading.Thread(target=write, args=(n,)) for n in range(2)),
    ]
    for t in threads:
        t.start()
    time.sleep(1.5)
    site.pg.stop()  # type: ignore[attr-defined]
    time.sleep(2.0)
    site.pg.start()  # type: ignore[attr-defined]
    time.sleep(3.0)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0, statuses  # the outage was seen, and said so
    assert all(h.get("Retry-After") for _, s, h in answers if s == 503)
    tail = [status for _, status, _ in answers[-10:]]
    assert tail == [200] * len(tail), tail  # recovered by itself
    engine = make_engine(site.pg.url)  # type: ignore[attr-defined]
    try:
        with engine.connect() as conn:
            stored = set(
                conn.execute(
                    select(Event.external_ref).where(Event.external_ref.like("restart-%"))
                ).scalars()
            )
            assert conn.execute(select(func.count()).select_from(Event)).scalar() == len(stored)
    finally:
        engine.dispose()
    assert stored == set(accepted)
