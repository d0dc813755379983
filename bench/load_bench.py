"""A mixed load for 60 s against `make run`'s setup, on SQLite (WAL) and on PostgreSQL.

The setup is the one `make run` starts: gunicorn with ``gunicorn.conf.py`` and 2 sync workers
serving ``wsgi:app``, and ``flask scheduler`` in its own process (rescoring, reindexing,
statements, notifications while the load runs), on a copy of the cached data set; for
PostgreSQL the same rows are copied into a database of their own first.

The load is closed-loop Python threads, each with its own connection, timing every request:
- readers: the search page, a seller's profile, a badge (with a Referer), the search API;
- complaint intake: ``POST /api/v1/complaints``, every one from its own client address
  (the server believes one proxy hop, as behind a reverse proxy, so the per-client intake
  limit applies per address) with its own contact and narrative;
- 4 writers: ``POST /api/v1/events`` batches of order records, each writer with its own
  platform token (its own source), every record with its own ``external_ref``.

Per-client rate limits are off (``RATELIMIT_ENABLED=0``): one machine is every client here.
After the run, what was stored is counted in the database: every event and complaint that was
answered as stored must be there ("lost" counts those that are not), and a request that got no
answer is counted apart. Checked: zero 5xx, zero lost writes. Reported: per endpoint, the
requests, answers by status, p50 and p99. ``--quick``: 2,000 sellers, 20 s per backend.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import common

BIN = Path(sys.executable).parent
WRITERS = 4
READERS = 4
EVENT_BATCH = 100
PG_DB = "bench_load"
CATEGORIES = ("fraud", "false_advertising", "contract_fulfillment", "after_sales")
QUERIES = ("云帆", "数码", "杭州", "科技有限公司", "shop", "电器", "服饰", "食品")


# -- the site ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """gunicorn (2 workers) and the scheduler, as `make run` starts them."""

    def __init__(self, folder: Path, database_url: str, index: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(index),
            "SIGNING_KEY_DIR": str(folder / "keys"),
            "REGISTRY_INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "bench",
            "DIGEST_SECRET": "bench-digest",
            "FLASK_APP": "wsgi",
            "BASE_URL": f"http://127.0.0.1:{self.port}",
            "RATELIMIT_ENABLED": "0",
            "PROXY_FIX_X_FOR": "1",
        }
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        for name, cmd in (
            ("scheduler", [str(BIN / "flask"), "scheduler"]),
            (
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "gunicorn.conf.py",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--error-logfile",
                    str(self.folder / "gunicorn.log"),
                    "wsgi:app",
                ],
            ),
        ):
            out = open(self.folder / f"{name}.out", "wb")
            self.procs.append(
                subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
            )
            out.close()
        deadline = time.monotonic() + 90
        while True:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                raise RuntimeError(f"the site did not start: see {self.folder}")
            time.sleep(0.3)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


# -- the databases ----------------------------------------------------------------------------
def _tokens(database_url: str) -> list[tuple[str, str]]:
    """One platform token per writer: (source name, token)."""
    import registry.schema  # noqa: F401 - every table, for the models' foreign keys
    from registry.core.db import make_engine, session_factory
    from registry.trust.tokens import TokenService

    engine = make_engine(database_url)
    out = []
    with session_factory(engine)() as session:
        for n in range(WRITERS):
            name = f"load-writer-{n}"
            plain, _ = TokenService(session).create(name=name, role="platform")
            out.append((name, plain))
        session.commit()
    engine.dispose()
    return out


def _counts(database_url: str, since: datetime) -> dict[str, int]:
    from sqlalchemy import func, select

    from registry.complaints.models import Complaint
    from registry.core.db import make_engine
    from registry.events.models import Event

    engine = make_engine(database_url)
    with engine.connect() as conn:
        events = conn.execute(
            select(func.count()).select_from(Event).where(Event.external_ref.like("load-%"))
        ).scalar_one()
        complaints = conn.execute(
            select(func.count()).select_from(Complaint).where(Complaint.created_at >= since)
        ).scalar_one()
    engine.dispose()
    return {"events": events, "complaints": complaints}


# -- the load ---------------------------------------------------------------------------------
class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.stored = Counter()  # what the answers said was stored
        self.unanswered = Counter()
        self.samples: dict[str, str] = {}  # the first refusal of each endpoint and status

    def refused(self, name: str, status: int, payload: bytes) -> None:
        with self.lock:
            self.samples.setdefault(f"{name} {status}", payload[:300].decode(errors="replace"))

    def add(self, name: str, status: int, seconds: float) -> None:
        with self.lock:
            self.times[name].append(seconds)
            self.statuses[name][status] += 1


def _timed(tally: Tally, name: str, conn, port, method, path, body=None, headers=None):
    began = time.perf_counter()
    try:
        status, payload = request(port, method, path, body, headers, conn)
    except (OSError, http.client.HTTPException):
        with tally.lock:
            tally.unanswered[name] += 1
        return None, b""
    tally.add(name, status, time.perf_counter() - began)
    if status >= 400:
        tally.refused(name, status, payload)
    return status, payload


def _reader(port, tally, ids, stop, seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        kind = rng.choice(("search", "profile", "badge", "api_search"))
        pid = rng.choice(ids)
        if kind == "search":
            path, headers = f"/search?q={quote(rng.choice(QUERIES))}", {}
        elif kind == "profile":
            path, headers = f"/sellers/{pid}", {}
        elif kind == "badge":
            path, headers = f"/badge/{pid}.svg", {"Referer": "https://shop.example.com/"}
        else:
            path, headers = f"/api/v1/sellers?q={quote(rng.choice(QUERIES))}", {}
        status, _ = _timed(tally, kind, conn, port, "GET", path, headers=headers)
        if status is None:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def _intake(port, tally, ids, stop, seed):
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        n += 1
        body = {
            "seller": rng.choice(ids),
            "category": rng.choice(
                ("fraud", "false_advertising", "contract_fulfillment", "after_sales")
            ),
            "narrative": f"第{n}次负载测试投诉：付款后{rng.randint(3, 60)}天未收到货，"
            f"客服不回复，订单编号LD{seed}{n:06d}，商品{rng.choice(QUERIES)}。",
            "contact": f"load{seed}x{n}@example.com",
        }
        headers = {
            "Content-Type": "application/json",
            "X-Forwarded-For": f"10.{seed % 250}.{n // 250 % 250}.{n % 250 + 1}",
        }
        status, _ = _timed(
            tally, "complaint", None, port, "POST", "/api/v1/complaints",
            json.dumps(body).encode(), headers,
        )  # fmt: skip
        if status == 201:
            with tally.lock:
                tally.stored["complaints"] += 1


def _writer(port, tally, ids, stop, token, seed):
    rng = random.Random(seed)
    n = 0
    at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        rows = []
        for _ in range(EVENT_BATCH):
            n += 1
            rows.append(
                {
                    "seller": rng.choice(ids),
                    "kind": "order",
                    "occurred_at": at,
                    "order_ref": f"LO{seed}-{n}",
                    "external_ref": f"load-{seed}-{n}",
                }
            )
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        status, payload = _timed(
            tally,
            "events",
            conn,
            port,
            "POST",
            "/api/v1/events",
            json.dumps(rows).encode(),
            headers,
        )
        if status is None:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        elif status == 200:
            created = json.loads(payload)["meta"]["summary"].get("created", 0)
            with tally.lock:
                tally.stored["events"] += created
    conn.close()


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 1)


def run(backend: str, data, seconds: int, folder: Path) -> dict[str, Any]:
    shutil.copy(data.db, folder / "registry.db")
    shutil.copytree(data.index_dir, folder / "index")
    for suffix in ("-wal", "-shm"):
        if Path(f"{data.db}{suffix}").exists():
            shutil.copy(f"{data.db}{suffix}", folder / f"registry.db{suffix}")
    if backend == "postgres":
        url = common.copy_to_postgres(folder / "registry.db", PG_DB)
    else:
        url = f"sqlite:///{folder / 'registry.db'}"
    tokens = _tokens(url)
    ids = data.public_ids(2000)
    site = Site(folder, url, folder / "index")
    since = datetime.now(UTC) - timedelta(seconds=1)
    before = _counts(url, since)
    site.start()
    tally, stop = Tally(), threading.Event()
    threads = [
        threading.Thread(target=_reader, args=(site.port, tally, ids, stop, 10 + i))
        for i in range(READERS)
    ]
    threads.append(threading.Thread(target=_intake, args=(site.port, tally, ids, stop, 7)))
    threads += [
        threading.Thread(target=_writer, args=(site.port, tally, ids, stop, token, 20 + i))
        for i, (_, token) in enumerate(tokens)
    ]
    common.log(f"{backend}: {len(threads)} threads for {seconds} s")
    began = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(120)
    elapsed = time.perf_counter() - began
    site.stop()
    after = _counts(url, since)
    stored = {k: after[k] - before[k] for k in after}
    endpoints = {
        name: {
            "requests": len(times),
            "per_s": round(len(times) / elapsed, 1),
            "p50_ms": _pct(times, 50),
            "p99_ms": _pct(times, 99),
            "statuses": dict(sorted(tally.statuses[name].items())),
            "unanswered": tally.unanswered[name],
        }
        for name, times in sorted(tally.times.items())
    }
    server_errors = sum(
        n for counts in tally.statuses.values() for status, n in counts.items() if status >= 500
    )
    lost = {k: tally.stored[k] - stored[k] for k in ("events", "complaints")}
    return {
        "backend": backend,
        "seconds": round(elapsed, 1),
        "endpoints": endpoints,
        "server_errors": server_errors,
        "acknowledged": dict(tally.stored),
        "stored": stored,
        "lost": lost,
        "unanswered": sum(tally.unanswered.values()),
        "refusals": tally.samples,
        "ok": server_errors == 0 and all(v <= 0 for v in lost.values()),
        "log_tail": (folder / "gunicorn.log").read_text(errors="replace")[-1500:]
        if (folder / "gunicorn.log").exists()
        else "",
    }


def _print(result: dict[str, Any]) -> None:
    print(f"\n{result['backend']}: {result['seconds']} s")
    print(f"{'endpoint':<12} {'requests':>9} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for name, row in result["endpoints"].items():
        print(
            f"{name:<12} {row['requests']:>9} {row['per_s']:>7} {row['p50_ms'] or '-':>8} "
            f"{row['p99_ms'] or '-':>8}  {row['statuses']}"
            + (f" unanswered {row['unanswered']}" if row["unanswered"] else "")
        )
    for key, sample in result["refusals"].items():
        print(f"  first {key}: {sample}")
    print(
        f"5xx: {result['server_errors']}; stored as answered: acknowledged "
        f"{result['acknowledged']}, counted after {result['stored']}, lost {result['lost']}; "
        f"unanswered {result['unanswered']} -> {'OK' if result['ok'] else 'FAILED'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="2,000 sellers, 20 s per backend")
    args = parser.parse_args()
    if args.quick:
        args.sellers, args.seconds = 2_000, 20
    data = common.dataset(args.sellers)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        folder = Path(tempfile.mkdtemp(prefix=f"load-{backend}-"))
        result = run(backend, data, args.seconds, folder)
        if result["ok"]:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            common.log(f"{backend} failed: its logs are kept in {folder}")
        _print(result)
        results.append(result)
    out = common.RESULTS / ("load_bench_quick.json" if args.quick else "load_bench.json")
    common.write_json(
        out,
        {
            "sellers": args.sellers,
            "seconds": args.seconds,
            "readers": READERS,
            "writers": WRITERS,
            "event_batch": EVENT_BATCH,
            "machine": common.machine(),
            "results": results,
        },
    )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
