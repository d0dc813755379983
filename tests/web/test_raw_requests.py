"""Raw bytes over a socket to a real gunicorn (``-c gunicorn.conf.py --workers 2``) in front of
the app: malformed request lines, paths that are not UTF-8, oversized and undecodable headers,
lying lengths. Whatever gunicorn refuses and whatever it hands to the app, nothing is a 5xx."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.core.db import make_engine, session_factory, writer
from registry.registration.importing import RawRecord
from registry.registration.service import RegistrationService

from ..factories import new_code

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{folder / 'registry.db'}",
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SIGNING_KEY_DIR": str(folder / "keys"),
        "REGISTRY_INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "raw-requests",
        "DIGEST_SECRET": "raw-requests-digest",
    }


def _seed(database_url: str) -> str:
    """One registered seller, written as the import does; its public id."""
    engine = make_engine(database_url)
    try:
        with session_factory(writer(engine))() as session:
            record = RawRecord(1, {"identifier": new_code(), "legal_name": "杭州原始请求有限公司"})
            [result] = RegistrationService(session, actor="regulator:test").submit([record])
            session.commit()
        return result.seller_id
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a free port (it binds port 0 and says which), over a migrated SQLite file."""
    folder = tmp_path_factory.mktemp("raw_requests")
    env = _environment(folder)
    flask = shutil.which("flask", path=str(BIN)) or "flask"
    gunicorn = shutil.which("gunicorn", path=str(BIN))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seller = _seed(env["DATABASE_URL"])
    log = folder / "gunicorn.log"
    output = (folder / "gunicorn.out").open("wb")  # the app's own log (stderr)
    process = subprocess.Popen(
        [
            gunicorn,
            "-c",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            "127.0.0.1:0",
            "--error-logfile",
            str(log),
            "--log-level",
            "info",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        port = _wait_until_serving(process, log)
        yield {"port": port, "seller": seller, "log": log, "output": folder / "gunicorn.out"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def _wait_until_serving(process: subprocess.Popen, log: Path) -> int:
    deadline = time.monotonic() + 90
    port = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        text = log.read_text(errors="replace") if log.exists() else ""
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if found:
            port = int(found.group(1))
            if _status(_exchange(port, b"GET /healthz HTTP/1.0\r\n\r\n")) == 200:
                return port
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not serve in 90 s (port {port}):\n{log.read_text()}")


def _exchange(port: int, raw: bytes, *, half_close: bool = False) -> bytes:
    """Send *raw* on a fresh connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        try:
            conn.sendall(raw)
            if half_close:
                conn.shutdown(socket.SHUT_WR)
        except OSError:  # the server may refuse and close before it has read everything
            pass
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def _status(answer: bytes) -> int | None:
    found = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(found.group(1)) if found else None


def _request(target: bytes, *headers: bytes, body: bytes = b"", method: bytes = b"GET") -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    return b"\r\n".join([*lines, *headers, b"", b""]) + body


DEEP = b"[" * 5000 + b"]" * 5000
CASES = {
    "garbage request line": b"GARBAGE\r\n\r\n",
    "method only": b"GET\r\n\r\n",
    "unknown protocol": b"GET / HTTP/9.9\r\n\r\n",
    "lower-case method": b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
    "NUL in the request line": b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    "request line of 10 KB": _request(b"/" + b"a" * 10_000),
    "non-UTF-8 page path": _request(b"/sellers/\xff\xfe"),
    "non-UTF-8 API path": _request(b"/api/v1/sellers/\xc0\xae\xed\xa0\x80"),
    "escaped non-UTF-8 path": _request(b"/api/v1/sellers/%ff%00%ed%a0%80"),
    "dot segments": _request(b"/static/../../setup.cfg"),
    "absolute URI": _request(b"http://evil.example/api/v1/scoring/model"),
    "query of %ff": _request(b"/api/v1/lookup?code=%ff&code=2&domain=%00&url=" + b"9" * 40),
    "header of 10 KB": _request(b"/", b"X-Big: " + b"x" * 10_000),
    "200 headers": _request(b"/", *(b"X-H%d: v" % i for i in range(200))),
    "header name with spaces": _request(b"/", b"Bad Name: x"),
    "non-Latin-1 header bytes": _request(
        b"/api/v1/lookup?code=x", "Accept-Language: 中文".encode(), b"Authorization: Bearer \xff"
    ),
    "chunked body with a bad size": _request(
        b"/api/v1/complaints",
        b"Transfer-Encoding: chunked",
        b"Content-Type: application/json",
        body=b"zz\r\nxx\r\n0\r\n\r\n",
        method=b"POST",
    ),
    "both lengths": _request(
        b"/api/v1/complaints",
        b"Content-Length: 2",
        b"Transfer-Encoding: chunked",
        body=b"{}",
        method=b"POST",
    ),
    "negative length": _request(
        b"/api/v1/complaints", b"Content-Length: -1", body=b"{}", method=b"POST"
    ),
    "JSON nested 5,000 deep": _request(
        b"/api/v1/complaints",
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(DEEP),
        body=DEEP,
        method=b"POST",
    ),
    "GB18030 declared UTF-8": _request(
        b"/api/v1/complaints",
        b"Content-Type: application/json; charset=utf-8",
        b"Content-Length: 18",
        body='{"seller": "甲乙"}'.encode("gb18030").ljust(18),
        method=b"POST",
    ),
}
# The client stops short of its Content-Length and closes its side: a 400 or no answer.
SHORT_BODY = _request(
    b"/api/v1/complaints",
    b"Content-Type: application/json",
    b"Content-Length: 1000",
    body=b'{"a": 1',
    method=b"POST",
)


def _failures(port: int, cases: dict[str, bytes]) -> dict[str, bytes]:
    answers = {name: _exchange(port, raw) for name, raw in cases.items()}
    return {name: a[:400] for name, a in answers.items() if (_status(a) or 999) >= 500}


@pytest.mark.slow
def test_gunicorn_and_the_app_never_answer_5xx_to_raw_bytes(server):
    port = server["port"]
    cases = {**CASES, "badge of a path that is not UTF-8": _request(b"/badge/\xff.svg")}
    assert _failures(port, cases) == {}, server["output"].read_text(errors="replace")[-4000:]
    short = _status(_exchange(port, SHORT_BODY, half_close=True))
    assert short is None or 400 <= short < 500, short
    assert _status(_exchange(port, _request(b"/healthz"))) == 200  # still serving
    log = server["log"].read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
def test_badge_routes_never_answer_5xx_to_a_broken_referer(server):
    seller = server["seller"]
    cases = {
        "badge": _request(f"/badge/{seller}.svg".encode(), b"Referer: http://[/"),
        "badge, HEAD": _request(
            f"/badge/{seller}.svg".encode(), b"Referer: http://[/", method=b"HEAD"
        ),
        "verify": _request(f"/verify/{seller}".encode(), b"Referer: http://[/"),
    }
    assert _failures(server["port"], cases) == {}
