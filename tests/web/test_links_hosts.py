"""Absolute links come from BASE_URL (or a listed host), never from the request's Host header;
private links carry their token in the fragment, never in a query string."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import make_test_app

from ..factories import make_seller, make_token, new_code
from .helpers import settle

EVIL = "evil.example"
FORM = {
    "category": "contract_fulfillment",
    "narrative": "付款后一直没有发货，客服不回复。",
    "contact": "13800138000",
}


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def fragment_token(link: str) -> str:
    parts = urlsplit(link)
    assert "token" not in parse_qs(parts.query), link
    return parse_qs(parts.fragment)["token"][0]


def steered(response) -> list[str]:
    """Where the answer repeats the Host it was sent: its body and its headers."""
    body = response.get_data(as_text=True)
    found = [f"body: ...{body[max(0, i - 60) : i + 60]}..." for i in _find(body, EVIL)]
    found += [f"{k}: {v}" for k, v in response.headers.items() if EVIL in v]
    return found


def _find(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


@pytest.fixture
def evil(client):
    """Every request of the test sent with ``Host: evil.example``."""

    def send(method: str, path: str, **kwargs):
        headers = {"Host": EVIL, **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return send


def _filed(evil, seller) -> dict:
    response = evil("POST", "/api/v1/complaints", json={**FORM, "seller": seller.public_id})
    assert response.status_code == 201, response.json
    assert steered(response) == []
    return response.json["data"]


def test_api_complaint_links_ignore_the_host_header(evil, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    auth = {"Authorization": f"Bearer {moderator}"}
    filed = _filed(evil, seller)
    assert filed["follow_url"] == (
        f"http://127.0.0.1:5000/complaints/{filed['id']}#token={filed['token']}"
    )
    accepted = evil("POST", f"/api/v1/complaints/{filed['id']}/accept", json={}, headers=auth)
    assert accepted.status_code == 200 and steered(accepted) == []
    assert accepted.json["data"]["reply_url"].startswith(
        f"http://127.0.0.1:5000/complaints/{filed['id']}/reply#token=crt_"
    )
    again = evil("POST", f"/api/v1/complaints/{filed['id']}/reply-link", json={}, headers=auth)
    assert again.status_code == 200 and steered(again) == []
    assert again.json["data"]["reply_url"].startswith("http://127.0.0.1:5000/")


def test_the_filing_page_link_ignores_the_host_header(evil, session):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    form = evil("GET", url)
    assert steered(form) == []
    filed = evil("POST", url, data={**FORM, "csrf_token": csrf(form.get_data(as_text=True))})
    assert filed.status_code == 200 and steered(filed) == []
    link = re.search(r'id="private-link" href="([^"]+)"', filed.get_data(as_text=True)).group(1)
    assert link.startswith("http://127.0.0.1:5000/complaints/c-")
    assert fragment_token(link).startswith("cpt_")


def test_badge_pages_and_statements_ignore_the_host_header(app, evil, session):
    from web import jobs

    seller = make_seller(session)
    settle(app)
    # The scheduler's jobs (the first issue run reads no history, renewal covers it): a GET
    # only reads the statement.
    jobs.issue_attestations(app)
    jobs.renew_attestations(app)
    for path in (
        f"/sellers/{seller.public_id}/badge",
        f"/badge/{seller.public_id}.js",
        f"/badge/{seller.public_id}.svg",
        f"/verify/{seller.public_id}",
        f"/sellers/{seller.public_id}",
        "/api/v1/attestations/revoked",
        "/.well-known/jwks.json",
    ):
        response = evil("GET", path)
        assert response.status_code == 200, path
        assert steered(response) == [], path
    statement = evil("GET", f"/api/v1/sellers/{seller.public_id}/attestation")
    assert statement.status_code == 200 and steered(statement) == []
    payload = statement.json["data"]["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert EVIL not in json.dumps(claims)


def test_redirects_ignore_the_host_header(app, evil, session):
    code = new_code()
    seller = make_seller(session, identifier=code)
    settle(app)
    found = evil("GET", f"/search?q={code}")
    assert found.status_code in (301, 302, 303) and steered(found) == []
    filed = _filed(evil, seller)
    old_link = evil("GET", f"/complaints/{filed['id']}?token={filed['token']}")
    assert old_link.status_code == 303 and steered(old_link) == []


def test_listed_hosts_are_used_and_others_refused(tmp_path, migrated_template, session):
    app = make_test_app(tmp_path, migrated_template)
    app.config["TRUSTED_HOSTS"] = ["registry.example", ".registry.example"]
    client = app.test_client()
    seller = make_seller(session)
    body = {**FORM, "seller": seller.public_id}
    listed = client.post("/api/v1/complaints", json=body, headers={"Host": "cn.registry.example"})
    assert listed.status_code == 201
    assert listed.json["data"]["follow_url"].startswith("http://cn.registry.example/complaints/")
    refused = client.post("/api/v1/complaints", json=body, headers={"Host": EVIL})
    assert refused.status_code == 400 and "follow_url" not in refused.get_data(as_text=True)
    page = client.get(f"/sellers/{seller.public_id}", headers={"Host": EVIL})
    assert page.status_code == 400
    host = {"Host": "cn.registry.example"}
    snippets = client.get(f"/sellers/{seller.public_id}/badge", headers=host)
    script = client.get(f"/badge/{seller.public_id}.js", headers=host)
    for answer in (snippets, script):
        text = answer.get_data(as_text=True)
        assert "http://cn.registry.example" in text and "127.0.0.1:5000" not in text
    app.extensions["registry_db"].dispose()


def test_a_base_url_with_a_path_is_kept(tmp_path, migrated_template, session):
    app = make_test_app(tmp_path, migrated_template)
    app.config["BASE_URL"] = "https://registry.example/cn/"
    seller = make_seller(session)
    filed = app.test_client().post("/api/v1/complaints", json={**FORM, "seller": seller.public_id})
    assert filed.json["data"]["follow_url"].startswith("https://registry.example/cn/complaints/c-")
    app.extensions["registry_db"].dispose()


def _replied(client, session) -> tuple[str, str]:
    """A complaint the merchant answered: its id and the complainant's token."""
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    merchant = make_token(session, "merchant", seller_id=seller.id)
    filed = client.post("/api/v1/complaints", json={**FORM, "seller": seller.public_id}).json
    cid, token = filed["data"]["id"], filed["data"]["token"]
    for action, auth, body in (
        ("accept", moderator, {}),
        ("reply", merchant, {"reply": "已补发，单号SF1"}),
    ):
        response = client.post(
            f"/api/v1/complaints/{cid}/{action}",
            json=body,
            headers={"Authorization": f"Bearer {auth}"},
        )
        assert response.status_code == 200, response.json
    return cid, token


def test_the_complainant_confirms_by_form_post_with_the_token_in_the_body(client, session):
    cid, token = _replied(client, session)
    page = client.get(f"/complaints/{cid}")
    html = page.get_data(as_text=True)
    assert token not in html  # the page never had it: the fragment stays in the browser
    assert (
        "data-private-token" in html and 'name="token"' in html
    )  # the script's (or a paste) field
    assert re.search(r'<script src="/static/private-link\.js"', html)
    form = {"csrf_token": csrf(html), "resolved": "yes"}
    in_query = client.post(f"/complaints/{cid}?token={token}", data=form)
    assert in_query.status_code == 200 and 'class="notice bad"' in in_query.get_data(as_text=True)
    done = client.post(f"/complaints/{cid}", data={**form, "token": token})
    assert done.status_code == 302 and done.headers["Location"] == f"/complaints/{cid}"
    assert client.get(f"/api/v1/complaints/{cid}").json["data"]["outcome"] == "resolved"


def test_an_old_query_string_link_still_works_once_and_loses_its_token(client, session):
    cid, token = _replied(client, session)
    old = client.get(f"/complaints/{cid}?token={token}")
    assert old.status_code == 303
    assert old.headers["Location"] == f"/complaints/{cid}#token={token}"
    assert old.headers["Referrer-Policy"] == "no-referrer"
    assert old.headers["Cache-Control"] == "no-store"
    page = client.get(f"/complaints/{cid}")
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "resolved": "no", "token": token}
    assert client.post(f"/complaints/{cid}", data=form).status_code == 302
    reused = client.post(f"/complaints/{cid}", data={**form, "resolved": "yes"})
    assert reused.status_code == 200 and 'class="notice bad"' in reused.get_data(as_text=True)
    assert client.get(f"/api/v1/complaints/{cid}").json["data"]["outcome"] == "unresolved"


def test_an_old_reply_link_is_moved_to_the_fragment(client, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    cid = client.post("/api/v1/complaints", json={**FORM, "seller": seller.public_id}).json["data"][
        "id"
    ]
    link = client.post(
        f"/api/v1/complaints/{cid}/accept",
        json={},
        headers={"Authorization": f"Bearer {moderator}"},
    ).json["data"]["reply_url"]
    token = fragment_token(link)
    old = client.get(f"/complaints/{cid}/reply?token={token}")
    assert old.status_code == 303
    assert old.headers["Location"] == f"/complaints/{cid}/reply#token={token}"
    page = client.get(f"/complaints/{cid}/reply")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert token not in page.get_data(as_text=True)


def test_answers_that_hold_a_token_are_not_stored(client, session):
    seller = make_seller(session)
    filed = client.post("/api/v1/complaints", json={**FORM, "seller": seller.public_id})
    assert filed.headers["Cache-Control"] == "no-store"
    assert filed.headers["Referrer-Policy"] == "no-referrer"
    public = client.get(f"/api/v1/complaints/{filed.json['data']['id']}")
    assert "no-store" not in public.headers.get("Cache-Control", "")
