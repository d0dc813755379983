"""A real gunicorn server of the app, and what else ran on the machine while it served."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .dataset import Dataset
from .paths import GUNICORN, ROOT, TRIVIAL_PATH


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
            # One address loads the site: its per-client limits would refuse the load itself.
            "RATELIMIT_ENABLED": False,
            "SEARCH_BACKEND": os.environ.get("BENCH_SEARCH_BACKEND", "whoosh"),
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


def app_environment(
    data: Dataset, database_url: str | None = None, search_backend: str = "whoosh"
) -> dict[str, str]:
    """The server's settings: the data set's SQLite file, or ``database_url`` (a PostgreSQL
    copy of it, ``postgres.copy_to_postgres``), and the search backend."""
    env = dict(os.environ)
    env.update(
        BENCH_DATABASE_URL=database_url or f"sqlite:///{data.db}",
        BENCH_SEARCH_BACKEND=search_backend,
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
def serve(
    data: Dataset,
    workers: int = 2,
    *,
    database_url: str | None = None,
    search_backend: str = "whoosh",
) -> Iterator[Server]:
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
    process = subprocess.Popen(
        cmd, env=app_environment(data, database_url, search_backend), stdin=subprocess.DEVNULL
    )
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


def cpu_snapshot(server: Server) -> tuple[float, int, int, float]:
    t = os.times()
    return (
        time.monotonic(),
        _busy_ticks(),
        _tree_ticks(server.process.pid),
        t.user + t.system + t.children_user + t.children_system,
    )


def other_cpu_since(server: Server, before: tuple[float, int, int, float]) -> float | None:
    """Cores used on average by processes other than the server, wrk and this script."""
    wall0, busy0, server0, own0 = before
    wall, busy, server_ticks, own = cpu_snapshot(server)
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
