"""Whatever a stranger sends to whichever route, the answer is never a 5xx.

Every rule of ``app.url_map``, every method it allows, with path arguments from the seeded
records and from Hypothesis, arbitrary bodies, content types, header values and query
strings. API answers carry the JSON envelope. The requests go through the whole WSGI stack
(the badge's fast path included) as a server would hand them over: the path as raw bytes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from registry.importing import COLUMN_ALIASES

from ..conftest import make_test_app
from ..factories import make_seller, make_token, new_code
from .helpers import settle


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of *choices*, in proportion to their weights (``st.one_of`` merges repeats)."""
    slots = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(slots) - 1).flatmap(lambda i: slots[i])


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


# -- what a stranger sends -----------------------------------------------------------------

TRICKY_SEGMENTS = [
    b"..",
    b"%2e%2e",
    b"\x00",
    b"a\x00b",
    b"\xff\xfe",
    b"\xed\xa0\x80",  # a UTF-8-encoded lone surrogate
    b"\xc0\xae",  # an over-long '.'
    "统一社会信用代码".encode(),
    b"x" * 5000,
    b"s-" + b"0" * 300,
    b"' OR 1=1 --",
    b"<script>",
    b"%",
    b"\\",
]
segments = st.one_of(
    st.sampled_from(TRICKY_SEGMENTS),
    st.binary(min_size=1, max_size=40),
    st.text(min_size=1, max_size=40).map(str.encode),
)
ACTIONS = ["accept", "reject", "invalid", "reply-link", "reply", "confirm"]

# Latin-1 text without line breaks: what a server puts in a header value (bytes it cannot
# decode arrive as Latin-1), UTF-8 encoded text among it.
header_text = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80),
    st.text(max_size=40).map(lambda t: t.encode().decode("latin-1")),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
).map(lambda t: t.replace("\r", "").replace("\n", "").replace("\x00", ""))

REFERERS = ["http://[/", "https://[::1", "http://shiguang.example/x", "https://evil.test/", "//"]
HOSTS = ["localhost", "évil.example", "[::1", "a" * 300, "127.0.0.1:99999", ""]
ACCEPTS = ["application/json", "text/html", "*/*", "application/json;q=0.9, text/html;q=1"]
LANGUAGES = ["zh-CN", "en", "zh-Hant-TW;q=0.5", "*", "xx;q=abc", "en;q=" + "9" * 50]

QUERY_KEYS = [
    "lang", "size", "host", "q", "page", "per_page", "code", "scheme", "domain", "url",
    "from", "token", "verified", "grade", "province", "city", "category", "sort", "next",
]  # fmt: skip
query_values = st.one_of(
    st.sampled_from(["", "zh", "en", "small", "large", "1", "0", "-1", "%ff", "%00", "9" * 30]),
    st.text(max_size=30).map(lambda t: quote_from_bytes(t.encode(), safe="")),
    st.binary(max_size=30).map(lambda b: quote_from_bytes(b, safe="")),
    st.just("x" * 100_000),
)
query_strings = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), query_values), max_size=6
    ).map(lambda pairs: "&".join(f"{quote_from_bytes(k.encode(), safe='')}={v}" for k, v in pairs)),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
)

RECORD_KEYS = sorted(
    {alias for aliases in COLUMN_ALIASES.values() for alias in aliases}
    | {"kind", "seller", "code", "occurred_at", "severity", "verification", "resolution"}
    | {"category", "order_ref", "buyer_ref", "complainant_ref", "external_ref", "summary"}
    | {"ends_at", "lifted_at", "narrative", "amount", "desired_resolution"}
    | {"complainant_name", "contact", "token", "reply", "resolved", "reason", "domain"}
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(
        ["order", "complaint", "fraud_report", "sanction_major_fine", "harm", "platform"]
        + ["2026-01-01", "2026-01-01T00:00:00Z", "9999-99-99", "fraud", "contract_fulfillment"]
        + ["13800138000", "a@b.c", "1e999", "NaN", "-0", "1,299.50", "¥80", "shiguang.example"]
        + [" ", "\u202e", "\x00", "9999-12-31", "0001-01-01T00:00:00+14:00", "sNaN"]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


def records(world):
    values = st.one_of(
        json_values,
        st.sampled_from(
            [world["seller"], world["code"], world["consumer"], world["reply"], new_code()]
        ),
    )
    return st.dictionaries(st.sampled_from(RECORD_KEYS) | st.text(max_size=6), values, max_size=8)


HOSTILE_BODIES = [
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"amount": ' + b"1" * 6000 + b"}",
    b'[{"uscc": ' + b"1" * 6000 + b"}]",
    b'{"amount": 1e999, "severity": NaN, "x": -Infinity}',
    b'{"seller": "a", "seller": "b"}',
    b'{"narrative": "\\ud800\\udfff\\ud800", "reply": "\\u0000"}',
    b'{"\\ud800": 1}',
    b'{"narrative": "' + b"x" * 70_000 + b'"}',
    '[{"企业名称": "北京测试科技有限公司"}]'.encode("gb18030"),
    b"\xef\xbb\xbf[]",
    b"\xff\xfe[\x00]\x00",
    b"uscc,name\n" + b",".join([b"x"] * 5000) + b"\n",
    b'uscc,name\n"' + b"y" * 200_000 + b"\n",
    b"uscc,name\n1,\x00\n",
    b"\n" * 1000,
    b"null",
    b"[]",
    b"{}",
]
BASE_TYPES = [
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "text/csv",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "application/problem+json",
    "",
]
content_types = st.one_of(
    st.sampled_from(BASE_TYPES),
    st.tuples(
        st.sampled_from(BASE_TYPES),
        st.sampled_from(["charset", "boundary", "q", ""]),
        st.sampled_from(["utf-8", "gb18030", "x-unknown", "unicode_escape", '"', "utf-16"])
        | header_text,
    ).map(lambda t: f"{t[0]}; {t[1]}={t[2]}"),
    header_text,
)


def _form(world, fields: dict) -> bytes:
    return urlencode({"csrf_token": world["csrf"], **fields}).encode()


def _jsonl(items: list) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False, allow_nan=True) for r in items).encode()


def _csv(rows: list[list[str]]) -> bytes:
    return ("统一社会信用代码,企业名称,登记状态\n" + "\n".join(",".join(r) for r in rows)).encode()


def bodies(world):
    """(Content-Type, body): mostly a type that matches the body, so that the routes'
    parsers and services see it; sometimes any type with any body."""
    rows = records(world)
    cells = st.one_of(st.text(max_size=12), st.sampled_from([world["code"], new_code(), ""]))
    typed = {
        "json": (
            st.sampled_from(["application/json", "application/json; charset=utf-8"]),
            st.one_of(
                rows.map(lambda r: json.dumps(r, allow_nan=True).encode()),
                st.lists(rows, max_size=4).map(lambda r: json.dumps(r, allow_nan=True).encode()),
                json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
                st.sampled_from(HOSTILE_BODIES),
            ),
        ),
        "jsonl": (
            st.sampled_from(["application/x-ndjson", "application/jsonl"]),
            st.one_of(st.lists(rows, max_size=4).map(_jsonl), st.sampled_from(HOSTILE_BODIES)),
        ),
        "csv": (
            st.sampled_from(["text/csv", "text/csv; charset=gbk", "text/csv; charset=utf-8"]),
            st.one_of(
                st.lists(st.lists(cells, max_size=4), max_size=4).map(_csv),
                st.sampled_from(HOSTILE_BODIES),
            ),
        ),
        "form": (
            st.just("application/x-www-form-urlencoded"),
            st.one_of(
                st.dictionaries(st.sampled_from(FORM_KEYS) | st.text(max_size=5), form_values),
                st.fixed_dictionaries(
                    {
                        "category": st.sampled_from(["fraud", "contract_fulfillment", "x"]),
                        "narrative": st.text(min_size=10, max_size=60) | form_values,
                        "contact": st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True) | form_values,
                        "reply": st.text(max_size=60) | form_values,
                        "resolved": st.sampled_from(["yes", "no"]) | form_values,
                        "token": st.sampled_from([world["consumer"], world["reply"]]),
                    },
                    optional={"amount": form_values, "order_ref": form_values},
                ),
            ).map(lambda fields: _form(world, fields)),
        ),
    }
    anything = st.tuples(
        st.none() | content_types,
        st.one_of(st.just(b""), st.binary(max_size=300), st.sampled_from(HOSTILE_BODIES)),
    )
    weights = {"json": 4, "jsonl": 1, "csv": 1, "form": 2}
    return weighted(*((weights[k], st.tuples(t, b)) for k, (t, b) in typed.items()), (2, anything))


FORM_KEYS = [
    "category", "narrative", "order_ref", "amount", "desired_resolution", "complainant_name",
    "contact", "reply", "resolved", "token", "csrf_token",
]  # fmt: skip
form_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["fraud", "contract_fulfillment", "yes", "no", "-1", "１２３", "1_000"]),
    st.sampled_from(["NaN", "sNaN", "-sNaN", "Infinity", "-inf", "1e-999999999", "0x10"]),
    st.sampled_from(["1e999999", "0.001", "9" * 400, "13800138000", "付款后一直没有发货也不退款"]),
)


# Who may call a route: its token mostly, so that examples get past authentication.
ROLES = {
    "/api/v1/registrations": ["regulator"],
    "/api/v1/events": ["platform", "regulator"],
    "/api/v1/sellers/<public_id>/domains": ["merchant", "regulator"],
    "/api/v1/moderation/queue": ["moderator"],
    "/api/v1/complaints/<public_id>/<action>": ["moderator", "merchant"],
}


def authorizations(world, rule: str):
    tokens = world["tokens"]
    right = st.sampled_from(ROLES.get(rule, sorted(tokens))).map(lambda r: f"Bearer {tokens[r]}")
    return weighted(
        (6, right),
        (1, st.none()),
        (1, st.sampled_from(sorted(tokens.values())).map(lambda t: f"Bearer {t}")),
        (1, st.sampled_from([world["consumer"], world["reply"]]).map(lambda t: f"Bearer {t}")),
        (1, header_text.map(lambda t: f"Bearer {t}")),
        (1, header_text),
    )


def headers(world):
    """Header values a client may send; the session cookie of the forms' CSRF token mostly."""
    return st.fixed_dictionaries(
        {
            "Cookie": weighted(
                (4, st.just(world["cookie"])),
                (1, st.sampled_from(["session=" + "x" * 4000, ""])),
                (1, header_text),
            ),
        },
        optional={
            "Referer": st.sampled_from(REFERERS) | header_text,
            "Host": st.sampled_from(HOSTS) | header_text,
            "Accept": st.sampled_from(ACCEPTS) | header_text,
            "Accept-Language": st.sampled_from(LANGUAGES) | header_text,
            "If-None-Match": st.sampled_from(['"x"', "*", 'W/"', '"' * 3]) | header_text,
            "X-Forwarded-For": header_text,
        },
    )


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
# The badge fix (another change) makes these answer a malformed Referer themselves.
BADGE_FIX = pytest.mark.xfail(
    strict=False,
    reason="badge fix: a Referer such as http://[/ is a 500 on /badge/<id>.svg (the WSGI fast "
    "path) and on /verify/<id>; remove this mark once the badge fix is merged",
)
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
        assert response.status_code < 500, (method, path, response.status_code, data[:300])
        if path.startswith("/api/") and method not in ("HEAD", "OPTIONS"):
            envelope = response.get_json(silent=True)
            assert isinstance(envelope, dict), (method, path, response.status_code, data[:300])
            assert "data" in envelope or {"code", "message"} <= set(envelope["error"]), envelope
    finally:
        response.close()


def _fixed_cases(world, rule: str):
    """A few hostile requests every (rule, method) gets, whatever Hypothesis draws."""
    seeded = _path(rule, tuple(world["seller"].encode() for _ in _ARGUMENT.findall(rule)))
    odd = _path(rule, tuple(b"%ff\xff\x00.." for _ in _ARGUMENT.findall(rule)))
    auth = {"Authorization": f"Bearer {world['tokens']['regulator']}"}
    json_type = "application/json"
    yield seeded, "", {"Referer": "http://[/"}, None, b""
    yield seeded, "lang=%ff&size=%00&q=" + "x" * 100_000, {"Host": "[::1"}, None, b""
    yield seeded, "", {**auth, "Accept-Language": "\xe4\xb8\xad"}, json_type, HOSTILE_BODIES[0]
    yield seeded, "", auth, json_type, HOSTILE_BODIES[2]
    yield seeded, "", auth, "application/json; charset=x-unknown", b"{}"
    yield odd, "a=1&a=2", {"Cookie": "session=\xff"}, "text/csv", HOSTILE_BODIES[12]


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=[BADGE_FIX] if k == "badge" else [], id=k) for k in EXAMPLES],
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
