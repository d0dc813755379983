"""Pulled feeds against a real HTTP server started by the test: conditional GETs, retries,
the total deadline, the address guard, the command line and the operator page."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from registry.feeds import FeedRun
from registry.registration.models import Seller
from web import jobs

from ..factories import make_token, new_code

LAST_MODIFIED = "Wed, 02 Dec 2026 06:00:00 GMT"


class Feed:
    """What the server serves, and what it saw."""

    def __init__(self) -> None:
        self.body = b""
        self.content_type = "text/csv; charset=utf-8"
        self.fail_first = 0  # answer 503 to this many requests first
        self.drip = 0.0  # seconds between the body's bytes
        self.requests: list[dict[str, str]] = []
        self.on_request = lambda: None  # run by the server as each request arrives

    def set_rows(self, *rows: tuple[str, str]) -> None:
        lines = ["identifier,legal_name", *(f"{code},{name}" for code, name in rows)]
        self.body = ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture
def served():
    feed = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            feed.requests.append(dict(self.headers))
            feed.on_request()
            if feed.fail_first:
                feed.fail_first -= 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(feed.body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", feed.content_type)
            self.send_header("Content-Length", str(len(feed.body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            try:
                if not feed.drip:
                    self.wfile.write(feed.body)
                for byte in feed.body if feed.drip else ():
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(feed.drip)
            except OSError:
                pass  # the client hung up: that is the point of the deadline

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_port}/registrations.csv"
    yield feed
    server.shutdown()
    server.server_close()


@pytest.fixture
def local(app):
    """The app may reach this machine (the test's server): OUTBOUND_ALLOW_PRIVATE=1."""
    app.config.update(OUTBOUND_ALLOW_PRIVATE=True, FEED_DEADLINE=5.0, FEED_READ_TIMEOUT=2.0)
    return app


def _add(runner, url, *extra):
    result = runner.invoke(
        args=[
            "feeds",
            "add",
            "zj-amr",
            url,
            "--kind",
            "registrations",
            "--format",
            "csv",
            "--token-role",
            "regulator",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return result


def _runs(session) -> list[FeedRun]:
    session.rollback()
    return list(session.execute(select(FeedRun).order_by(FeedRun.id)).scalars())


def _names(session) -> dict[str, str]:
    session.rollback()
    return {s.legal_name: s.public_id for s in session.execute(select(Seller)).scalars()}


def test_a_feed_is_applied_then_not_modified_then_updated(local, runner, session, served):
    a, b = new_code(), new_code()
    served.set_rows((a, "浙江源头贸易有限公司"), (b, "杭州拉取数据有限公司"))
    _add(runner, served.url)
    [first] = jobs.pull_feeds(local, ("zj-amr",))
    assert (first["outcome"], first["created"], first["rejected"]) == ("applied", 2, 0)
    assert {"浙江源头贸易有限公司", "杭州拉取数据有限公司"} <= set(_names(session))

    [second] = jobs.pull_feeds(local, ("zj-amr",))
    assert second["outcome"] == "not_modified" and second["http_status"] == 304
    assert served.requests[-1]["If-None-Match"].startswith('"')
    assert served.requests[-1]["If-Modified-Since"] == LAST_MODIFIED

    served.set_rows((a, "浙江源头贸易股份有限公司"), (b, "杭州拉取数据有限公司"))
    [third] = jobs.pull_feeds(local, ("zj-amr",))
    assert (third["outcome"], third["updated"], third["unchanged"]) == ("applied", 1, 1)
    assert "浙江源头贸易股份有限公司" in _names(session)
    assert [r.outcome for r in _runs(session)] == ["applied", "not_modified", "applied"]


def test_a_feeds_records_are_its_own(local, runner, session, served):
    code = new_code()
    served.set_rows((code, "宁波来源测试有限公司"))
    _add(runner, served.url)
    jobs.pull_feeds(local, ("zj-amr",))
    session.rollback()
    from registry.registration.models import Identity

    identity = session.execute(select(Identity).where(Identity.value == code)).scalar_one()
    assert identity.verified_by == "zj-amr"  # the feed's name is the submitter


def test_a_failing_server_is_retried_with_back_off(local, runner, session, served):
    served.set_rows((new_code(), "温州重试测试有限公司"))
    served.fail_first = 2
    _add(runner, served.url)
    started = time.monotonic()
    [run] = jobs.pull_feeds(local, ("zj-amr",))
    assert run["outcome"] == "applied" and run["created"] == 1
    assert len(served.requests) == 3
    assert time.monotonic() - started >= 0.5  # 0.5 s, then 1 s (each less jitter's share)


def test_a_server_that_never_recovers_is_a_failed_run(local, runner, session, served):
    served.set_rows((new_code(), "温州失败测试有限公司"))
    served.fail_first = 100
    local.config["FEED_RETRIES"] = 1
    _add(runner, served.url)
    [run] = jobs.pull_feeds(local, ("zj-amr",))
    assert run["outcome"] == "failed" and run["http_status"] == 503
    assert "503" in run["error"]


def test_a_server_that_drips_is_cut_off_at_the_total_deadline(local, runner, session, served):
    served.set_rows(*((new_code(), f"滴水测试{i}号有限公司") for i in range(20)))
    served.drip = 0.05  # every read well within the read timeout; the whole body takes 30 s
    local.config.update(FEED_DEADLINE=1.0, FEED_READ_TIMEOUT=0.5)
    _add(runner, served.url)
    started = time.monotonic()
    [run] = jobs.pull_feeds(local, ("zj-amr",))
    elapsed = time.monotonic() - started
    assert run["outcome"] == "failed" and run["error"].startswith("timeout"), run
    assert elapsed < 1.5, elapsed
    assert not any(n.startswith("滴水测试") for n in _names(session))


def test_a_private_address_is_refused_without_the_setting(app, runner, session, served):
    served.set_rows((new_code(), "内网测试有限公司"))
    _add(runner, served.url)
    [run] = jobs.pull_feeds(app, ("zj-amr",))
    assert run["outcome"] == "failed" and run["error"].startswith("forbidden_address"), run
    assert served.requests == []


def test_the_setting_comes_from_the_environment(monkeypatch):
    from web.config import from_environment

    monkeypatch.setenv("OUTBOUND_ALLOW_PRIVATE", "1")
    assert from_environment()["OUTBOUND_ALLOW_PRIVATE"] is True


def test_a_body_larger_than_the_limit_is_refused_unread(local, runner, session, served):
    served.set_rows(*((new_code(), f"超大测试{i}号有限公司") for i in range(50)))
    local.config["FEED_MAX_BYTES"] = 200
    _add(runner, served.url)
    [run] = jobs.pull_feeds(local, ("zj-amr",))
    assert run["outcome"] == "failed" and run["error"].startswith("too_large")


def test_a_body_refused_as_a_whole_writes_nothing_and_says_why(local, runner, session, served):
    served.body = b'[{"identifier": "x"'
    served.content_type = "application/json"
    result = runner.invoke(
        args=[
            "feeds",
            "add",
            "broken",
            served.url,
            "--kind",
            "registrations",
            "--format",
            "json",
            "--token-role",
            "regulator",
        ]
    )
    assert result.exit_code == 0, result.output
    [run] = jobs.pull_feeds(local, ("broken",))
    assert run["outcome"] == "failed" and "line" in run["error"], run
    assert _runs(session)[0].created == 0


def test_a_due_feed_is_pulled_by_the_job_and_then_waits_its_interval(local, runner, served):
    served.set_rows((new_code(), "定时拉取测试有限公司"))
    _add(runner, served.url)
    assert [r["outcome"] for r in jobs.pull_feeds(local)] == ["applied"]
    assert jobs.pull_feeds(local) == []  # not due again for an hour
    assert "feeds" in jobs.SCHEDULE


def test_feed_commands_add_list_status_remove(local, runner, served):
    served.set_rows((new_code(), "命令行测试有限公司"))
    _add(runner, served.url, "--interval", "600")
    listed = runner.invoke(args=["feeds", "list"]).output
    assert "zj-amr\tregistrations\tcsv\tregulator\t600s" in listed
    runner.invoke(args=["feeds", "run", "zj-amr"])
    status = runner.invoke(args=["feeds", "status"]).output
    assert "applied" in status and "created 1 updated 0" in status and "ms" in status
    assert runner.invoke(args=["feeds", "remove", "zj-amr"]).exit_code == 0
    assert runner.invoke(args=["feeds", "list"]).output.strip() == "no feeds"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "court-rulings"], "Invalid value for '--kind'"),
        (["--token-role", "platform"], "registrations are applied as regulator"),
    ],
)
def test_a_bad_feed_is_refused_with_a_reason(runner, args, message):
    base = {"--kind": "registrations", "--format": "csv", "--token-role": "regulator"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for pair in base.items() for x in pair]
    result = runner.invoke(args=["feeds", "add", "x", "https://feeds.example/x.csv", *flat])
    assert result.exit_code != 0 and message in result.output


def test_a_feed_url_must_be_http(runner):
    result = runner.invoke(
        args=[
            "feeds",
            "add",
            "x",
            "file:///etc/passwd",
            "--kind",
            "registrations",
            "--format",
            "csv",
            "--token-role",
            "regulator",
        ]
    )
    assert result.exit_code != 0 and "url" in result.output


def test_the_operator_page_lists_feeds_and_runs_for_a_moderator(
    local, runner, client, session, served
):
    served.set_rows((new_code(), "运营页面测试有限公司"))
    _add(runner, served.url + "?key=s3cret")
    jobs.pull_feeds(local, ("zj-amr",))
    assert client.get("/ops/feeds").status_code == 401
    token = make_token(session, "moderator")
    page = client.get("/ops/feeds", headers={"Authorization": f"Bearer {token}"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "zj-amr" in html and "applied" in html
    assert "s3cret" not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_the_fetch_holds_no_write_lock(local, runner, served):
    """While the server answers, another writer commits at once (SQLite: one writer)."""
    served.set_rows((new_code(), "锁测试有限公司"))
    _add(runner, served.url)
    waited = []

    def write_meanwhile():
        started = time.monotonic()
        with local.app_context():
            from web.db import database

            with database().writer() as other:
                make_token(other, "platform", name="written during the fetch")
        waited.append(time.monotonic() - started)

    served.on_request = write_meanwhile
    [run] = jobs.pull_feeds(local, ("zj-amr",))
    assert run["outcome"] == "applied"
    assert waited and waited[0] < 1.0, waited
