"""Very long addresses, through a real gunicorn with gunicorn.conf.py: a page the reader can
read, never gunicorn's English refusal, and no line read without bound."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from registry.core.db import make_engine
from registry.core.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn -c gunicorn.conf.py on a free loopback port; stopped after the module."""
    folder = tmp_path_factory.mktemp("gunicorn")
    engine = make_engine(f"sqlite:///{folder / 'registry.db'}")
    upgrade(engine)
    engine.dispose()
    env = {
        **os.environ,
        "REGISTRY_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": f"sqlite:///{folder / 'registry.db'}",
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SIGNING_KEY_DIR": str(folder / "keys"),
        "SECRET_KEY": "test",
        "DIGEST_SECRET": "test",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = folder / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "--workers", "1"]
            + ["--bind", "127.0.0.1:0", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stderr=out,
        )
    try:
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
            port = int(found.group(1)) if found else time.sleep(0.1)
        assert port, f"gunicorn did not start: {log.read_text()}"
        _wait_for(port)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _get(port, "/healthz").startswith(b"HTTP/1.1 200"):
            return
        time.sleep(0.2)
    raise AssertionError("the worker never answered")


def _get(port: int, target: str, headers: str = "") -> bytes:
    """One raw request: the request line is sent as given, whatever its length."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        head = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
        sock.sendall(f"{head}Connection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _page(response: bytes) -> str:
    return response.partition(b"\r\n\r\n")[2].decode("utf-8")


def test_a_search_of_five_hundred_chinese_characters_reaches_the_site(server):
    # 500 characters are 4,500 bytes percent-encoded: over gunicorn's default line of 4094.
    response = _get(server, "/search?q=" + quote("店" * 500))
    assert response.startswith(b"HTTP/1.1 200"), response[:200]


def test_a_too_long_search_is_the_sites_page_in_the_readers_language(server):
    response = _get(server, "/search?q=" + "a" * 3000)
    assert response.startswith(b"HTTP/1.1 400")
    assert "查询内容太长（3,000 个字符，最多 1,000 个）" in _page(response)
    english = _get(server, "/search?q=" + "a" * 3000, "Accept-Language: en-US,en;q=0.9\r\n")
    assert "The search is too long (3,000 characters; at most 1,000)" in _page(english)


def test_a_request_line_over_the_limit_is_refused_in_chinese_and_english(server):
    response = _get(server, "/search?q=" + quote("店" * 1000))  # 9,000 bytes
    assert response.startswith(b"HTTP/1.1 414")
    page = _page(response)
    assert "网址太长" in page and "The address is too long" in page
    assert "Bad Request" not in page and "URI Too Long" not in page


def test_a_huge_request_line_is_not_read_whole(server):
    """A megabyte of address is refused after the limit, not kept in memory to its end."""
    with socket.create_connection(("127.0.0.1", server), timeout=20) as sock:
        sock.sendall(b"GET /search?q=" + b"a" * 16384)
        response = sock.recv(65536)  # answered before the line (which never ends) is sent
    assert response.startswith(b"HTTP/1.1 414")
    assert _get(server, "/healthz").startswith(b"HTTP/1.1 200")  # the worker lives on
