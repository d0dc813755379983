"""What a stranger may send, as Hypothesis strategies: paths, query strings, header values,
content types and bodies (valid-looking records among them, so that services see them)."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes, urlencode

from hypothesis import strategies as st

from registry.registration.columns import COLUMN_ALIASES

from ..factories import new_code


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of *choices*, in proportion to their weights (``st.one_of`` merges repeats)."""
    slots = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(slots) - 1).flatmap(lambda i: slots[i])


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
    b"/x",  # a doubled slash: werkzeug answers with a redirect
    b"a/../b",
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
