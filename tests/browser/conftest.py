"""Browser fixtures: Playwright (pip) drives Debian's chromium against the app served in-process.

One registry for the whole folder: ~60 demo sellers loaded once into a temporary SQLite file,
scored and indexed, served by werkzeug on 127.0.0.1 in a thread. A second, tiny HTTP server on
another port plays the third-party shop that embeds the badge (a different origin).

Everything here is skipped (not failed) when /usr/bin/chromium is absent or will not launch.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Third-party pages are served as http://<name>.localhost:<port>/ so that the Referer names
    # a host other than the registry's; pin every such name to 127.0.0.1 (never ::1 or DNS).
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Hosts of the third-party shop: one that the seller bound (positive case), one it did not.
GENUINE_HOST = "genuine-shop.localhost"
COPYCAT_HOST = "copycat.localhost"
# The seller to search for is found by one of the demo's two-character brand syllables.
SEARCH_LENGTH = 2


@dataclass(frozen=True)
class SellerInfo:
    public_id: str
    legal_name: str
    credit_code: str
    grade: str
    brand: str  # two characters of the legal name, used as the search query
    demo_domains: tuple[str, ...]  # bound before the genuine-shop host was added


@dataclass
class Registry:
    base: str
    app: object
    seller: SellerInfo
    moderator_token: str
    chart_seller: str  # the seller with the most kinds of complaints (the longest chart)


@dataclass
class ThirdParty:
    """A static site on its own port; ``pages`` maps a path to the HTML served there."""

    port: int
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session", autouse=True)
def browser():
    """Launch Debian's chromium once, or skip the whole folder (never download a browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, timeout=30_000
        )
    except Exception as exc:
        playwright.stop()
        pytest.skip(f"playwright could not launch {CHROMIUM}: {exc}")
    yield launched
    launched.close()
    playwright.stop()


class _QuietHandler:
    """Mixin: no access log lines for every request (errors are still logged)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _serve(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    return thread


def _pick_seller(session) -> SellerInfo:
    """A rated, verified, unalarmed seller with a bound demo domain and a 2-character brand."""
    from sqlalchemy import select

    from registry.demo.words import BRANDS
    from registry.read.badges import badge_facts
    from registry.read.display import ALARM_CAPS
    from registry.read.public import read_view
    from registry.registration.models import Seller

    brands = [b for b in BRANDS if len(b) == SEARCH_LENGTH]
    for public_id, name in session.execute(
        select(Seller.public_id, Seller.legal_name).order_by(Seller.id)
    ):
        facts = badge_facts(session, public_id)
        brand = next((b for b in brands if b in name), None)
        if (
            brand is None
            or not facts.verified
            or facts.grade in ("NR", "F")
            or set(facts.alarms) & ALARM_CAPS
            or not facts.domains
        ):
            continue
        view = read_view(session, public_id=public_id)
        code = next(i.value for i in view.identities if i.scheme == "cn_uscc")
        return SellerInfo(public_id, name, code, facts.grade, brand, facts.domains)
    raise AssertionError("the demo data has no seller fit for the browser tests")


def _most_complained(session) -> str:
    from sqlalchemy import func, select

    from registry.events.models import Event
    from registry.registration.models import Seller

    kinds = func.count(func.distinct(Event.category))
    return session.execute(
        select(Seller.public_id)
        .join(Event, Event.seller_id == Seller.id)
        .where(Event.kind == "complaint")
        .group_by(Seller.id, Seller.public_id)
        .order_by(kinds.desc(), Seller.id)
        .limit(1)
    ).scalar_one()


def _prepare(app) -> None:
    from web import jobs

    while jobs.rescore_changed(app):
        pass
    while jobs.reindex_changed(app):
        pass


@pytest.fixture(scope="session")
def registry(tmp_path_factory, migrated_template) -> Iterator[Registry]:
    """The app with ~60 demo sellers, scored and indexed, live on 127.0.0.1:<free port>."""

    from werkzeug.serving import WSGIRequestHandler, make_server

    from registry.demo import generate as demo

    from ..conftest import make_test_app
    from ..factories import make_token

    tmp = tmp_path_factory.mktemp("browser")
    app = make_test_app(tmp, migrated_template)
    database = app.extensions["registry_db"]
    with app.app_context():
        with database.writer() as session:
            demo.load(session, count=60)
            session.commit()
    _prepare(app)
    # The browsers are many consumers behind one proxy: a context that names its address in
    # X-Forwarded-For files as that consumer (the per-client intake limits count per address);
    # without the header every request is 127.0.0.1's, as before.
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]

    handler = type("QuietHandler", (_QuietHandler, WSGIRequestHandler), {})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base  # badge snippets and the badge script point here
    thread = _serve(server)

    with app.app_context():
        with database.reader() as session:
            seller = _pick_seller(session)
            chart_seller = _most_complained(session)
            moderator = make_token(session, "moderator")
            regulator = make_token(session, "regulator")
    # The positive badge case: a regulator binds a host that resolves to 127.0.0.1 (IP
    # addresses and a bare "localhost" are refused as domains; a *.localhost name is not).
    with app.test_client() as client:
        bound = client.post(
            f"/api/v1/sellers/{seller.public_id}/domains",
            json={"domain": GENUINE_HOST},
            headers={"Authorization": f"Bearer {regulator}"},
        )
    assert bound.status_code == 201, bound.get_data(as_text=True)
    _prepare(app)
    try:
        yield Registry(
            base=base,
            app=app,
            seller=seller,
            moderator_token=moderator,
            chart_seller=chart_seller,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        database.dispose()


@pytest.fixture(scope="session")
def third_party() -> Iterator[ThirdParty]:
    """A different origin: a plain HTTP server on another port of 127.0.0.1."""
    site = ThirdParty(port=0)

    class Handler(_QuietHandler, http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            html = site.pages.get(self.path.split("?")[0])
            body = (html or "not found").encode("utf-8")
            self.send_response(200 if html else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.port = server.server_address[1]
    thread = _serve(server)
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A fresh desktop page (1280 px); uncaught script errors are collected in page.errors."""
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    return pg


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """docs/screenshots with UPDATE_SCREENSHOTS=1 (``make screenshots``), else a tmp folder:
    a test run must not rewrite files of the checkout."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 12_000  # a blank or error page compresses far below this


def save_screenshot(page, directory: Path, name: str) -> Path:
    """Write docs/screenshots/<name>.png (whole page, overwritten) and check it is an image."""
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path} is only {len(data)} bytes"
    return path
