"""Shared helpers for the HTTP benchmarks: a cached data set, a gunicorn server, wrk runs.

The data set (sellers, a few thousand with events, scores, the search index) is built once per
size, data version and schema head under ``$BENCH_CACHE`` (default ``/tmp/bench``) and reused.
The server is the real app from ``web.create_app`` plus one benchmark-only route,
``/_bench/trivial``, added to that app instance here (never to the application code), so the
anchor goes through the same middleware, hooks and server in the same run.
"""

from __future__ import annotations

import cProfile
import fcntl
import http.client
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
DATA_VERSION = "1"  # bump when the generated data set changes shape
TRIVIAL_PATH = "/_bench/trivial"
SEED = 20261129
VENV_BIN = Path(sys.executable).parent
# BENCH_NO_WRK=1 forces the (slower, less exact) Python load generator, to test it.
WRK = None if os.environ.get("BENCH_NO_WRK") else shutil.which("wrk")
GUNICORN = shutil.which("gunicorn", path=str(VENV_BIN)) or shutil.which("gunicorn")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the data set ----------------------------------------------------------------------------


@dataclass
class Dataset:
    path: Path
    sellers: int
    event_sellers: list[str]  # public ids of the sellers given events
    events: int
    build_seconds: float

    @property
    def db(self) -> Path:
        return self.path / "registry.db"

    @property
    def index_dir(self) -> Path:
        return self.path / "index"

    def public_ids(self, count: int, seed: int = SEED) -> list[str]:
        """A random sample of ``count`` public ids out of every seller."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            ids = [r[0] for r in conn.execute("SELECT public_id FROM seller ORDER BY id")]
        finally:
            conn.close()
        return random.Random(seed).sample(ids, min(count, len(ids)))


def schema_head() -> str:
    """The newest migration revision: a schema change makes a new cache entry."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from registry.core.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return "+".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def cache_root() -> Path:
    return Path(os.environ.get("BENCH_CACHE") or Path(tempfile.gettempdir()) / "bench")


def dataset(sellers: int, rebuild: bool = False) -> Dataset:
    """Return the cached data set of ``sellers`` sellers, building it when absent."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"registry-{sellers}-v{DATA_VERSION}-{schema_head()}"
    manifest = path / "manifest.json"
    # One builder at a time: the web and badge benchmarks may be started together.
    with (root / f"{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild and path.exists():
            shutil.rmtree(path)
        if not manifest.exists():
            building = root / f"{path.name}.building"
            shutil.rmtree(building, ignore_errors=True)
            _build(building, sellers)
            shutil.rmtree(path, ignore_errors=True)
            building.rename(path)
        else:
            log(f"reusing cached data set {path}")
            _refresh_scores(path)
            _refresh_index(path)
            _analyze(path)
    data = json.loads(manifest.read_text())
    return Dataset(
        path, data["sellers"], data["event_sellers"], data["events"], data["build_seconds"]
    )


def _analyze(path: Path) -> None:
    """The planner's statistics, as ``flask prepare`` leaves them before serving."""
    from registry.core.db import analyze, make_engine

    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    analyze(engine)
    engine.dispose()


def scores_stamp() -> str:
    """A digest of the scoring code: stored scores are recomputed when it changes."""
    import hashlib

    digest = hashlib.sha256()
    for file in sorted(
        [*(ROOT / "scoring").glob("*.py"), *(ROOT / "registry" / "scores").glob("*.py")]
    ):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _refresh_scores(path: Path) -> None:
    """Recompute every stored score when the scoring code changed since the data was built.

    Rebuilding the whole data set takes minutes (the search index most of them); the stored
    scores are what code that changes often reads back, and take well under a minute.
    """
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    stamp = scores_stamp()
    if manifest.get("scores_stamp") == stamp:
        return
    from registry.core.db import make_engine, session_factory, writer
    from registry.scores.service import ScoreService

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    with session_factory(writer(engine))() as session:
        ScoreService(session).rescore_all(full=True)
        session.commit()
    engine.dispose()
    manifest["scores_stamp"] = stamp
    manifest_path.write_text(json.dumps(manifest))
    log(f"  scoring code changed: scores recomputed in {time.perf_counter() - started:.1f}s")


def _build_index(path: Path, engine) -> None:
    """Build both search indexes of the data set at *path* from its database."""
    from registry.core.db import session_factory
    from web.indexing import rebuild

    index = path / "index"
    with session_factory(engine)() as session:
        rebuild(session, (index / "sellers", index / "narratives"))


def _refresh_index(path: Path) -> None:
    """Rebuild the search index when the search schema changed since the data was built
    (the app would not open it; the database is the same)."""
    from search import SellerSearcher

    if SellerSearcher(path / "index" / "sellers").store.exists():
        return
    from registry.core.db import make_engine

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    _build_index(path, engine)
    engine.dispose()
    log(f"  search schema changed: index rebuilt in {time.perf_counter() - started:.1f}s")


def _event_count(sellers: int) -> int:
    # "A few thousand" at 100,000: 3 % of sellers, at least 100.
    return max(100, min(sellers, sellers * 3 // 100))


MAX_ORDERS = 300  # per seller: enough for rates and charts, cheap enough to generate


def _build(path: Path, count: int) -> None:
    from sqlalchemy import select

    from registry.core.db import make_engine, session_factory, writer
    from registry.core.migrate import upgrade
    from registry.demo import generate as demo
    from registry.events.service import EventService
    from registry.registration.models import Seller
    from registry.scores.service import ScoreService

    started = time.perf_counter()
    path.mkdir(parents=True)
    db = path / "registry.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    Session = session_factory(writer(engine))
    now = demo.today()
    t = time.perf_counter()
    with Session() as session:
        results = demo.register(session, count, now)
        session.commit()
    created = [r.seller_id for r in results if r.status == "created"]
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        raise RuntimeError(f"{len(rejected)} registrations rejected, e.g. {rejected[:2]}")
    log(f"  {len(created)} sellers registered in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    rng = random.Random(SEED + 1)
    chosen = sorted(rng.sample(range(len(created)), _event_count(len(created))))
    texts = demo.narratives(None)
    platform_events: list[dict] = []
    regulator_events: list[dict] = []
    for i in chosen:
        p, r = demo.events_for(rng, created[i], texts, now)
        orders = [e for e in p if e["kind"] == "order"][:MAX_ORDERS]
        platform_events += orders + [e for e in p if e["kind"] != "order"]
        regulator_events += r
    with Session() as session:
        ev = list(
            EventService(session, "platform:演示电商平台", "platform", now=now).submit(
                platform_events
            )
        )
        ev += list(
            EventService(session, "regulator:演示监管部门", "regulator", now=now).submit(
                regulator_events
            )
        )
        session.commit()
    bad = [r for r in ev if r.status == "rejected"]
    if bad:
        raise RuntimeError(f"{len(bad)} events rejected, e.g. {bad[:2]}")
    log(f"  {len(ev)} events for {len(chosen)} sellers in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    with Session() as session:
        ScoreService(session, now=now).rescore_all()
        # A year of monthly history for the sellers with events, so their charts have a line.
        ids = list(
            session.execute(
                select(Seller.id).where(Seller.public_id.in_([created[i] for i in chosen]))
            ).scalars()
        )
        from datetime import timedelta

        ScoreService(session, now=now).backfill_history(
            ids, [now - timedelta(days=30 * k) for k in range(12, 0, -1)]
        )
        session.commit()
    log(f"  scores computed in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    _build_index(path, engine)
    log(f"  search index built in {time.perf_counter() - t:.1f}s")
    engine.dispose()
    _analyze(path)
    manifest = {
        "sellers": len(created),
        "event_sellers": [created[i] for i in chosen],
        "events": len(ev),
        "data_version": DATA_VERSION,
        "built_on": now.isoformat(),
        "build_seconds": round(time.perf_counter() - started, 1),
        "scores_stamp": scores_stamp(),
    }
    (path / "manifest.json").write_text(json.dumps(manifest))


# -- the server ------------------------------------------------------------------------------


def bench_app():
    """The real app plus ``/_bench/trivial`` (gunicorn factory: ``bench.common:bench_app()``)."""
    from web import create_app

    app = create_app(
        {
            "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
            "SEARCH_INDEX_DIR": os.environ["BENCH_SEARCH_INDEX_DIR"],
            "SIGNING_KEY_DIR": os.environ["BENCH_SIGNING_KEY_DIR"],
            "SECRET_KEY": "bench",
            "DIGEST_SECRET": "bench-digest",
        }
    )

    @app.get(TRIVIAL_PATH)
    def bench_trivial():
        return "ok"

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_environment(data: Dataset) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BENCH_DATABASE_URL=f"sqlite:///{data.db}",
        BENCH_SEARCH_INDEX_DIR=str(data.index_dir),
        BENCH_SIGNING_KEY_DIR=str(data.path / "keys"),
        REGISTRY_INSTANCE_PATH=str(data.path / "instance"),
    )
    return env


@dataclass
class Server:
    base: str
    workers: int
    process: subprocess.Popen
    error_log: Path

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.base)
        return parts.hostname or "127.0.0.1", parts.port or 80


@contextmanager
def serve(data: Dataset, workers: int = 2) -> Iterator[Server]:
    """Run gunicorn (sync workers, as ``make serve``) on a free loopback port."""
    if not GUNICORN:
        raise SystemExit("gunicorn is not installed in this environment")
    port = free_port()
    error_log = data.path / f"gunicorn-{port}.log"
    cmd = [
        GUNICORN,
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(error_log),
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "bench.common:bench_app()",
    ]
    process = subprocess.Popen(cmd, env=app_environment(data), stdin=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", workers, process, error_log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {error_log}")
            try:
                if fetch(server, TRIVIAL_PATH)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in 60 s: see {error_log}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if error_log.exists() and not error_log.stat().st_size:
            error_log.unlink()


def fetch(
    server: Server, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.host_port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# -- what else ran on the machine ----------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_ticks() -> int:
    """Busy CPU time of the whole machine (all cores) in clock ticks."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    return sum(fields[:8]) - fields[3] - fields[4]  # minus idle and iowait


def _tree_ticks(pid: int) -> int:
    """utime + stime of ``pid`` and its live descendants (the gunicorn master and workers)."""
    stats: dict[int, tuple[int, int]] = {}  # pid -> (parent, ticks)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree = {pid}
    grew = True
    while grew:
        before = len(tree)
        tree |= {p for p, (parent, _) in stats.items() if parent in tree}
        grew = len(tree) > before
    return sum(stats[p][1] for p in tree if p in stats)


def _cpu_snapshot(server: Server) -> tuple[float, int, int, float]:
    t = os.times()
    return (
        time.monotonic(),
        _busy_ticks(),
        _tree_ticks(server.process.pid),
        t.user + t.system + t.children_user + t.children_system,
    )


def _other_cpu(server: Server, before: tuple[float, int, int, float]) -> float | None:
    """Cores used on average by processes other than the server, wrk and this script."""
    wall0, busy0, server0, own0 = before
    wall, busy, server_ticks, own = _cpu_snapshot(server)
    if wall <= wall0:
        return None
    others = (busy - busy0 - (server_ticks - server0)) / CLOCK_TICKS - (own - own0)
    return round(max(0.0, others) / (wall - wall0), 2)


def wait_for_quiet(max_wait: float, threshold: float = 0.25) -> float:
    """Wait (at most ``max_wait`` s) until other processes use under ``threshold`` cores.

    Called between runs, when the server is idle, so all busy time is someone else's: the
    machine is shared, and a run that starts during another job's burst measures that job.
    Returns the cores busy in the last second sampled.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before, t0 = _busy_ticks(), time.monotonic()
        time.sleep(1.0)
        busy = (_busy_ticks() - before) / CLOCK_TICKS / (time.monotonic() - t0)
        if busy < threshold or time.monotonic() >= deadline:
            return round(busy, 2)


# -- load generation -------------------------------------------------------------------------


@dataclass
class Load:
    """One bounded load run's settings."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10
    warmup: int = 3
    timeout: str = "5s"
    quiet_wait: float = 30.0  # seconds to wait, at most, for a quiet machine before a run


@dataclass
class Run:
    name: str
    urls: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    statuses: dict[str, int]
    generator: str
    other_cpu: float | None = None  # cores busy with other processes on average during the run
    reused: int = 0  # sequential runs: requests past the end of the list (repeats)

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


# Requests are read from a data file (one per line: path, then optionally a header name and
# value, tab-separated): a Lua table constructor with tens of thousands of entries would hit
# LuaJIT's limits. Random order by default; "sequential" walks the list once, each thread its
# own stripe, so that every request names a different seller (and counts any wrap-around).
LUA = """
local reqs = {}
for line in io.lines(%(data)s) do
  local path, name, value = line:match("^([^\t]*)\t?([^\t]*)\t?(.*)$")
  local headers = {}
  if name ~= "" then headers[name] = value end
  table.insert(reqs, {path, headers})
end
local sequential = %(sequential)s
local nthreads = %(threads)d
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(%(seed)d + tid * 7919)
  counts = {}
  wrapped = 0
  i = tid - 1 - nthreads
end

function request()
  local r
  if sequential then
    i = i + nthreads
    if i >= #reqs then wrapped = wrapped + 1 end
    r = reqs[(i %% #reqs) + 1]
  else
    r = reqs[math.random(#reqs)]
  end
  return wrk.format("GET", r[1], r[2])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, reused = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
    reused = reused + t:get("wrapped")
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, status .. "=" .. n) end
  io.write("STATUSES " .. table.concat(parts, " ") .. "\\n")
  io.write("REUSED " .. reused .. "\\n")
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_requests(requests: list[tuple[str, dict[str, str]]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for url, headers in requests:
            if len(headers) > 1 or any("\t" in x or "\n" in x for x in (url, *headers.values())):
                raise ValueError(f"unsupported request for the wrk script: {url} {headers}")
            fh.write("\t".join([url, *next(iter(headers.items()), ())]) + "\n")


def lua_script(data: Path, threads: int, sequential: bool = False, seed: int = SEED) -> str:
    return LUA % {
        "data": _lua_string(str(data)),
        "sequential": "true" if sequential else "false",
        "threads": threads,
        "seed": seed,
    }


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Pull requests/s, latency percentiles, errors and status counts out of wrk's output."""
    out: dict[str, Any] = {"percentiles": {}, "non_2xx_3xx": 0, "socket_errors": {}}
    for line in output.splitlines():
        line = line.strip()
        if m := re.match(r"Requests/sec:\s+([\d.]+)", line):
            out["rps"] = float(m.group(1))
        elif m := re.match(r"(\d+) requests in ([\d.]+\w+),", line):
            out["requests"] = int(m.group(1))
            out["seconds"] = _ms(m.group(2)) / 1000
        elif m := re.match(r"(\d+)%\s+([\d.]+\w+)$", line):
            out["percentiles"][int(m.group(1))] = _ms(m.group(2))
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            out["non_2xx_3xx"] = int(m.group(1))
        elif m := re.match(r"Socket errors: (.*)", line):
            out["socket_errors"] = {
                k: int(v) for k, v in re.findall(r"(\w+) (\d+)", m.group(1)) if int(v)
            }
        elif m := re.match(r"REUSED (\d+)", line):
            out["reused"] = int(m.group(1))
        elif line.startswith("STATUSES"):
            pairs = (p.split("=") for p in line.split()[1:] if "=" in p)
            out["statuses"] = {k: int(v) for k, v in sorted(pairs)}
    if "rps" not in out:
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    return out


def run_load(
    server: Server,
    name: str,
    requests: list[tuple[str, dict[str, str]]],
    load: Load,
    seconds: int | None = None,
    sequential: bool = False,
) -> Run:
    """Drive ``requests`` at ``server`` for a bounded time: picked at random, or walked once
    in order (``sequential``: every request a different URL)."""
    seconds = seconds or load.seconds
    if not WRK:
        return _python_load(server, name, requests, load, seconds, sequential)
    tmp = Path(tempfile.mkdtemp(prefix="wrk-"))
    data, script = tmp / "requests.tsv", tmp / "script.lua"
    write_requests(requests, data)
    script.write_text(lua_script(data, load.threads, sequential))
    try:
        cmd = [
            WRK,
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{seconds}s",
            f"--timeout={load.timeout}",
            "--latency",
            "-s",
            str(script),
            server.base,
        ]
        if seconds == load.seconds and load.quiet_wait > 0:
            wait_for_quiet(load.quiet_wait)
        before = _cpu_snapshot(server)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        other_cpu = _other_cpu(server, before)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    parsed = parse_wrk(proc.stdout)
    pct = parsed["percentiles"]
    return Run(
        name=name,
        urls=len(requests),
        requests=parsed.get("requests", 0),
        seconds=round(parsed.get("seconds", seconds), 2),
        rps=parsed["rps"],
        p50_ms=pct.get(50),
        p90_ms=pct.get(90),
        p99_ms=pct.get(99),
        non_2xx_3xx=parsed["non_2xx_3xx"],
        socket_errors=parsed["socket_errors"],
        statuses=parsed.get("statuses", {}),
        generator="wrk",
        other_cpu=other_cpu,
        reused=parsed.get("reused", 0),
    )


def _python_load(
    server: Server,
    name: str,
    requests: list[tuple[str, dict[str, str]]],
    load: Load,
    seconds: int,
    sequential: bool = False,
) -> Run:
    """Fallback when wrk is absent: threads with http.client (it competes with the server for
    the GIL-free share of the CPUs, so its absolute numbers are lower than wrk's)."""
    host, port = server.host_port
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    socket_errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    walk = iter(requests * 100)  # sequential: one shared walk (next() is atomic enough here)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        codes: dict[str, int] = {}
        errs: dict[str, int] = {}
        while time.monotonic() < deadline:
            path, headers = next(walk) if sequential else rng.choice(requests)
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=5)
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                codes[str(resp.status)] = codes.get(str(resp.status), 0) + 1
                mine.append((time.perf_counter() - start) * 1000)
            except TimeoutError:
                errs["timeout"] = errs.get("timeout", 0) + 1
            except OSError:
                errs["connect"] = errs.get("connect", 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v
            for k, v in errs.items():
                socket_errors[k] = socket_errors.get(k, 0) + v

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(load.connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, math.ceil(q * len(latencies)) - 1)]

    bad = sum(v for k, v in statuses.items() if not k.startswith(("2", "3")))
    return Run(
        name=name,
        urls=len(requests),
        requests=len(latencies),
        seconds=round(elapsed, 2),
        rps=len(latencies) / elapsed,
        p50_ms=pct(0.5),
        p90_ms=pct(0.9),
        p99_ms=pct(0.99),
        non_2xx_3xx=bad,
        socket_errors=socket_errors,
        statuses=dict(sorted(statuses.items())),
        generator="python (wrk absent)",
    )


def generator_name() -> str:
    if not WRK:
        # It runs out of CPU before the server does on the trivial endpoint, which biases
        # every ratio upwards: a fallback for a smoke test, not for the targets.
        return "python threads + http.client (wrk absent: ratios biased upwards)"
    out = subprocess.run([WRK, "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


# -- checks, comparison, report --------------------------------------------------------------


def check_urls(
    server: Server, requests: list[tuple[str, dict[str, str]]], expect: int, sample: int = 20
) -> None:
    """Fail early when the endpoint does not answer as the benchmark assumes."""
    for path, headers in random.Random(SEED).sample(requests, min(sample, len(requests))):
        status, _, body = fetch(server, path, headers)
        if status != expect:
            raise RuntimeError(f"GET {path} -> {status} (expected {expect}): {body[:300]!r}")


Requests = list[tuple[str, dict[str, str]]]


@dataclass
class Endpoint:
    """What one row of the table measures.

    ``requests`` are picked at random; with ``fresh`` set instead, each measured run walks a
    list of URLs that no earlier run asked for (``fresh()`` hands out the next one), so a
    per-worker cache never has the answer: every request is a miss. ``warm`` are other
    URLs of the same kind, walked once before the rounds: what a server that has answered
    such requests for a while has in memory (decoded postings, file pages), and none of the
    measured answers.
    """

    name: str
    requests: Requests
    fresh: Callable[[], Requests] | None = None
    warm: Requests | None = None
    # Seconds per measured run when shorter than the load's: a cache-miss run must end before
    # its unseen URLs do, or it would ask some twice.
    seconds: int | None = None


@dataclass
class Measured:
    """Every run of one endpoint, each with the trivial rate measured around it."""

    name: str
    runs: list[Run]
    anchors: list[float]  # the trivial rate around each run (mean of before and after)


def measure(
    server: Server, load: Load, endpoints: list[Endpoint], rounds: int = 1
) -> list[Measured]:
    """Warm every endpoint up, then ``rounds`` times: trivial, each endpoint; trivial last.

    Each endpoint run is compared with the mean of the trivial runs just before and after
    it, so that drift in the machine's load does not favour either side.
    """
    trivial = Endpoint("trivial", [(TRIVIAL_PATH, {})])
    for e in [trivial, *endpoints]:
        if e.fresh is None:
            log(f"  warm-up {e.name} ({load.warmup}s)")
            run_load(server, e.name, e.requests, load, seconds=load.warmup)
        elif e.warm:  # URLs no measured run asks for, each once
            log(f"  warm-up {e.name}: {len(e.warm)} other unseen URLs ({load.warmup}s at most)")
            run_load(server, e.name, e.warm, load, seconds=load.warmup, sequential=True)
    sequence: list[Run] = []
    for r in range(rounds):
        for e in [trivial, *endpoints]:
            log(f"  round {r + 1}/{rounds}: {e.name} ({e.seconds or load.seconds}s)")
            if e.fresh is None:
                sequence.append(run_load(server, e.name, e.requests, load))
            else:
                if e.seconds and load.quiet_wait > 0:  # run_load waits only for full runs
                    wait_for_quiet(load.quiet_wait)
                run = run_load(server, e.name, e.fresh(), load, e.seconds, sequential=True)
                sequence.append(run)
    log(f"  last: trivial ({load.seconds}s)")
    sequence.append(run_load(server, "trivial", trivial.requests, load))
    trivial_at = [i for i, run in enumerate(sequence) if run.name == "trivial"]
    out = [Measured("trivial", [sequence[i] for i in trivial_at], [])]
    for e in endpoints:
        measured = Measured(e.name, [], [])
        for i, run in enumerate(sequence):
            if run.name != e.name:
                continue
            before = max(j for j in trivial_at if j < i)
            after = min(j for j in trivial_at if j > i)
            measured.runs.append(run)
            measured.anchors.append((sequence[before].rps + sequence[after].rps) / 2)
        out.append(measured)
    return out


def fresh_runs(chunks: list[Requests]) -> Callable[[], Requests]:
    """Hand out one chunk per measured run (disjoint chunks: nothing is asked twice)."""
    pending = iter(chunks)

    def next_chunk() -> Requests:
        chunk = next(pending, None)
        if not chunk:
            raise RuntimeError("no unseen URLs left for this run")
        return chunk

    return next_chunk


def prewarm(server: Server, requests: Requests, times: int = 8, threads: int = 8) -> float:
    """Ask for every URL ``times`` times (concurrently, so every worker sees each of them
    with high probability): afterwards a per-worker cache answers them. Returns seconds."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    order = [r for _ in range(times) for r in random.Random(SEED).sample(requests, len(requests))]
    with ThreadPoolExecutor(threads) as pool:
        for status, _, _ in pool.map(lambda r: fetch(server, r[0], r[1]), order):
            if status >= 400:
                raise RuntimeError(f"pre-warming got HTTP {status}")
    return time.perf_counter() - started


def rows(measured: list[Measured], targets: dict[str, float]) -> list[dict[str, Any]]:
    """One row per endpoint: medians over its runs, errors and statuses summed."""
    out = []
    for m in measured:
        runs = m.runs
        target = targets.get(m.name)
        ratios = [run.rps / anchor for run, anchor in zip(runs, m.anchors)]
        ratio = statistics.median(ratios) if ratios else None
        errors = sum(run.errors for run in runs)
        passed = None if target is None else bool(ratio >= target and errors == 0)
        statuses: dict[str, int] = {}
        socket_errors: dict[str, int] = {}
        for run in runs:
            for k, v in run.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
            for k, v in run.socket_errors.items():
                socket_errors[k] = socket_errors.get(k, 0) + v
        other = [run.other_cpu for run in runs if run.other_cpu is not None]
        out.append(
            {
                "endpoint": m.name,
                "urls": runs[0].urls,
                "runs": len(runs),
                "requests": sum(run.requests for run in runs),
                "rps": round(statistics.median(run.rps for run in runs), 1),
                "p50_ms": _median(run.p50_ms for run in runs),
                "p90_ms": _median(run.p90_ms for run in runs),
                "p99_ms": _median(run.p99_ms for run in runs),
                "errors": errors,
                "socket_errors": socket_errors,
                "statuses": dict(sorted(statuses.items())),
                "other_cpu_cores": round(statistics.mean(other), 2) if other else None,
                "repeated_urls": sum(run.reused for run in runs),
                "ratio_to_trivial": None if ratio is None else round(ratio, 3),
                "target_ratio": target,
                "pass": passed,
                "each_run": [
                    {
                        "rps": round(run.rps, 1),
                        "p50_ms": _round(run.p50_ms),
                        "p99_ms": _round(run.p99_ms),
                        "errors": run.errors,
                        "other_cpu_cores": run.other_cpu,
                        **({"trivial_rps_around": round(a, 1)} if m.anchors else {}),
                    }
                    for run, a in zip(runs, m.anchors or [0.0] * len(runs))
                ],
            }
        )
    return out


def _median(values) -> float | None:
    present = [v for v in values if v is not None]
    return _round(statistics.median(present)) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def print_report(table, sellers: int, workers: int, rounds: int, load) -> None:
    """Print the set-up line, the table and its notes (shared by the web and badge runs)."""
    print(
        f"\n{sellers} sellers, gunicorn {workers} sync workers, "
        f"{generator_name()} -t{load.threads} -c{load.connections} -d{load.seconds}s; "
        f"medians of {rounds} round(s)"
    )
    print_table(table)
    print_notes(table)


def print_table(table: list[dict[str, Any]]) -> None:
    head = (
        f"{'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'ratio':>8}{'target':>8}{'other CPU':>11}  result"
    )
    print(head)
    print("-" * len(head))
    for r in table:
        target = "" if r["target_ratio"] is None else f">={r['target_ratio']:.2f}"
        result = "" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL")
        print(
            f"{r['endpoint']:<22}{r['rps']:>9.1f}{_fmt(r['p50_ms']):>9}{_fmt(r['p99_ms']):>9}"
            f"{r['errors']:>8}{_fmt(r['ratio_to_trivial'], 3):>8}{target:>8}"
            f"{_fmt(r['other_cpu_cores'], 2):>11}  {result}"
        )


def print_notes(table: list[dict[str, Any]]) -> None:
    for r in table:
        if r.get("repeated_urls"):
            print(
                f"note: {r['endpoint']}: {r['repeated_urls']} of {r['requests']} requests "
                "repeated a URL (the unseen pool ran out), so part of that row is cache hits"
            )


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def machine() -> dict[str, Any]:
    import gunicorn

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn.__version__,
        "load_generator": generator_name(),
    }


def write_json(out: Path, result: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return out


# -- profiling -------------------------------------------------------------------------------


def profile_requests(
    data: Dataset,
    requests: list[tuple[str, dict[str, str]]],
    count: int = 300,
    top: int = 25,
    warm_all: bool = False,
) -> dict[str, Any]:
    """cProfile ``count`` GETs through the WSGI app in this process (one worker's view).

    Returns the functions with the most own time and the project functions with the most
    cumulative time, each as ``file:line:function`` with its share of the profiled time.
    """
    os.environ.update(
        {k: v for k, v in app_environment(data).items() if k.startswith(("BENCH_", "REGISTRY_"))}
    )
    app = bench_app()
    client = app.test_client()
    rng = random.Random(SEED)
    # Warm templates and searchers; with warm_all, fill the app's caches with every URL too.
    for path, headers in requests if warm_all else requests[:20]:
        client.get(path, headers=headers)
    chosen = [rng.choice(requests) for _ in range(count)]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for path, headers in chosen:
        client.get(path, headers=headers)
    profiler.disable()
    elapsed = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append((_short(filename), line, func, nc, tt, ct))

    def fmt(e: tuple) -> dict[str, Any]:
        return {
            "function": f"{e[0]}:{e[1]}:{e[2]}",
            "calls_per_request": round(e[3] / count, 2),
            "own_share": round(e[4] / total, 3),
            "cumulative_share": round(e[5] / total, 3),
        }

    own = sorted(entries, key=lambda e: -e[4])[:top]
    project = sorted(
        (e for e in entries if e[0].startswith(("web/", "registry/", "search/", "scoring/"))),
        key=lambda e: -e[5],
    )[:top]
    return {
        "requests": count,
        "ms_per_request": round(1000 * elapsed / count, 2),
        "top_own_time": [fmt(e) for e in own],
        "top_project_cumulative": [fmt(e) for e in project],
        "by_package": _by_package(entries, total),
    }


def profile_rows(
    data: Dataset,
    args,
    table: list[dict[str, Any]],
    endpoints: list[Endpoint],
    targets: dict[str, float],
    unseen: dict[str, Requests],
) -> dict[str, Any]:
    """Profile in one process each target row that failed (every one with ``--profile
    always``): a cache-miss row with its last run's unseen requests, a repeated row warmed
    first; print each and return them by row."""
    out: dict[str, Any] = {}
    for row in table:
        name = row["endpoint"]
        if name not in targets:
            continue
        if args.profile == "always" or (args.profile == "auto" and row["pass"] is False):
            if name in unseen:
                out[name] = profile_requests(data, unseen[name])
            else:
                endpoint = next(e for e in endpoints if e.name == name)
                out[name] = profile_requests(data, endpoint.requests, warm_all=True)
            print_profile(name, out[name])
    return out


def result_head(kind: str, args, data: Dataset, load: Load, **load_extra: Any) -> dict[str, Any]:
    """The first keys of a web-style benchmark's JSON: what ran, on what, under which load."""
    return {
        "benchmark": kind,
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "sellers": data.sellers,
        "data_set": str(data.path),
        "server": {"gunicorn_workers": args.workers, "worker_class": "sync"},
        "load": {
            "threads": load.threads,
            "connections": load.connections,
            "seconds": load.seconds,
            "warmup_seconds": load.warmup,
            "timeout": load.timeout,
            "rounds": args.rounds,
            "quiet_wait_seconds": load.quiet_wait,
            **load_extra,
        },
    }


def _by_package(entries: list[tuple], total: float) -> dict[str, float]:
    """Own time grouped by top-level package (where the time is actually spent)."""
    shares: dict[str, float] = {}
    for filename, _line, _func, _nc, tt, _ct in entries:
        key = filename.split("/")[0] if "/" in filename else filename
        shares[key] = shares.get(key, 0.0) + tt / total
    return {k: round(v, 3) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])[:15]}


def _short(filename: str) -> str:
    """``web/pages.py`` for project files, ``sqlalchemy/orm/query.py`` for libraries."""
    if filename.startswith(str(ROOT) + os.sep) and "site-packages" not in filename:
        return os.path.relpath(filename, ROOT)
    if "site-packages" in filename:
        return filename.split("site-packages" + os.sep, 1)[1]
    if filename.startswith("<"):
        return filename
    parts = Path(filename).parts
    return "/".join(parts[-2:]) if len(parts) >= 2 else filename


def print_profile(name: str, profile: dict[str, Any], lines: int = 12) -> None:
    print(f"\nprofile of {name}: {profile['ms_per_request']} ms/request in one process (cProfile)")
    print(
        "  own time by package: "
        + ", ".join(f"{k} {v:.0%}" for k, v in profile["by_package"].items())
    )
    print("  project functions by cumulative share:")
    for e in profile["top_project_cumulative"][:lines]:
        print(f"    {e['cumulative_share']:>6.1%}  {e['function']}  ({e['calls_per_request']}/req)")
    print("  functions by own share:")
    for e in profile["top_own_time"][:lines]:
        print(f"    {e['own_share']:>6.1%}  {e['function']}  ({e['calls_per_request']}/req)")


# -- the shared command line -----------------------------------------------------------------


def arguments(description: str, default_urls: int):
    import argparse

    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sellers", type=int, help="data set size (default 100000; quick 10000)")
    parser.add_argument("--quick", action="store_true", help="10,000 sellers, 5 s runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached data set")
    parser.add_argument("--seconds", type=int, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per endpoint (default 3)")
    parser.add_argument(
        "--rounds", type=int, help="rounds of runs, medians reported (default 3; quick 1)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--urls",
        type=int,
        help=f"URLs in the cached (repeated) set (default {default_urls}; quick a fifth)",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="cProfile an endpoint in one process: when it misses its target (auto)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="before each run, wait up to this many seconds for other jobs to go quiet "
        "(default 30; quick 0)",
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON result")
    args = parser.parse_args()
    args.sellers = args.sellers or (10_000 if args.quick else 100_000)
    args.seconds = args.seconds or (5 if args.quick else 10)
    args.warmup = args.warmup or (2 if args.quick else 3)
    args.rounds = args.rounds or (1 if args.quick else 3)
    if args.quiet_wait is None:
        args.quiet_wait = 0.0 if args.quick else 30.0
    args.urls = args.urls or (default_urls // 5 if args.quick else default_urls)
    return args


def load_of(args) -> Load:
    return Load(
        threads=args.threads,
        connections=args.connections,
        seconds=args.seconds,
        warmup=args.warmup,
        quiet_wait=args.quiet_wait,
    )


def output_path(args, name: str) -> Path:
    """Full runs write bench/results/<name>; quick checks never overwrite them."""
    if args.out:
        return args.out
    if args.quick or args.sellers != 100_000:
        return cache_root() / f"{Path(name).stem}.{args.sellers}.json"
    return RESULTS / name
