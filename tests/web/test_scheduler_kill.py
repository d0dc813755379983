"""The real scheduler process, killed with SIGKILL in the middle of the nightly rescore and
of building the index, leaves a consistent registry, and the next run completes the work.

After every kill: the audit chain verifies and a recomputed sample of stored scores agrees
(whole ranges or nothing). After the last run: every seller is scored, check-index finds
the index complete and current, and check-scores finds no difference."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.events.service import EventService
from registry.journal import changelog
from registry.registration.importing import RawRecord
from registry.registration.service import RegistrationService
from registry.scores.models import SellerScore
from search import SellerIndex

from ..factories import new_code

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SELLERS = 1200
#: after the scheduler says it runs: early (the first ranges), later, and later still
KILL_AFTER = (0.3, 1.0, 2.0, 3.5)


def _seed(session) -> None:
    records = [
        RawRecord(n, {"identifier": new_code(), "legal_name": f"杭州断电测试{n}号商贸有限公司"})
        for n in range(1, SELLERS + 1)
    ]
    results = list(RegistrationService(session, actor="regulator:test").submit(records))
    assert all(r.status == "created" for r in results)
    events = [
        {
            "seller": r.seller_id,
            "kind": "sanction_major_fine" if n % 3 else "sanction_minor_fine",
            "occurred_at": datetime.now(UTC) - timedelta(days=1 + n % 200),
        }
        for n, r in enumerate(results[::4])
    ]
    list(EventService(session, "regulator:t", "regulator").submit(events))
    session.commit()


def _env(app) -> dict[str, str]:
    config = app.config
    return {
        **os.environ,
        "DATABASE_URL": config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
        "SIGNING_KEY_DIR": config["SIGNING_KEY_DIR"],
        "SECRET_KEY": config["SECRET_KEY"],
        "DIGEST_SECRET": config["DIGEST_SECRET"],
        "REGISTRY_INSTANCE_PATH": app.instance_path,
        "FLASK_APP": "wsgi",
        "RESCORE_BATCH": "40",  # 30 ranges, each its own transaction
    }


def _flask(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), *args], env=env, capture_output=True, text=True, timeout=300
    )


def _start(env, log: Path) -> subprocess.Popen:
    out = open(log, "wb")
    proc = subprocess.Popen(
        [str(BIN / "flask"), "scheduler", "--now", "rescore-all"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    deadline = time.monotonic() + 60
    while b"scheduler running" not in log.read_bytes():
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.02)
    return proc


def _progress(app) -> tuple[int, int, int | None]:
    with app.extensions["registry_db"].reader() as s:
        scored = s.execute(select(func.count()).select_from(SellerScore)).scalar_one()
        head = changelog.head(s)
    index = SellerIndex(Path(app.config["SEARCH_INDEX_DIR"]) / "sellers")
    return scored, head, index.last_sequence() if index.exists() else None


def _consistent(app) -> None:
    """What `flask verify-audit` and `flask check-scores` check, read in this process."""
    from registry.journal import audit
    from registry.scores.check import check_scores

    with app.extensions["registry_db"].reader() as s:
        chain = audit.verify_chain(s)
        assert chain.ok, (chain.first_bad_id, chain.problem)
        scores = check_scores(s, SELLERS, 1)
        assert scores.ok and not scores.differences, scores.differences[:5]


def test_a_killed_scheduler_leaves_whole_work_and_the_next_run_finishes(app, session, tmp_path):
    _seed(session)
    env = _env(app)
    unfinished = 0
    for n, after in enumerate(KILL_AFTER):
        proc = _start(env, tmp_path / f"scheduler-{n}.log")
        time.sleep(after)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        scored, head, applied = _progress(app)
        unfinished += scored < SELLERS or applied is None or applied < head
        _consistent(app)
    assert unfinished, "no kill came before the work was done: kill sooner"

    proc = _start(env, tmp_path / "scheduler-last.log")
    try:
        deadline = time.monotonic() + 180
        while True:
            scored, head, applied = _progress(app)
            if scored == SELLERS and applied is not None and applied >= head:
                with app.extensions["registry_db"].reader() as s:
                    waiting, _ = changelog.pending(s, "rescore", exclude_kinds=("score",))
                if not waiting:
                    break
            assert time.monotonic() < deadline, (scored, head, applied)
            time.sleep(0.2)
    finally:
        # A graceful stop lets running jobs finish (statements for every seller, on a busy
        # machine, took over a minute); the work checked below is already done.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(180)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    index = _flask(env, "check-index")
    assert index.returncode == 0, index.stdout + index.stderr
    assert f"{SELLERS} sellers in {SELLERS} documents" in index.stdout
    _consistent(app)
