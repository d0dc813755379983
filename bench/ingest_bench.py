"""Ingest N daily fulfillment aggregates through the API, beside a raw insert of the same rows.

The API path is the real one: a gunicorn server (``common.serve``) on a copy of the cached
data set, JSON Lines batches POSTed over HTTP with a platform token, each answered only after
its commit. The anchor, in the same run, writes exactly the rows the service writes (one
``fulfillment_day`` and one ``event`` per non-zero count) with a plain DBAPI executemany into
another copy of the same database, values prepared beforehand. The rescore and reindex jobs
run as the scheduler runs them, every 2 s beside the ingest, in a process of their own;
after the last batch they run until the change log is consumed: the time from the last
batch's answer to then is the "settled" figure.

The ingest runs twice, each on its own copy: the server alone (the rate compared with the raw
insert), then with the jobs beside it, as production runs the scheduler (the settled time,
and the rate while the jobs share the machine's cores). Targets: the API at least 1/5 of the
raw rate; every affected seller rescored and reindexed within 60 s of the last batch.
``--quick``: 50,000 rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Only these four of bench.common: serve, dataset, log, write_json.
from bench import common

RESULTS = ROOT / "bench" / "results"
SEED = 20261202
BATCH = 5_000  # records per request: 1 MB or so of JSON Lines
SETTLE_TARGET_S = 60.0
CHECKPOINT_EVERY_S = 30.0  # as web/jobs.py schedules "wal-checkpoint"
TARGET_RATIO = 0.2
SOURCE = "bench-platform"
COUNTS = (
    "late_shipments",
    "cancellations",
    "non_delivery",
    "not_as_described",
    "disputes_opened",
    "disputes_lost",
    "chargebacks",
)


def make_rows(public_ids: list[str], n: int, today: date, seed: int = SEED) -> list[dict]:
    """N aggregates: each seller's days going back from yesterday, realistic defect counts."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        seller = public_ids[i % len(public_ids)]
        orders = rng.randint(20, 2000)
        row = {"seller": seller, "day": (today - timedelta(days=1 + i // len(public_ids)))}
        row.update(orders=orders, external_ref=f"d{i}")
        for key in COUNTS:
            row[key] = rng.randint(0, orders // 50) if rng.random() < 0.3 else 0
        row["disputes_lost"] = min(row["disputes_lost"], row["disputes_opened"])
        row["day"] = row["day"].isoformat()
        rows.append(row)
    return rows


def sample_sellers(db: Path, count: int) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in conn.execute("SELECT public_id FROM seller ORDER BY id")]
    finally:
        conn.close()
    return random.Random(SEED).sample(ids, min(count, len(ids)))


def copy_dataset(data: Any, into: Path) -> Any:
    """A writable copy of the cached data set (the cache itself stays as built)."""
    shutil.copytree(data.path, into)
    return dataclasses.replace(data, path=into)


def make_token(db: Path) -> str:
    import registry.schema  # noqa: F401  (every table, for the ORM's foreign keys)
    from registry.core.db import make_engine, session_factory, writer
    from registry.trust.tokens import TokenService

    engine = make_engine(f"sqlite:///{db}")
    with session_factory(writer(engine))() as session:
        plain, _ = TokenService(session).create(name=SOURCE, role="platform")
        session.commit()
    engine.dispose()
    return plain


def post_all(server: Any, token: str, rows: list[dict]) -> tuple[float, int, float]:
    """POST every batch; return (seconds, rows created, monotonic time of the last answer)."""
    host, port = server.host_port
    bodies = [
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[i : i + BATCH]).encode()
        for i in range(0, len(rows), BATCH)
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    created = 0
    conn = http.client.HTTPConnection(host, port, timeout=600)
    start = time.perf_counter()
    try:
        for number, body in enumerate(bodies, 1):
            conn.request("POST", "/api/v1/fulfillment", body=body, headers=headers)
            answer = conn.getresponse()
            payload = json.loads(answer.read())
            if answer.status != 200:
                raise SystemExit(f"batch {number}: HTTP {answer.status}: {str(payload)[:300]}")
            created += payload["meta"]["summary"]["created"]
            if number % 20 == 0:
                common.log(f"  {number}/{len(bodies)} batches")
    finally:
        conn.close()
    last = time.perf_counter()
    return last - start, created, last


def _jobs_app(settings: dict[str, str]):
    from web import create_app

    return create_app(settings)


def _jobs_loop(settings: dict[str, str], stop: Any, counts: Any, every: float) -> None:
    """The jobs' own process, as the scheduler is one beside the server: rescore, then
    reindex, every *every* seconds, until *stop*; the counts are shared with the parent."""
    from web import jobs

    app = _jobs_app(settings)
    checkpointed = time.monotonic()
    while not stop.is_set():
        started = time.monotonic()
        rescored = jobs.rescore_changed(app)
        reindexed = jobs.reindex_changed(app)
        if started - checkpointed >= CHECKPOINT_EVERY_S:  # the scheduler's wal-checkpoint
            jobs.checkpoint_database(app)
            checkpointed = started
        with counts.get_lock():
            counts[0] += rescored
            counts[1] += reindexed
        stop.wait(max(0.0, every - (time.monotonic() - started)))
    app.extensions["registry_db"].dispose()


class Jobs:
    """The scheduler's two change-log jobs (rescore, then reindex, every 2 s as web/jobs.py
    runs them) in a process of their own beside the server, on the server's database: in
    this process they would share the interpreter with the client posting the batches."""

    EVERY_S = 2.0

    def __init__(self, data: Any) -> None:
        import multiprocessing

        self.settings = {
            "DATABASE_URL": f"sqlite:///{data.db}",
            "SEARCH_INDEX_DIR": str(data.index_dir),
            "SIGNING_KEY_DIR": str(data.path / "keys"),
            "SECRET_KEY": "bench",
            "DIGEST_SECRET": "bench-digest",
        }
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.counts = context.Array("q", 2)
        self.process = context.Process(
            target=_jobs_loop, args=(self.settings, self.stop, self.counts, self.EVERY_S)
        )
        self.rescored = self.reindexed = 0

    def start(self) -> None:
        self.process.start()

    def settle(self) -> None:
        """Stop the jobs' process, then run passes here until one finds nothing left."""
        from web import jobs

        self.stop.set()
        self.process.join()
        self.rescored, self.reindexed = self.counts[0], self.counts[1]
        app = _jobs_app(self.settings)
        while True:
            rescored = jobs.rescore_changed(app)
            reindexed = jobs.reindex_changed(app)
            self.rescored += rescored
            self.reindexed += reindexed
            if not rescored + reindexed:
                break
        app.extensions["registry_db"].dispose()


class WalWatch:
    """The largest size the database's write-ahead log file reached, sampled every 0.5 s."""

    def __init__(self, db: Path) -> None:
        import threading

        self.path = Path(f"{db}-wal")
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.wait(0.5):
            try:
                self.peak = max(self.peak, self.path.stat().st_size)
            except FileNotFoundError:
                pass

    def __enter__(self) -> WalWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def raw_rows(db: Path, rows: list[dict], now: datetime) -> tuple[list[tuple], list[tuple]]:
    """The rows the service writes, as plain tuples (ids given), prepared before timing."""
    from registry.events.fulfillment_models import AGGREGATE_KINDS

    conn = sqlite3.connect(db)
    ids = dict(conn.execute("SELECT public_id, id FROM seller"))
    start = conn.execute("SELECT coalesce(max(id), 0) FROM fulfillment_day").fetchone()[0]
    conn.close()
    stamp = now.replace(tzinfo=None).isoformat(" ")
    days, events = [], []
    for i, row in enumerate(rows, start + 1):
        sid = ids[row["seller"]]
        days.append(
            (i, f"platform:{SOURCE}", sid, row["day"], row["external_ref"])
            + tuple(row[k] for k in AGGREGATE_KINDS)
            + (stamp, stamp)
        )
        at = f"{row['day']} 00:00:00.000000"
        for key, kind in AGGREGATE_KINDS.items():
            if row[key]:
                events.append(
                    (sid, kind, at, "minor", "platform", f"platform:{SOURCE}", row[key], i, stamp)
                )
    return days, events


def raw_run(db: Path, rows: list[dict]) -> float:
    from registry.events.fulfillment_models import AGGREGATE_KINDS

    days, events = raw_rows(db, rows, datetime.now(UTC))
    columns = ", ".join(AGGREGATE_KINDS)
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    for i in range(0, len(days), BATCH):
        conn.executemany(
            "INSERT INTO fulfillment_day (id, source, seller_id, day, external_ref, "
            f"{columns}, created_at, updated_at) VALUES ({', '.join('?' * 15)})",
            days[i : i + BATCH],
        )
        conn.commit()
    for i in range(0, len(events), BATCH * 2):
        conn.executemany(
            "INSERT INTO event (seller_id, kind, occurred_at, severity, verification, source, "
            "count, aggregate_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events[i : i + BATCH * 2],
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 rows")
    parser.add_argument("--sellers", type=int, default=None, help="data set size")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    n = 50_000 if args.quick else args.rows
    sellers = args.sellers or (2_000 if args.quick else 20_000)
    data = common.dataset(sellers)
    # About 30 days per seller, going back from yesterday.
    public_ids = sample_sellers(data.db, max(1, min(sellers, n // 30)))
    rows = make_rows(public_ids, n, datetime.now(UTC).date())
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        alone = copy_dataset(data, Path(tmp) / "alone")
        beside = copy_dataset(data, Path(tmp) / "beside")
        raw_copy = copy_dataset(data, Path(tmp) / "raw")
        common.log(f"{n:,} aggregates of {len(public_ids):,} sellers, {BATCH} per batch")
        common.log("API, the server alone")
        with common.serve(alone) as server:
            api_s, created, _last = post_all(server, make_token(alone.db), rows)
        common.log("API, the rescore and reindex jobs beside it")
        token = make_token(beside.db)
        jobs = Jobs(beside)
        with common.serve(beside) as server, WalWatch(beside.db) as wal:
            jobs.start()
            beside_s, _created, last = post_all(server, token, rows)
            jobs.settle()
            settled_s = time.perf_counter() - last
        common.log("raw insert of the same rows")
        raw_s = raw_run(raw_copy.db, rows)
    result = {
        "rows": n,
        "sellers_affected": len(public_ids),
        "batch_records": BATCH,
        "created": created,
        "api_seconds": round(api_s, 3),
        "api_rows_per_s": round(n / api_s),
        "api_with_jobs_seconds": round(beside_s, 3),
        "api_with_jobs_rows_per_s": round(n / beside_s),
        "raw_seconds": round(raw_s, 3),
        "raw_rows_per_s": round(n / raw_s),
        "ratio_api_to_raw": round(raw_s / api_s, 3),
        "ratio_api_with_jobs_to_raw": round(raw_s / beside_s, 3),
        "target_ratio": TARGET_RATIO,
        "rescored": jobs.rescored,
        "reindexed": jobs.reindexed,
        "settled_seconds_after_last_batch": round(settled_s, 2),
        "settle_target_seconds": SETTLE_TARGET_S,
        "wal_peak_bytes_with_jobs": wal.peak,
        "quick": args.quick,
    }
    print(f"{'path':<34}{'seconds':>10}{'rows/s':>12}{'of raw':>9}")
    for label, seconds in (
        ("API (HTTP, gunicorn)", api_s),
        ("API, jobs beside (scheduler)", beside_s),
        ("raw executemany", raw_s),
    ):
        print(f"{label:<34}{seconds:>10.2f}{n / seconds:>12,.0f}{raw_s / seconds:>9.3f}")
    print(
        f"target: API >= {TARGET_RATIO} of raw; {jobs.rescored} rescores and "
        f"{jobs.reindexed} reindexed sellers, settled {settled_s:.1f} s after the last batch "
        f"(target <= {SETTLE_TARGET_S:.0f} s); write-ahead log at most {wal.peak / 2**20:,.0f} MiB"
    )
    out = args.out or RESULTS / "ingest_bench.json"
    common.log(f"wrote {common.write_json(out, result)}")


if __name__ == "__main__":
    main()
