"""SQLite's write-ahead log stays bounded while readers keep overlapping.

Real connections on a real file: two reader threads whose read transactions overlap, so
that at every instant one of them holds a snapshot, and a writer committing in between.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from registry.core import db
from web import jobs


def _overlapping_readers(engine, stop: threading.Event) -> list[threading.Thread]:
    def read(offset: float) -> None:
        time.sleep(offset)
        with engine.connect() as conn:
            while not stop.is_set():
                conn.execute(text("SELECT count(*) FROM blob")).scalar_one()  # a snapshot
                time.sleep(0.06)  # held while the other reader starts its own
                conn.rollback()

    threads = [threading.Thread(target=read, args=(i * 0.03,), daemon=True) for i in (0, 1)]
    for t in threads:
        t.start()
    return threads


def _write(engine, megabytes: int) -> None:
    payload = "x" * 100_000
    for _ in range(megabytes * 10):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO blob (body) VALUES (:b)"), {"b": payload})


def test_the_log_is_checkpointed_and_truncated_under_overlapping_readers(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE blob (id INTEGER PRIMARY KEY, body TEXT)"))
    stop = threading.Event()
    readers = _overlapping_readers(engine, stop)
    try:
        _write(engine, 24)
        grown = db.wal_bytes(engine)
        # SQLite's own checkpoints could not restart the log under these readers.
        assert grown > 20 * 1024 * 1024
        assert db.checkpoint(engine, limit=grown * 2) is None  # below the limit: left alone
        # As the scheduler calls it, every 30 s: it may meet readers it cannot outwait.
        for _ in range(5):
            left = db.checkpoint(engine, limit=8 * 1024 * 1024)
            if left == 0:
                break
        assert left == 0
        with engine.connect() as conn:  # nothing lost
            assert conn.execute(text("SELECT count(*) FROM blob")).scalar_one() == 240
        _write(engine, 4)  # the log starts again from its beginning
        assert db.wal_bytes(engine) < 8 * 1024 * 1024
    finally:
        stop.set()
        for t in readers:
            t.join()
        engine.dispose()


def test_the_scheduler_runs_it_and_it_does_nothing_on_a_small_log(app):
    assert jobs.SCHEDULE["wal-checkpoint"][0] == "checkpoint_database"
    assert jobs.checkpoint_database(app) == 0
