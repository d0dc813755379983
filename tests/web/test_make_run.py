"""``make run`` as a person runs it: serves, then Ctrl-C stops both processes cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from registry.core.db import make_engine, session_factory, writer
from registry.core.migrate import upgrade

from ..factories import make_seller

ROOT = Path(__file__).resolve().parents[2]
#: the variables a developer's shell would not have: the outer make's, the test run's
DROPPED = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BASE_URL", "RATELIMIT_STORAGE_URI")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("make"), reason="make is not installed"),
    pytest.mark.skipif(
        not (ROOT / ".venv" / "bin" / ".installed").exists(), reason="no .venv (make install)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_instance(folder: Path) -> Path:
    """An instance folder whose registry has one seller, so `make run` loads no demo data."""
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder / 'registry.db'}")
    upgrade(engine)
    with session_factory(writer(engine))() as session:
        seller = make_seller(session)
        public_id = seller.public_id
        session.commit()
    engine.dispose()
    (folder / "public_id").write_text(public_id)
    return folder


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def fetch(url: str, timeout: float = 2.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def start(folder: Path):
    """Start `make run PORT=<free>` in its own process group, as a terminal would."""
    instance = seeded_instance(folder / "instance")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env["REGISTRY_INSTANCE_PATH"] = str(instance)
    log = (folder / "make-run.log").open("w+")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        process_group=0,
        # A terminal's foreground job takes Ctrl-C; a test runner started in the background
        # may have SIGINT ignored, which every child would inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_until_serving(proc, port, log)
    return proc, port, log, instance


def finish(proc, log) -> None:
    """Whatever happened, leave no process of the run behind."""
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One `make run` for the tests that only look at what it serves."""
    proc, port, log, instance = start(tmp_path_factory.mktemp("served"))
    try:
        yield proc, port, log, instance
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)
        finish(proc, log)


def wait_until_serving(proc, port: int, log) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_text(log)
        try:
            fetch(f"http://127.0.0.1:{port}/healthz")
        except OSError:
            time.sleep(0.2)
            continue
        return
    pytest.fail("make run did not serve within 120 s:\n" + log_text(log))


def log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def test_links_and_snippets_name_the_port_it_serves_on(served):
    _proc, port, _log, instance = served
    public_id = (instance / "public_id").read_text()
    snippets = fetch(f"http://127.0.0.1:{port}/sellers/{public_id}/badge")
    assert f"http://127.0.0.1:{port}/badge/{public_id}.js" in snippets
    assert ":5000/" not in snippets


def test_the_access_log_keeps_no_token(served):
    _proc, port, log, _instance = served
    secret, referred = "cpt_" + uuid.uuid4().hex, "cpt_" + uuid.uuid4().hex
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/complaints/c-none?lang=en&token={secret}",
        headers={"Referer": f"http://127.0.0.1:{port}/complaints/c-none?token={referred}"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=5)
    assert answer.value.code == 303
    answer.value.close()
    deadline = time.monotonic() + 10
    while "/complaints/c-none?" not in log_text(log):
        assert time.monotonic() < deadline, "the request was not logged"
        time.sleep(0.1)
    output = log_text(log)
    assert secret not in output and referred not in output
    line = next(x for x in output.splitlines() if "/complaints/c-none?" in x)
    assert "lang=en&token=[redacted]" in line and "c-none?token=[redacted]" in line


def test_ctrl_c_stops_the_web_server_and_the_scheduler_cleanly(served):
    """Last: it stops the run the tests above looked at."""
    proc, port, log, _instance = served
    deadline = time.monotonic() + 60
    while "scheduler running" not in log_text(log):
        assert time.monotonic() < deadline, log_text(log)
        time.sleep(0.2)

    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    proc.wait(timeout=60)
    output = log_text(log)

    assert not group_alive(proc.pid), "a process of `make run` outlived it"
    with pytest.raises(OSError):
        fetch(f"http://127.0.0.1:{port}/healthz", timeout=1)
    bad = [
        line
        for line in output.splitlines()
        if "Segmentation fault" in line or "Error" in line or "Traceback" in line
    ]
    assert bad == [], output
    assert "scheduler stopped" in output
    assert "Shutting down: Master" in output
    assert "Stopped the web server (gunicorn) and the job scheduler." in output.splitlines()[-1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
