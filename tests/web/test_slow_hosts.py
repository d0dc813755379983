"""Nothing waits on a stranger's host: a merchant's host that drips its proof file, or a
webhook receiver that drips its answer, is cut off at a total deadline, and no writer of the
registry waits for either (the write lock is taken only to record the answer)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from registry.core.outbound import HttpClient, Timeout
from registry.registration.models import Domain
from web import jobs

from ..factories import make_seller, make_token


class _Drip:
    """A real HTTP server whose every answer promises 200 bytes and sends one per 0.1 s:
    each read is well within any read timeout, the whole answer takes 20 s."""

    def __init__(self) -> None:
        self.requests = 0
        handler = self

        class Handler(BaseHTTPRequestHandler):
            def _drip(self):
                handler.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", "200")
                self.end_headers()
                try:
                    for _ in range(200):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass  # cut off: what the deadline is for

            do_GET = _drip

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._drip()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_port

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def drip():
    server = _Drip()
    yield server
    server.close()


def test_a_dripping_proof_host_holds_up_no_writer(app, client, session, drip):
    seller = make_seller(session)
    merchant = make_token(session, "merchant", seller_id=seller.id)
    platform = make_token(session, "platform")
    answer = client.post(
        f"/api/v1/sellers/{seller.public_id}/domains",
        json={"domain": "drip-shop.example"},
        headers={"Authorization": f"Bearer {merchant}"},
    )
    assert answer.status_code == 202
    app.config.update(
        DOMAIN_PROOF_SCHEME="http",
        DOMAIN_PROOF_PORT=drip.port,
        DOMAIN_PROOF_DEADLINE=3.0,
        OUTBOUND_ALLOW_PRIVATE=True,
        OUTBOUND_RESOLVE={"drip-shop.example": "127.0.0.1"},
    )
    took: dict[str, float] = {}

    def check():
        started = time.monotonic()
        took["count"] = jobs.check_domains(app)
        took["check"] = time.monotonic() - started

    checking = threading.Thread(target=check)
    checking.start()
    while drip.requests == 0 and checking.is_alive():
        time.sleep(0.02)
    time.sleep(0.3)  # the fetch is under way
    started = time.monotonic()
    write = client.post(
        "/api/v1/events",
        json=[
            {
                "seller": seller.public_id,
                "kind": "order",
                "occurred_at": datetime.now(UTC).isoformat(),
                "external_ref": "drip-order-1",
            }
        ],
        headers={"Authorization": f"Bearer {platform}"},
    )
    took["write"] = time.monotonic() - started
    assert checking.is_alive(), "the fetch should still be dripping while the write happens"
    checking.join(timeout=30)
    assert write.status_code == 200, write.json
    assert took["write"] < 1.5, took  # it did not wait for the merchant's host
    assert took["check"] < 3.0 + 2.0, took  # cut off at the total deadline
    session.expire_all()
    [domain] = session.execute(select(Domain).where(Domain.seller_id == seller.id)).scalars()
    assert domain.state == "pending" and domain.last_check_result.startswith("timeout"), (
        domain.last_check_result
    )


def test_a_dripping_webhook_receiver_is_cut_off_at_the_sum_of_the_timeouts(drip):
    http = HttpClient(allow_private=True, timeout=(1.0, 1.0))
    started = time.monotonic()
    with pytest.raises(Timeout):
        http.post(f"http://127.0.0.1:{drip.port}/hook", b"{}", {"Content-Type": "application/json"})
    assert time.monotonic() - started < 2.0 + 1.0
