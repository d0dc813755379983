"""Every route × every persona: who may use it (``route_audiences``), and nobody else.

The world (``route_world``) is seeded once for the module. Reads answer their audience and
refuse the others (401/403/404, the sign-in page, or the page without its private part);
writes refuse everyone outside their audience; strangers to complaint A never read its
private parts anywhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..conftest import make_test_app
from .route_audiences import ROUTES
from .route_world import (
    COMPLAINANT,
    PHOTO,
    PRIVATE,
    REPLY_LINK_B,
    SECRET,
    STRANGERS,
    Case,
    bearer,
    fill,
    seed,
    send,
    text,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_template):
    app = make_test_app(tmp_path_factory.mktemp("route_matrix"), migrated_template)
    yield seed(app)
    app.extensions["registry_db"].dispose()


_SENT_AWAY = ("/login", "/complaints/recover")


def refused(case: Case, response, marker: str | None) -> bool:
    """Whether *response* keeps the caller out: an error, a sign-in, or no private part."""
    if response.status_code in (302, 303):
        return urlsplit(response.headers["Location"]).path in _SENT_AWAY
    if marker is not None and response.status_code in (200, 400):
        return marker not in text(response)
    return response.status_code in case.refused


def granted(case: Case, response, marker: str | None) -> bool:
    if response.status_code not in case.ok:
        return False
    return marker is None or marker in text(response)


def _cases(reads: bool) -> list:
    return [
        pytest.param(case, id=f"{endpoint}-{n}-{case.method}")
        for endpoint, cases in ROUTES.items()
        for n, case in enumerate(cases)
        if (case.method == "GET" or case.reads) == reads
    ]


# -- the table covers the map -----------------------------------------------------------------


def test_every_endpoint_and_method_is_classified(world):
    """A new route (or a new method of one) needs its audience in route_audiences."""
    app = world["app"]
    mapped = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    classified = {(e, c.method) for e, cases in ROUTES.items() for c in cases}
    assert mapped - classified == set(), "classify these in tests/web/route_audiences.py"
    assert classified - mapped == set(), "these are classified but no longer routed"


def test_every_case_reaches_its_endpoint(world):
    """Each case's path is one of its endpoint's rules, with the world's values."""
    app = world["app"]
    adapter = app.url_map.bind("localhost")
    persona = world["personas"][COMPLAINANT]
    for endpoint, cases in ROUTES.items():
        for case in cases:
            path = urlsplit(fill(case.path, world["values"], persona)).path
            assert adapter.match(path, method=case.method)[0] == endpoint, (endpoint, path)


def test_every_persona_s_csrf_token_is_accepted(world):
    """So that a refused form is refused for who sends it: a wrong private code is a 401,
    never the 400 of a missing or stale CSRF token."""
    url = f"/complaints/{world['values']['complaint_a']}/status"
    for name, persona in world["personas"].items():
        data = {"csrf_token": persona.csrf, "action": "open", "token": "cpt_wrong"}
        assert persona.client.post(url, data=data).status_code == 401, name


# -- who may, who may not ---------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases(reads=True))
def test_reads_answer_their_audience_and_refuse_the_others(world, case):
    marker = (
        fill(case.marker, world["values"], world["personas"][COMPLAINANT]) if case.marker else None
    )
    wrong = []
    for name, persona in world["personas"].items():
        response = send(world, case, persona)
        body = text(response)
        if name in case.audience:
            ok = granted(case, response, marker)
        else:
            ok = refused(case, response, marker)
        if not ok:
            wrong.append((name, response.status_code, response.headers.get("Location"), body[:160]))
        if name in STRANGERS:
            leaked = [s for s in PRIVATE if s in body]
            if leaked:
                wrong.append((name, "leaks", leaked))
    assert wrong == [], f"{case.method} {case.path}: {wrong}"


@pytest.mark.parametrize("case", _cases(reads=False))
def test_writes_refuse_everyone_outside_their_audience(world, case):
    marker = (
        fill(case.marker, world["values"], world["personas"][COMPLAINANT]) if case.marker else None
    )
    wrong = []
    for name, persona in world["personas"].items():
        if name in case.audience:
            continue
        response = send(world, case, persona)
        if not refused(case, response, marker):
            body = text(response)[:160]
            wrong.append((name, response.status_code, response.headers.get("Location"), body))
    assert wrong == [], f"{case.method} {case.path}: {wrong}"


def test_the_parties_read_what_strangers_may_not(world):
    """The private parts the strangers are checked for are really on the parties' pages."""
    personas, a = world["personas"], world["values"]["complaint_a"]
    status = text(personas[COMPLAINANT].client.get(f"/complaints/{a}/status"))
    assert SECRET in status and "7,391.37" in status
    desk = text(personas["merchant_a"].client.get(f"/merchant/cases/{a}"))
    assert SECRET in desk and "ORD-MATRIX-1" in desk
    assert "7,391.37" in desk


def test_the_refused_writes_changed_nothing(world):
    """Complaint A is still answered and awaiting its complainant; nothing was decided."""
    api, values = world["api"], world["values"]
    a = api.get(f"/api/v1/complaints/{values['complaint_a']}").json["data"]
    assert a["status"] == "merchant_replied" and a["rebuttal"] is None and a["outcome"] is None
    b = api.get(f"/api/v1/complaints/{values['complaint_b']}").json["data"]
    assert b["status"] == "merchant_notified" and b["merchant_reply"] is None
    disputes = api.get("/api/v1/disputes", headers=bearer(world["tokens"]["merchant_a_token"]))
    [dispute] = disputes.json["data"]
    assert dispute["status"] == "open"
    e = api.get(f"/api/v1/complaints/{values['complaint_escalated']}").json["data"]
    assert e["status"] == "escalated" and e["decision"] is None


def test_the_reply_link_reaches_its_case_s_reply_page_and_upload(world):
    """What the writes' test does not send: complaint B's reply link, used by its holder,
    reaches B's reply page with the upload form, adds a file there and through the API, and
    lists B's files (the writes' test ran first: B still awaits its answer)."""
    persona, b = world["personas"][REPLY_LINK_B], world["values"]["complaint_b"]
    page = text(persona.client.get(f"/complaints/{b}/reply"))
    assert 'id="evidence-form"' in page and f"/complaints/{b}/reply/evidence" in page
    on_page = send(world, reply_upload(f"/complaints/{b}/reply/evidence"), persona)
    assert on_page.status_code == 303, text(on_page)[:300]
    by_api = send(world, reply_upload(f"/api/v1/complaints/{b}/evidence"), persona)
    assert by_api.status_code == 201, text(by_api)[:300]
    listed = persona.client.get(f"/api/v1/complaints/{b}/evidence", headers=persona.headers)
    assert [f["party"] for f in listed.json["data"]] == ["merchant", "merchant"]


def reply_upload(path: str) -> Case:
    body = {} if path.startswith("/api/") else {"token": "{token}"}
    return Case("POST", path, frozenset({REPLY_LINK_B}), body=body, files=PHOTO)
