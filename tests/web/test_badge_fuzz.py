"""Whatever a client sends to the badge's routes, the answer is never a server error, and the
WSGI fast path, whenever it answers, answers byte for byte as Flask does.

Values go straight into the WSGI environ, as a server puts them there: latin-1 text (a raw
byte per character), anything but a line break in a header.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from web.badge import BadgeFastPath
from web.badge_svg import LANGS, SIZES

from .test_badge_fast_path import run
from .test_badge_origin import DOMAIN, OK, make_shop

ROUTES = ("/badge/{}.svg", "/badge/{}.js", "/verify/{}", "/sellers/{}/badge")

BYTE = st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters="\r\n")
RAW = st.text(BYTE, max_size=40)
WORDS = st.sampled_from(
    ["", "*", "en", "zh", "small", "large", "null", "[", "]", "%", "%ff", "\xff", "\x00", ":", "@"]
)
HOSTS = st.sampled_from(
    [DOMAIN, f"www.{DOMAIN}", f"{DOMAIN}.evil.test", f"evil{DOMAIN}", "localhost", "[::1]", "["]
)
REFERERS = st.one_of(
    st.sampled_from([f"https://{DOMAIN}/", f"https://www.{DOMAIN}/item?id=1"]),
    RAW,
    st.builds(
        "{}://{}{}{}".format,
        st.sampled_from(["http", "https", "HTTPS", "data", "about", "javascript", ""]),
        HOSTS | RAW,
        st.sampled_from(["", ":443", ":80", ":8443", ":0", ":99999", ":x", ":"]),
        st.sampled_from(["", "/", "/a?b=c#d", "/" + "x" * 600]) | RAW,
    ),
)
QUERIES = st.one_of(
    RAW,
    st.lists(
        st.tuples(
            st.sampled_from(["lang", "size", "from", "host", "l%61ng", "x"]) | RAW, WORDS | RAW
        ),
        max_size=4,
    ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
)
#: "<current>" stands for the ETag the same request gets without one (so a 304 is possible)
ETAGS = st.one_of(
    st.just("<current>"),
    RAW,
    WORDS,
    st.lists(st.sampled_from(['"a"', 'W/"b"', "*", ",", '"']), max_size=4).map(", ".join),
)


@pytest.fixture
def pid(session, app):
    return make_shop(session, app).public_id


def environ(path: str, method: str, overrides: dict[str, str]) -> dict:
    builder = EnvironBuilder(path="/", method=method)
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    env.update(overrides, PATH_INFO=path)
    return env


REQUESTS = st.fixed_dictionaries(
    {
        "route": st.sampled_from(ROUTES),
        "own_id": st.booleans(),
        "other_id": RAW,
        "method": st.sampled_from(["GET", "GET", "HEAD"]),
    },
    optional={
        "HTTP_REFERER": REFERERS,
        "HTTP_HOST": HOSTS | RAW,
        "HTTP_IF_NONE_MATCH": ETAGS,
        "QUERY_STRING": QUERIES,
        "HTTP_COOKIE": st.sampled_from(["lang=en", "lang=\xff", "session=x", "=", ";;"]) | RAW,
        "HTTP_ACCEPT": st.sampled_from(["application/json", "*/*", "image/*", ";q=x"]) | RAW,
    },
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=REQUESTS)
def test_badge_routes_answer_anything_without_a_server_error(app, pid, request):
    path = request.pop("route").format(pid if request.pop("own_id") else request.pop("other_id"))
    request.pop("other_id", None)
    method = request.pop("method")
    assert_answered(app, path, method, request)


def assert_answered(app, path: str, method: str, request: dict[str, str]) -> None:
    fast = app.wsgi_app
    assert isinstance(fast, BadgeFastPath)
    client = app.test_client(use_cookies=False)
    if request.get("HTTP_IF_NONE_MATCH") == "<current>":
        first = client.open("/", method=method, environ_overrides={**request, "PATH_INFO": path})
        request["HTTP_IF_NONE_MATCH"] = first.headers.get("ETag", "")
    # Through the test client, so through the middleware; exceptions propagate (TESTING).
    response = client.open("/", method=method, environ_overrides={**request, "PATH_INFO": path})
    assert response.status_code < 500, (path, request, response.status_code)
    env = environ(path, method, request)
    answered = fast.answer(dict(env))
    green = OK["zh"] in response.get_data(as_text=True) or OK["en"] in response.text
    event(f"{path.split('/')[1]} {path[-3:]} {response.status_code} fast={answered is not None}")
    event(f"green={green}")
    if answered is not None:
        assert run(fast, env) == run(fast.wsgi_app, env), (path, request)


GOOD_QUERIES = st.lists(
    st.tuples(st.sampled_from(["lang", "size", "from", "host"]), st.sampled_from(LANGS + SIZES)),
    max_size=3,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
BADGE_REQUESTS = st.fixed_dictionaries(
    {"method": st.sampled_from(["GET", "HEAD"])},
    optional={
        "HTTP_REFERER": REFERERS,
        "HTTP_HOST": HOSTS | RAW,
        "HTTP_IF_NONE_MATCH": st.just("<current>") | ETAGS,
        "QUERY_STRING": GOOD_QUERIES | QUERIES,
    },
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=BADGE_REQUESTS)
def test_the_fast_path_answers_as_flask_does(app, pid, request):
    """Requests the fast path answers itself: a known seller, mostly valid options."""
    method = request.pop("method")
    assert_answered(app, f"/badge/{pid}.svg", method, request)


@pytest.mark.parametrize("host", [".", "a..b", "x" * 64 + ".example"])
def test_a_host_flask_cannot_bind_is_a_400_page_on_either_path(app, pid, host):
    """Found by the fuzz test: ``Host: .`` got the badge from the fast path, and a 500 from
    Flask's error page (url_for had no URL adapter to build its links with)."""
    fast = app.wsgi_app
    assert fast.answer(environ(f"/badge/{pid}.svg", "GET", {"HTTP_HOST": host})) is None
    assert fast.answer(environ(f"/badge/{pid}.svg", "GET", {"HTTP_HOST": "shop.example"}))
    client = app.test_client(use_cookies=False)
    for path in (f"/badge/{pid}.svg", "/", f"/sellers/{pid}", "/api/v1/sellers?q=a", "/nope"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, path
