"""Outbound HTTP adapter and domain proofs, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry.core.outbound import (
    ConnectionFailed,
    ForbiddenAddress,
    HttpClient,
    is_forbidden_address,
)
from registry.registration.domain_proof import (
    PROOF_MAX_BYTES,
    TOKEN_PREFIX,
    WELL_KNOWN_PATH,
    check_proof,
    contains_token,
    issue_token,
    normalize_domain,
    proof_url,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
Special = Callable[[SimpleHTTPRequestHandler], None]


@dataclass
class LocalServer:
    """A test HTTP server: files from `root`, plus special handlers keyed by path."""

    port: int
    root: Path
    release: threading.Event
    special: dict[str, Special] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def publish(self, text: str) -> None:
        """Write the proof file served at the well-known path."""
        target = self.root / WELL_KNOWN_PATH.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


class _Handler(SimpleHTTPRequestHandler):
    state: LocalServer

    def do_GET(self) -> None:
        self.state.seen.append(self.path)
        action = self.state.special.get(self.path)
        try:
            if action is None:
                super().do_GET()
            else:
                action(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first, which is what some tests want

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


def _send(
    handler: SimpleHTTPRequestHandler, status: int, body: bytes = b"", **headers: str
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    state = LocalServer(port=0, root=tmp_path, release=threading.Event())
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path))
    )
    state.port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        state.release.set()  # wake any handler still sleeping
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    # allow_private only because the test server listens on loopback.
    with HttpClient(allow_private=True, timeout=(2, 2)) as client:
        yield client


def _check(http: HttpClient, server: LocalServer, token: str):
    return check_proof(http, "127.0.0.1", token, scheme="http", port=server.port, now=NOW)


class _NoSocket:
    """Stands in for socket.socket to prove that nothing was connected."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")


# --- tokens and URLs ------------------------------------------------------------------------


def test_issue_token_is_prefixed_random_and_url_safe():
    tokens = {issue_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(t.startswith(TOKEN_PREFIX) and len(t) >= 30 for t in tokens)
    assert all(
        set(t) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        for t in tokens
    )


def test_proof_url_uses_the_well_known_path():
    assert (
        proof_url("Shop.Example.COM.")
        == "https://shop.example.com/.well-known/merchant-registry.txt"
    )
    assert proof_url("商店.example", "http", 8080).startswith("http://xn--")


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "example",
        "evil.com/@127.0.0.1",
        "a.com:80",
        "user@a.com",
        "-a.com",
        "a..com",
        "a b.com",
    ],
)
def test_normalize_domain_refuses_what_is_not_a_host(domain):
    with pytest.raises(ValueError):
        normalize_domain(domain)


def test_contains_token_needs_a_whole_line():
    token = issue_token()
    assert contains_token(f"\ufeff# comment\n  {token}  \r\nother\n".encode(), token)
    assert not contains_token(f"x{token}\n".encode(), token)
    assert not contains_token(b"\n\n", "")
    assert not contains_token("caf\u00e9\n".encode(), token)  # non-ASCII lines do not crash


# --- check_proof against the local server -------------------------------------------------------


def test_check_proof_accepts_the_right_token(http, server):
    token = issue_token()
    server.publish(f"# merchant registry\n{token}\n")
    result = _check(http, server, token)
    assert (result.ok, result.reason, result.checked_at) == (True, "ok", NOW)


def test_check_proof_rejects_a_wrong_token(http, server):
    server.publish(issue_token() + "\n")
    result = _check(http, server, issue_token())
    assert (result.ok, result.reason) == (False, "wrong_token")


def test_check_proof_reports_a_missing_file_as_http_status(http, server):
    result = _check(http, server, issue_token())
    assert (result.ok, result.reason) == (False, "http_status")
    assert "404" in result.message


def test_check_proof_times_out_on_a_slow_server(server):
    token = issue_token()

    def slow(handler):
        server.release.wait(3)
        _send(handler, 200, token.encode())

    server.special[WELL_KNOWN_PATH] = slow
    with HttpClient(allow_private=True, timeout=(1, 0.2)) as client:
        result = _check(client, server, token)
    assert (result.ok, result.reason) == (False, "timeout")


def test_check_proof_refuses_a_declared_oversize_body(http, server):
    token = issue_token()
    server.publish(token + "\n" + "x" * PROOF_MAX_BYTES)
    result = _check(http, server, token)
    assert (result.ok, result.reason) == (False, "too_large")


def test_check_proof_stops_reading_an_undeclared_oversize_body(http, server):
    token = issue_token()
    # No Content-Length: the limit must be enforced while streaming.
    server.special[WELL_KNOWN_PATH] = lambda h: _send(h, 200, (token + "\n").encode() * 1000)
    result = _check(http, server, token)
    assert (result.ok, result.reason) == (False, "too_large")


def test_check_proof_refuses_a_redirect_to_another_host(http, server):
    token = issue_token()
    server.publish(token + "\n")
    # localhost is a different host name from 127.0.0.1, even though it is the same machine.
    server.special[WELL_KNOWN_PATH] = lambda h: _send(
        h,
        302,
        Location=f"http://localhost:{server.port}/elsewhere.txt",
        Content_Length="0",
    )
    result = _check(http, server, token)
    assert (result.ok, result.reason) == (False, "redirect_refused")
    assert server.seen == [WELL_KNOWN_PATH]


def test_check_proof_follows_a_redirect_on_the_same_host(http, server):
    token = issue_token()
    (server.root / "proof.txt").write_text(token + "\n")
    server.special[WELL_KNOWN_PATH] = lambda h: _send(
        h, 301, Location="/proof.txt", Content_Length="0"
    )
    result = _check(http, server, token)
    assert (result.ok, result.reason) == (True, "ok")
    assert server.seen == [WELL_KNOWN_PATH, "/proof.txt"]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{other}/proof.txt",  # another port: another server
        "https://127.0.0.1:{port}/proof.txt",  # another scheme
        "http://127.0.0.1/proof.txt",  # the scheme's own port, which is not this one
    ],
)
def test_a_same_host_redirect_keeps_the_scheme_and_the_port(http, server, location):
    token = issue_token()
    with socket.socket() as other:  # a second server of the same host, also serving it
        other.bind(("127.0.0.1", 0))
        target = location.format(port=server.port, other=other.getsockname()[1])
        server.special[WELL_KNOWN_PATH] = lambda h: _send(
            h, 302, Location=target, Content_Length="0"
        )
        result = _check(http, server, token)
    assert (result.ok, result.reason) == (False, "redirect_refused"), result
    assert server.seen == [WELL_KNOWN_PATH]


def test_check_proof_gives_up_after_too_many_redirects(http, server):
    server.special["/loop"] = lambda h: _send(h, 302, Location="/loop", Content_Length="0")
    server.special[WELL_KNOWN_PATH] = server.special["/loop"]
    result = _check(http, server, issue_token())
    assert (result.ok, result.reason) == (False, "redirect_refused")
    assert len(server.seen) == http.max_redirects + 1


def test_check_proof_reports_a_refused_connection(http):
    with socket.socket() as probe:  # find a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check_proof(http, "127.0.0.1", issue_token(), scheme="http", port=port, now=NOW)
    assert (result.ok, result.reason) == (False, "connection_failed")


def test_check_proof_reports_an_invalid_domain_without_fetching(http):
    result = check_proof(http, "evil.com/@127.0.0.1", issue_token(), now=NOW)
    assert (result.ok, result.reason) == (False, "invalid_domain")


# --- the private-address guard: resolve only, never connect --------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_is_forbidden_address_refuses_non_public_ranges(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "1.1.1.1"])
def test_is_forbidden_address_allows_public_addresses(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://127.1/",
    ],
)
def test_guard_refuses_ip_literals_before_connecting(url, monkeypatch):
    monkeypatch.setattr(socket, "socket", _NoSocket)
    with HttpClient() as client, pytest.raises(ForbiddenAddress) as info:
        client.get(url)
    assert info.value.code == "forbidden_address"


def test_guard_refuses_a_name_if_any_of_its_addresses_is_private(monkeypatch):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        assert host == "rebind.example"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket, "socket", _NoSocket)
    with HttpClient() as client, pytest.raises(ForbiddenAddress):
        client.get("https://rebind.example/")


def test_check_proof_reports_forbidden_address_without_traffic(server):
    token = issue_token()
    server.publish(token + "\n")
    with HttpClient() as client:
        result = check_proof(client, "127.0.0.1", token, scheme="http", port=server.port, now=NOW)
    assert (result.ok, result.reason) == (False, "forbidden_address")
    assert server.seen == []


# --- TLS through the pinned connection ------------------------------------------------------


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    root = tmp_path / "site"
    (root / ".well-known").mkdir(parents=True)
    (root / WELL_KNOWN_PATH.lstrip("/")).write_text("mrv1-tls\n")
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    state = LocalServer(port=0, root=root, release=threading.Event())
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield httpd.server_address[1], cert_path
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_https_refuses_an_untrusted_certificate(tls_server):
    port, _ = tls_server
    with (
        HttpClient(allow_private=True, timeout=(2, 2)) as client,
        pytest.raises(ConnectionFailed),
    ):
        client.get(f"https://127.0.0.1:{port}/")


def test_https_proof_is_checked_through_the_pinned_connection(tls_server):
    port, cert_path = tls_server
    with HttpClient(allow_private=True, timeout=(2, 2)) as client:
        client.session.verify = str(cert_path)  # trust the test certificate, and only it
        result = check_proof(client, "127.0.0.1", "mrv1-tls", port=port, now=NOW)
    assert (result.ok, result.reason) == (True, "ok")
