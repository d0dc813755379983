"""Whatever a stranger sends to whichever route, the answer is never a 5xx.

Every rule of ``app.url_map``, every method it allows, with path arguments from the seeded
records and from Hypothesis, arbitrary bodies, content types, header values and query
strings (``hostile_input``). API answers carry the JSON envelope. The requests go through
the whole WSGI stack (the badge's fast path included) as a server would hand them over:
the path as raw bytes.
"""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from web import jobs

from ..conftest import make_test_app
from ..factories import make_seller, make_token, new_code
from .helpers import settle
from .hostile_input import (
    ACTIONS,
    HOSTILE_BODIES,
    authorizations,
    bodies,
    headers,
    query_strings,
    segments,
    weighted,
)

# -- the seeded registry -------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_template):
    """One app for every example: a seller with a domain, a complaint, a token per role."""
    app = make_test_app(tmp_path_factory.mktemp("every_route"), migrated_template)
    session = app.extensions["registry_db"].reader()
    code = new_code()
    seller = make_seller(
        session, identifier=code, legal_name="杭州拾光数码有限公司", domains=["shiguang.example"]
    )
    tokens = {role: make_token(session, role) for role in ("regulator", "platform", "moderator")}
    tokens["merchant"] = make_token(session, "merchant", seller_id=seller.id)
    session.close()
    client = app.test_client(use_cookies=False)
    filed = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": "付款后一直没有发货，客服也不回复。",
            "contact": "13800138000",
        },
    ).json["data"]
    accepted = client.post(
        f"/api/v1/complaints/{filed['id']}/accept",
        json={},
        headers={"Authorization": f"Bearer {tokens['moderator']}"},
    ).json["data"]
    seeded = {
        "seller": seller.public_id,
        "complaint": filed["id"],
        "consumer": filed["token"],
        "reply": accepted["reply_url"].rsplit("token=", 1)[-1],
        "code": code,
    }
    settle(app)
    jobs.issue_attestations(app)
    jobs.renew_attestations(app)
    csrf, cookie = _form_token(client, seller.public_id)
    yield {"app": app, "client": client, "tokens": tokens, "csrf": csrf, "cookie": cookie, **seeded}
    app.extensions["registry_db"].dispose()


def _form_token(client, seller_id: str) -> tuple[str, str]:
    """A valid CSRF token and the session cookie it belongs to, for the forms."""
    page = client.get(f"/sellers/{seller_id}/complain")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    cookie = page.headers.get("Set-Cookie", "").split(";")[0]
    assert token and cookie, "the complaint form has a CSRF token and a session cookie"
    return token.group(1), cookie


# -- the routes ----------------------------------------------------------------------------


def route_classes(app) -> dict[str, list[tuple[str, str]]]:
    """Every (rule, method) of the URL map, by the kind of route; plus methods no rule takes."""
    classes: dict[str, list[tuple[str, str]]] = {name: [] for name in EXAMPLES}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        path = rule.rule
        for method in sorted(rule.methods or ()):
            api = path.startswith(("/api/", "/.well-known/"))
            if method == "OPTIONS":
                name = "options and other methods"
            elif method == "POST":
                name = "api writes" if api else "forms"
            elif api:
                name = "api reads"
            elif path in ("/badge/<public_id>.svg", "/verify/<public_id>"):
                name = "badge"
            else:
                name = "pages"
            classes[name].append((path, method))
        for method in ("PUT", "DELETE", "PATCH", "TRACE", "G\u00c9T"):
            if method not in (rule.methods or ()):
                classes["options and other methods"].append((path, method))
    return classes


EXAMPLES = {
    "api writes": 300,
    "api reads": 200,
    "forms": 200,
    "pages": 200,
    "badge": 150,
    "options and other methods": 100,
}
_ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _path_values(world, rule: str):
    def value(name: str):
        known = {
            "public_id": [world["seller"], world["complaint"]],
            "action": ACTIONS,
            "filename": ["style.css", "../../setup.cfg"],
        }.get(name, [])
        seeded = st.sampled_from([v.encode() for v in known])
        return weighted((4, seeded), (1, segments)) if known else segments

    return st.tuples(*(value(name) for name in _ARGUMENT.findall(rule)))


def _path(rule: str, values: tuple[bytes, ...]) -> str:
    """PATH_INFO as a server hands it over: the path's bytes, read as Latin-1."""
    path = rule
    for value in values:
        path = _ARGUMENT.sub(lambda _m, v=value: v.decode("latin-1"), path, count=1)
    return path


def _send(client, method: str, path: str, query: str, headers: dict, ctype, body: bytes):
    uri = quote_from_bytes(path.encode("latin-1"), safe="/")
    response = client.open(
        "/",
        method=method,
        query_string=query,
        headers=headers,
        data=body,
        content_type=ctype,
        environ_overrides={"PATH_INFO": path, "REQUEST_URI": uri, "RAW_URI": uri},
    )
    try:
        data = response.get_data()
        assert response.status_code < 500 or _designed(response), (
            method,
            path,
            response.status_code,
            data[:300],
        )
        # A redirect (werkzeug merges a doubled slash with a 308) answers with no data.
        redirect = 300 <= response.status_code < 400
        # Open data downloads (/api/v1/export/...) are files; their errors are envelopes.
        download = response.status_code < 400 and "attachment" in response.headers.get(
            "Content-Disposition", ""
        )
        # The API's reference page is a page, and its OpenAPI document is the document.
        described = path in ("/api/docs", "/api/v1/openapi.json") and response.status_code < 400
        if (
            path.startswith("/api/")
            and method not in ("HEAD", "OPTIONS")
            and not (redirect or download or described)
        ):
            envelope = response.get_json(silent=True)
            assert isinstance(envelope, dict), (method, path, response.status_code, data[:300])
            assert "data" in envelope or {"code", "message"} <= set(envelope["error"]), envelope
    finally:
        response.close()


# 503s that say "not now, ask again" by design, in the envelope, with Retry-After where the
# wait is known: a statement being issued in the seconds after the record changed (the test's
# own writes change it), the search index being rebuilt. Never a crash.
DESIGNED_503 = {"statement_pending": True, "index_unavailable": False}


def _designed(response) -> bool:
    envelope = response.get_json(silent=True) or {}
    code = (envelope.get("error") or {}).get("code")
    if response.status_code != 503 or code not in DESIGNED_503:
        return False
    return not DESIGNED_503[code] or response.headers.get("Retry-After", "").isdigit()


def _fixed_cases(world, rule: str):
    """A few hostile requests every (rule, method) gets, whatever Hypothesis draws."""
    seeded = _path(rule, tuple(world["seller"].encode() for _ in _ARGUMENT.findall(rule)))
    odd = _path(rule, tuple(b"%ff\xff\x00.." for _ in _ARGUMENT.findall(rule)))
    slashed = _path(rule, tuple(b"/" + world["seller"].encode() for _ in _ARGUMENT.findall(rule)))
    auth = {"Authorization": f"Bearer {world['tokens']['regulator']}"}
    json_type = "application/json"
    yield seeded, "", {"Referer": "http://[/"}, None, b""
    yield seeded, "lang=%ff&size=%00&q=" + "x" * 100_000, {"Host": "[::1"}, None, b""
    yield seeded, "", {**auth, "Accept-Language": "\xe4\xb8\xad"}, json_type, HOSTILE_BODIES[0]
    yield seeded, "", auth, json_type, HOSTILE_BODIES[2]
    yield seeded, "", auth, "application/json; charset=x-unknown", b"{}"
    yield odd, "a=1&a=2", {"Cookie": "session=\xff"}, "text/csv", HOSTILE_BODIES[12]
    yield slashed, "", {}, None, b""
    # Werkzeug's redirect of a doubled slash copies the raw query into its Location.
    yield slashed, "a=\r\n", {}, None, b""


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, id=k) for k in EXAMPLES],
)
def test_no_route_answers_5xx(world, kind):
    client, pairs = world["client"], route_classes(world["app"])[kind]
    assert pairs, f"no route of the kind {kind!r}"
    for rule, method in pairs:
        for case in _fixed_cases(world, rule):
            _send(client, method, *case)

    @settings(
        max_examples=EXAMPLES[kind],
        deadline=None,  # a loaded 2-core machine: time is not the question here
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        # While the badge fix is pending its failure is expected: no time spent shrinking it.
        phases=[p for p in Phase if p is not Phase.shrink or kind != "badge"],
    )
    @given(
        target=st.sampled_from(pairs).flatmap(
            lambda pair: st.tuples(
                st.just(pair), _path_values(world, pair[0]), authorizations(world, pair[0])
            )
        ),
        query=query_strings,
        sent=headers(world),
        typed=bodies(world),
    )
    def one(target, query, sent, typed):
        (rule, method), values, auth = target
        if auth is not None:
            sent = {**sent, "Authorization": auth}
        _send(client, method, _path(rule, values), query, sent, *typed)

    one()
