"""A real site for tests: gunicorn (``gunicorn.conf.py``, 2 sync workers) and ``flask scheduler``
as ``make run`` starts them, on a temporary SQLite file and index.

Use the ``live_site`` fixture (module-scoped: one site per test module; tests/conftest.py
loads this module as a plugin)::

    @pytest.fixture(scope="module")
    def live_seed():          # optional: what the site holds before it starts
        def seed(site):       # site.app is an in-process app on the same files
            ...
        return seed

    def test_something(live_site):
        answers = live_site.from_every_worker("/api/v1/sellers?q=云帆")

The seed is scored and indexed in this process before the servers start, so a test begins
with a settled site. Every answer says which worker gave it (the access log records each
request's probe header with the worker's pid). Both processes are stopped, by their ids, when
the module's tests are done, whatever happened.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKERS = 2
#: the access log line of each request: its probe header, the worker's pid, the status
_LOG_FORMAT = "%({x-probe}i)s %(p)s %(s)s"
_LOG_LINE = re.compile(r"^(\d+) <(\d+)> (\d+)$")


@dataclass(frozen=True)
class Answer:
    """One response, and the pid of the worker that gave it."""

    status: int
    body: bytes
    worker: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class LiveSite:
    """gunicorn and the scheduler on the files under *folder*: a copy of the SQLite file
    *database* and, when given, of the index folder *index* (see the module docstring)."""

    def __init__(
        self,
        folder: Path,
        database: Path | None,
        index: Path | None = None,
        database_url: str | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        """``database``: a SQLite file to copy; or ``database_url``, a migrated database;
        ``settings``: more environment of the served app (and of ``app``)."""
        from web import create_app

        self.folder = folder
        self.db_path = folder / "registry.db"
        if database is not None:
            shutil.copy(database, self.db_path)
        self.index_dir = folder / "index"
        if index is not None:
            shutil.copytree(index, self.index_dir)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite:///{self.db_path}",
            "SEARCH_INDEX_DIR": str(self.index_dir),
            "SIGNING_KEY_DIR": str(folder / "keys"),
            "REGISTRY_INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "live-test",
            "DIGEST_SECRET": "live-test-digest",
            "FLASK_APP": "wsgi",
            # The tests ask one site many times from one address (rate limits have their own).
            "RATELIMIT_ENABLED": "0",
            **(settings or {}),
        }
        # The same settings as the served app (the environment's), for seeding and reading.
        self.app = create_app(
            {
                key: self.env[key]
                for key in (
                    "DATABASE_URL",
                    "SEARCH_INDEX_DIR",
                    "SIGNING_KEY_DIR",
                    "SECRET_KEY",
                    "DIGEST_SECRET",
                    *(settings or {}),
                )
            }
        )
        self.app.instance_path = self.env["REGISTRY_INSTANCE_PATH"]
        self.data: dict[str, Any] = {}  # what the seed wants its tests to know
        self.access_log = folder / "access.log"
        self.server: subprocess.Popen | None = None
        self.scheduler: subprocess.Popen | None = None
        self.base = ""
        self._probe = 0
        self._lock = threading.Lock()
        self._served: dict[int, int] = {}  # probe -> worker pid
        self._log_offset = 0
        self._pool = ThreadPoolExecutor(2 * WORKERS)

    # -- life --------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start gunicorn (on a socket bound here: no port race) and the scheduler."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        fd = listener.fileno()
        server_cmd = [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(WORKERS),
            "--bind",
            f"fd://{fd}",
            "--chdir",
            str(ROOT),
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            _LOG_FORMAT,
            "--error-logfile",
            str(self.folder / "gunicorn.log"),
            "wsgi:app",
        ]
        self.server = subprocess.Popen(
            server_cmd,
            env=self.env,
            cwd=ROOT,
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        listener.close()  # gunicorn has its own copy
        with open(self.folder / "scheduler.log", "wb") as out:
            self.scheduler = subprocess.Popen(
                [str(BIN / "flask"), "--app", "wsgi", "scheduler"],
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while len(self.workers()) < WORKERS or not self._healthy():
            for proc, log in ((self.server, "gunicorn.log"), (self.scheduler, "scheduler.log")):
                if proc.poll() is not None:
                    raise RuntimeError(f"{log} ended: {self.log(log)[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the site did not start in {timeout} s: {self.log()[-2000:]}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            return self.get("/healthz").status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the scheduler and gunicorn (its master stops the workers)."""
        for proc in (self.scheduler, self.server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.scheduler, self.server):
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started
                proc.wait()
        self._pool.shutdown()
        self.app.extensions["registry_db"].dispose()

    def log(self, name: str = "gunicorn.log") -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""

    def workers(self) -> set[int]:
        """The pids of gunicorn's workers (the master's children)."""
        if self.server is None:
            return set()
        found = set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        parent = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if parent == self.server.pid:
                    found.add(int(entry))
        return found

    # -- requests ----------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
        """One request on a new connection; the answer names the worker that gave it."""
        with self._lock:
            self._probe += 1
            probe = self._probe
        headers = {"X-Probe": str(probe)}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        host, port = self.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            status, payload = response.status, response.read()
        finally:
            conn.close()
        return Answer(status, payload, self._worker_of(probe))

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, body: Any, token: str | None = None) -> Answer:
        return self.request("POST", path, body, token)

    def _worker_of(self, probe: int, timeout: float = 5.0) -> int:
        """The pid that served *probe*: gunicorn logs a request just after answering it."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._read_log()
                if probe in self._served:
                    return self._served.pop(probe)
            if time.monotonic() > deadline:
                raise RuntimeError(f"request {probe} is not in the access log")
            time.sleep(0.005)

    def _read_log(self) -> None:
        try:
            with open(self.access_log, "rb") as fh:
                fh.seek(self._log_offset)
                chunk = fh.read()
        except FileNotFoundError:
            return
        complete = chunk.rfind(b"\n") + 1
        self._log_offset += complete
        for line in chunk[:complete].decode().splitlines():
            found = _LOG_LINE.match(line.strip())
            if found:
                self._served[int(found.group(1))] = int(found.group(2))

    def burst(self, paths: list[str]) -> list[Answer]:
        """GET every one of *paths* at once (a busy worker leaves the next to another)."""
        return list(self._pool.map(self.get, paths))

    def from_every_worker(self, path: str, each: int = 3, timeout: float = 30.0) -> list[Answer]:
        """GET *path* until every worker has answered it at least *each* times."""
        answers: list[Answer] = []
        deadline = time.monotonic() + timeout
        while True:
            served = Counter(a.worker for a in answers)
            workers = self.workers()
            if len(workers) >= WORKERS and all(served[w] >= each for w in workers):
                return answers
            if time.monotonic() > deadline:
                raise AssertionError(f"not every worker answered {path}: {dict(served)}")
            answers += self.burst([path] * (2 * WORKERS))

    # -- the scheduler -----------------------------------------------------------------
    def settled(self, timeout: float = 30.0) -> float:
        """Wait until the scheduler has rescored and indexed every change; return how long
        that took."""
        from registry.journal import changelog
        from registry.scores.service import RESCORE_CONSUMER
        from search import SellerIndex

        started = time.monotonic()
        index = SellerIndex(self.index_dir / "sellers")
        while True:
            with self.app.extensions["registry_db"].reader() as session:
                head = changelog.head(session)
                waiting, _ = changelog.pending(session, RESCORE_CONSUMER, exclude_kinds=("score",))
            applied = index.last_sequence() if index.exists() else None
            if not waiting and applied is not None and applied >= head:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(
                    f"the scheduler did not catch up in {timeout} s: index at {applied} of "
                    f"{head}, {len(waiting)} to rescore\n{self.log('scheduler.log')[-2000:]}"
                )
            time.sleep(0.05)


def settle_here(app) -> None:
    """Score and index everything now, in this process (as ``flask prepare``)."""
    from web import jobs

    while jobs.rescore_changed(app):
        pass
    while jobs.reindex_changed(app):
        pass


@pytest.fixture(scope="module")
def live_seed() -> Callable[[LiveSite], None]:
    """What the site holds before it starts (override in a test module); nothing by default."""
    return lambda site: None


@pytest.fixture(scope="module")
def live_site(tmp_path_factory, migrated_template, live_seed) -> Iterator[LiveSite]:
    """A started site on its own files, seeded, scored and indexed; stopped afterwards."""
    site = LiveSite(tmp_path_factory.mktemp("live"), migrated_template)
    try:
        live_seed(site)
        settle_here(site.app)
        site.start()
        yield site
    finally:
        site.stop()
