"""A large import commits in chunks: another writer waits at most one chunk, and an import
killed with SIGKILL leaves whole chunks only, an intact audit chain, and resumes when run
again. The importer is the real command line (``flask import-registrations``) in a process
of its own, on the test's SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from registry.journal import audit
from registry.registration.models import Seller

from ..factories import make_token, new_code

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def _file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "many.csv"
    rows = ["uscc,name"] + [f"{new_code()},分块导入测试{i}号商贸有限公司" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _importer(app, path: Path, chunk: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REGISTRY_INSTANCE_PATH": app.instance_path,
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "SIGNING_KEY_DIR": app.config["SIGNING_KEY_DIR"],
        "SECRET_KEY": "test",
        "DIGEST_SECRET": "test-digest",
    }
    return subprocess.Popen(
        [FLASK, "import-registrations", str(path), "--chunk", str(chunk)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _sellers(session) -> int:
    session.expire_all()
    count = session.execute(select(func.count()).select_from(Seller)).scalar_one()
    session.rollback()  # no snapshot held while the importer writes
    return count


def test_another_writer_waits_at_most_a_chunk(app, session, tmp_path):
    path = _file(tmp_path, 20000)
    waits: list[float] = []
    importer = _importer(app, path, chunk=500)
    started = time.monotonic()
    stop = threading.Event()

    def write():
        n = 0
        while not stop.is_set():
            began = time.monotonic()
            make_token(session, "platform", name=f"writer {n}")  # a write and its commit
            waits.append(time.monotonic() - began)
            n += 1
            time.sleep(0.05)

    writer = threading.Thread(target=write)
    time.sleep(1.0)  # the importer has started and is reading the file
    writer.start()
    out, err = importer.communicate(timeout=300)
    took = time.monotonic() - started
    stop.set()
    writer.join(timeout=60)
    assert importer.returncode == 0, err
    assert "20000 created" in out
    assert len(waits) >= 3, (waits, took)
    # One transaction for the file made the writer wait for all its writing (5.7 s of a
    # 14.8 s run on a 2-core machine); a chunk is 1/40 of it.
    assert max(waits) < took / 4, (max(waits), took)


def test_an_import_killed_mid_file_leaves_whole_chunks_and_resumes(app, session, tmp_path):
    path = _file(tmp_path, 3000)
    importer = _importer(app, path, chunk=200)
    while _sellers(session) < 400 and importer.poll() is None:
        time.sleep(0.01)
    importer.send_signal(signal.SIGKILL)
    importer.communicate(timeout=30)
    committed = _sellers(session)
    assert 0 < committed < 3000 and committed % 200 == 0, committed
    report = audit.verify_chain(session)
    assert report.ok, report
    session.rollback()

    again = _importer(app, path, chunk=200)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"{3000 - committed} created" in out and f"{committed} unchanged" in out, out
    assert _sellers(session) == 3000
    assert audit.verify_chain(session).ok
