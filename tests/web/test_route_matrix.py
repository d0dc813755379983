"""Every route × every persona: who may use it (``route_audiences``), and nobody else.

One seeded registry for the module: seller A with complaint A (evidence attached at filing,
accepted, answered by A's merchant token; its complainant chose not to publish the account),
seller B with complaint B (accepted), a sanction of A recorded by the regulator token and
disputed by A's merchant, a subscription of the platform token. Each persona has its own
client and a CSRF token of its session, so that a refused form is refused for who is asking,
not for a missing CSRF token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.accounts.service import AccountService
from registry.complaints.models import Complaint
from web import jobs

from ..conftest import make_test_app
from ..factories import make_seller, make_token, new_code
from ..people import csrf, make_account, sign_in
from .helpers import settle
from .route_audiences import (
    COMPLAINANT,
    OTHER_COMPLAINANT,
    PERSONAS,
    ROUTES,
    SESSIONS,
    STRANGERS,
    Case,
)
from .test_evidence import PDF, multipart

SOURCE = "matrix-bureau"
SECRET = "我家楼下的快递柜编号是九五二七号"
CONTACT = "13955558888"
NAME = "欧阳秘密"
#: what no stranger to complaint A may read anywhere (nor the pending complaint's order,
#: and the settlement offered, which only the parties read)
PRIVATE = (SECRET, CONTACT, NAME, "ORD-MATRIX-1", "ORD-MATRIX-PENDING", "7391.37", "7,391.4")


@dataclass
class Persona:
    name: str
    client: object
    headers: dict
    token: str  # a complaint's private token ("" for those who hold none)
    csrf: str


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_template):
    app = make_test_app(tmp_path_factory.mktemp("route_matrix"), migrated_template)
    app.config["SECURITY_CONTACT"] = "security@example.org"
    app.config["OUTBOUND_RESOLVE"] = {"hooks.example": "93.184.215.14"}
    session = app.extensions["registry_db"].reader()
    code_a = new_code()
    seller_a = make_seller(session, identifier=code_a, legal_name="杭州矩阵甲商贸有限公司")
    seller_b = make_seller(session, legal_name="杭州矩阵乙商贸有限公司")
    tokens = {
        "moderator_token": make_token(session, "moderator"),
        "regulator_token": make_token(session, "regulator", name=SOURCE),
        "platform_token": make_token(session, "platform"),
        "merchant_a_token": make_token(session, "merchant", seller_id=seller_a.id),
        "merchant_b_token": make_token(session, "merchant", seller_id=seller_b.id),
    }
    accounts = {
        "merchant_a": make_account(session, "merchant", seller_ids=[seller_a.id]),
        "merchant_b": make_account(session, "merchant", seller_ids=[seller_b.id]),
        "moderator": make_account(session, "moderator"),
        "regulator": make_account(session, "regulator"),
    }
    AccountService(session).set_source(accounts["regulator"], SOURCE, "test")
    session.commit()
    api = app.test_client(use_cookies=False)
    filed_a = multipart(
        {
            "seller": seller_a.public_id,
            "category": "false_advertising",
            "narrative": f"收到的商品和描述完全不同，商家拒绝退款。{SECRET}。",
            "contact": CONTACT,
            "complainant_name": NAME,
            "order_ref": "ORD-MATRIX-1",
            "publish_narrative": "false",
        },
        [(PDF, "contract.pdf")],
        "/api/v1/complaints",
        api,
    )
    assert filed_a.status_code == 201, filed_a.json
    filed_b = api.post(
        "/api/v1/complaints",
        json={
            "seller": seller_b.public_id,
            "category": "contract_fulfillment",
            "narrative": "付款后一直没有发货，客服也不回复。",
            "contact": "13700001111",
        },
    )
    assert filed_b.status_code == 201, filed_b.json
    pending = api.post(
        "/api/v1/complaints",
        json={
            "seller": seller_a.public_id,
            "category": "contract_fulfillment",
            "narrative": "商家发来的链接要求我先付保证金才能退款。",
            "contact": "13600002222",
            "order_ref": "ORD-MATRIX-PENDING",
        },
    )
    assert pending.status_code == 201, pending.json
    escalated = multipart(
        {
            "seller": seller_b.public_id,
            "category": "after_sales",
            "narrative": "收到的耳机一边没有声音，商家说是人为损坏。",
            "contact": "13500003333",
        },
        [(PDF, "photo.pdf")],
        "/api/v1/complaints",
        api,
    )
    assert escalated.status_code == 201, escalated.json
    a, b, e = filed_a.json["data"], filed_b.json["data"], escalated.json["data"]
    mod = _bearer(tokens["moderator_token"])
    for cid in (a["id"], b["id"], e["id"]):
        assert api.post(f"/api/v1/complaints/{cid}/accept", json={}, headers=mod).status_code == 200
    replied = api.post(
        f"/api/v1/complaints/{a['id']}/reply",
        json={
            "reply": "已经联系顾客处理。",
            "response": "monetary_relief",
            "settlement": "7391.37",
        },
        headers=_bearer(tokens["merchant_a_token"]),
    )
    assert replied.status_code == 200, replied.json
    e_replied = api.post(
        f"/api/v1/complaints/{e['id']}/reply",
        json={"reply": "耳机是人为损坏，不予退换。"},
        headers=_bearer(tokens["merchant_b_token"]),
    )
    assert e_replied.status_code == 200, e_replied.json
    e_escalated = api.post(
        f"/api/v1/complaints/{e['id']}/escalate",
        json={"token": e["token"], "reason": "商家拒绝处理。"},
    )
    assert e_escalated.status_code == 200, e_escalated.json
    [evidence_e] = api.get(f"/api/v1/complaints/{e['id']}/evidence", headers=mod).json["data"]
    [evidence] = api.get(f"/api/v1/complaints/{a['id']}/evidence", headers=mod).json["data"]
    sanction = api.post(
        "/api/v1/sanctions",
        json=[
            {
                "seller": seller_a.public_id,
                "kind": "administrative_penalty",
                "decision_number": "杭市监罚〔2026〕9号",
                "authority": "杭州市市场监督管理局",
                "decided_on": "2026-01-05",
                "amount": 5000,
                "summary": "虚假宣传。",
                "external_ref": "P-MATRIX",
            }
        ],
        headers=_bearer(tokens["regulator_token"]),
    )
    assert sanction.status_code == 200, sanction.json
    event_a = sanction.json["data"][0]["event_id"]
    dispute = api.post(
        f"/api/v1/sellers/{seller_a.public_id}/disputes",
        json={"kind": "correction", "event_id": event_a, "statement": "该处罚针对的是同名分店。"},
        headers=_bearer(tokens["merchant_a_token"]),
    )
    assert dispute.status_code == 201, dispute.json
    subscription = api.post(
        "/api/v1/subscriptions",
        json={"url": "https://hooks.example/hook", "sellers": [seller_a.public_id]},
        headers=_bearer(tokens["platform_token"]),
    )
    assert subscription.status_code == 201, subscription.json
    refs = dict(
        session.execute(
            select(Complaint.public_id, Complaint.complainant_ref).where(
                Complaint.public_id.in_([a["id"], b["id"]])
            )
        ).all()
    )
    session.close()
    settle(app)
    jobs.issue_attestations(app)
    jobs.renew_attestations(app)
    values = {
        "seller_a": seller_a.public_id,
        "seller_b": seller_b.public_id,
        "code_a": code_a,
        "complaint_a": a["id"],
        "complaint_b": b["id"],
        "complaint_pending": pending.json["data"]["id"],
        "complaint_escalated": e["id"],
        "evidence_e": evidence_e["id"],
        "evidence_a": evidence["id"],
        "event_a": event_a,
        "dispute_a": dispute.json["data"]["id"],
        "subscription": subscription.json["data"]["id"],
        "secret": SECRET,
    }
    personas = {}
    for name in PERSONAS:
        client = app.test_client()
        headers, token = {}, ""
        if name in tokens:
            headers = _bearer(tokens[name])
        elif name in SESSIONS:
            assert sign_in(client, accounts[name]).status_code == 302, name
        elif name in (COMPLAINANT, OTHER_COMPLAINANT):
            filed = a if name == COMPLAINANT else b
            token = filed["token"]
            headers = {"X-Complaint-Token": token}
            _open_status(client, filed["id"], token)
            with client.session_transaction() as cookie:
                cookie["complainant"] = refs[filed["id"]]  # as a one-time code proves it
        personas[name] = Persona(name, client, headers, token, csrf(client, "/logout"))
    yield {"app": app, "values": values, "personas": personas, "api": api, "tokens": tokens}
    app.extensions["registry_db"].dispose()


def _open_status(client, public_id: str, token: str) -> None:
    url = f"/complaints/{public_id}/status"
    opened = client.post(
        url, data={"csrf_token": csrf(client, url), "action": "open", "token": token}
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)[:300]


# -- requests -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(text: str, values: dict, persona: Persona):
    """The text with the world's values; a whole placeholder keeps its value's type."""
    given = {**values, "token": persona.token}
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:
        return given[whole.group(1)]
    return _PLACEHOLDER.sub(lambda m: str(given[m.group(1)]), text)


def _send(world, case: Case, persona: Persona):
    values = world["values"]
    path = _fill(case.path, values, persona)
    body = {k: _fill(v, values, persona) if isinstance(v, str) else v for k, v in case.body.items()}
    kwargs: dict = {"headers": persona.headers}
    if case.method != "GET":
        if path.startswith("/api/"):
            kwargs["json"] = body
        else:
            kwargs["data"] = {"csrf_token": persona.csrf, **body}
    response = persona.client.open(path, method=case.method, **kwargs)
    response.get_data()  # read (and kept) before the file of a static answer is closed
    response.close()
    return response


_SENT_AWAY = ("/login", "/complaints/recover")


def refused(case: Case, response, marker: str | None) -> bool:
    """Whether *response* keeps the caller out: an error, a sign-in, or no private part."""
    if response.status_code in (302, 303):
        return urlsplit(response.headers["Location"]).path in _SENT_AWAY
    if marker is not None and response.status_code in (200, 400):
        return marker not in _text(response)
    return response.status_code in case.refused


def granted(case: Case, response, marker: str | None) -> bool:
    if response.status_code not in case.ok:
        return False
    return marker is None or marker in _text(response)


def _text(response) -> str:
    return response.get_data().decode("utf-8", "replace")


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
            path = urlsplit(_fill(case.path, world["values"], persona)).path
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
        _fill(case.marker, world["values"], world["personas"][COMPLAINANT]) if case.marker else None
    )
    wrong = []
    for name, persona in world["personas"].items():
        response = _send(world, case, persona)
        body = _text(response)
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
        _fill(case.marker, world["values"], world["personas"][COMPLAINANT]) if case.marker else None
    )
    wrong = []
    for name, persona in world["personas"].items():
        if name in case.audience:
            continue
        response = _send(world, case, persona)
        if not refused(case, response, marker):
            body = _text(response)[:160]
            wrong.append((name, response.status_code, response.headers.get("Location"), body))
    assert wrong == [], f"{case.method} {case.path}: {wrong}"


def test_the_parties_read_what_strangers_may_not(world):
    """The private parts the strangers are checked for are really on the parties' pages."""
    personas, a = world["personas"], world["values"]["complaint_a"]
    status = _text(personas[COMPLAINANT].client.get(f"/complaints/{a}/status"))
    assert SECRET in status and "7,391.4" in status  # (the pages show one decimal)
    desk = _text(personas["merchant_a"].client.get(f"/merchant/cases/{a}"))
    assert SECRET in desk and "ORD-MATRIX-1" in desk
    assert "7,391.4" in desk


def test_the_refused_writes_changed_nothing(world):
    """Complaint A is still answered and awaiting its complainant; nothing was decided."""
    api, values = world["api"], world["values"]
    a = api.get(f"/api/v1/complaints/{values['complaint_a']}").json["data"]
    assert a["status"] == "merchant_replied" and a["rebuttal"] is None and a["outcome"] is None
    b = api.get(f"/api/v1/complaints/{values['complaint_b']}").json["data"]
    assert b["status"] == "merchant_notified" and b["merchant_reply"] is None
    disputes = api.get("/api/v1/disputes", headers=_bearer(world["tokens"]["merchant_a_token"]))
    [dispute] = disputes.json["data"]
    assert dispute["status"] == "open"
    e = api.get(f"/api/v1/complaints/{values['complaint_escalated']}").json["data"]
    assert e["status"] == "escalated" and e["decision"] is None
