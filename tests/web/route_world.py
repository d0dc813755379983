"""The route matrix's world: its personas, the vocabulary of audiences, and one seeded
registry (``seed``) with a client for each persona.

The personas (``route_audiences`` names who of them may use each route):

- ``anonymous``: nobody signed in, no token;
- ``complainant``: complaint A's private token (in ``X-Complaint-Token``, a form or a JSON
  body), its status page opened with it, its contact proved; ``other_complainant``: the same
  for complaint B (about seller B);
- ``merchant_a`` / ``merchant_b``: merchant staff of seller A / B, signed in;
  ``merchant_a_token`` / ``merchant_b_token``: a merchant token of seller A / B;
- ``reply_link_b``: the merchant's one-time reply link of complaint B (in a form, a JSON
  body or ``X-Complaint-Token``), nobody signed in: complaint B's reply page, its answer and
  its evidence, nothing of complaint A and no private page;
- ``moderator`` / ``regulator``: signed in with their second factor (the regulator account
  decides for the source the regulator token submits as); ``moderator_token`` /
  ``regulator_token`` / ``platform_token``: API tokens of those roles.

The records: seller A with complaint A (evidence attached at filing, accepted, answered by
A's merchant token with a settlement offer; its complainant chose not to publish the
account) and a complaint still in moderation; seller B with complaint B (accepted, awaiting
its answer) and an escalated complaint with a file; a sanction of A recorded by the
regulator token and disputed by A's merchant; a subscription of the platform token. Each
persona has its own client and a CSRF token of its session, so that a refused form is
refused for who is asking, not for a missing CSRF token.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from registry.accounts.service import AccountService
from registry.complaints.models import Complaint
from web import jobs

from ..factories import make_seller, make_token, new_code
from ..people import csrf, make_account, sign_in
from .helpers import settle
from .test_evidence import PDF, multipart, png

ANONYMOUS = "anonymous"
COMPLAINANT, OTHER_COMPLAINANT = "complainant", "other_complainant"
MERCHANT_A, MERCHANT_B = "merchant_a", "merchant_b"
MERCHANT_A_TOKEN, MERCHANT_B_TOKEN = "merchant_a_token", "merchant_b_token"
REPLY_LINK_B = "reply_link_b"
MODERATOR, MODERATOR_TOKEN = "moderator", "moderator_token"
REGULATOR, REGULATOR_TOKEN = "regulator", "regulator_token"
PLATFORM_TOKEN = "platform_token"

PERSONAS = (
    ANONYMOUS,
    COMPLAINANT,
    OTHER_COMPLAINANT,
    MERCHANT_A,
    MERCHANT_B,
    MERCHANT_A_TOKEN,
    MERCHANT_B_TOKEN,
    REPLY_LINK_B,
    MODERATOR,
    MODERATOR_TOKEN,
    REGULATOR,
    REGULATOR_TOKEN,
    PLATFORM_TOKEN,
)
SESSIONS = frozenset({MERCHANT_A, MERCHANT_B, MODERATOR, REGULATOR})
TOKENS = frozenset(
    {MERCHANT_A_TOKEN, MERCHANT_B_TOKEN, MODERATOR_TOKEN, REGULATOR_TOKEN, PLATFORM_TOKEN}
)
#: who knows nothing private of complaint A: no party to it, no moderator, no regulator
STRANGERS = frozenset(
    {ANONYMOUS, OTHER_COMPLAINANT, MERCHANT_B, MERCHANT_B_TOKEN, REPLY_LINK_B, PLATFORM_TOKEN}
)

PUBLIC = frozenset(PERSONAS)
SIGNED_IN = SESSIONS
ANY_TOKEN = TOKENS
NOBODY: frozenset[str] = frozenset()


def only(*names: str) -> frozenset[str]:
    return frozenset(names)


#: a form with the token in its fields refuses by answering again, without a redirect
FORM_REFUSED = (200, 400, 401, 403, 404)


@dataclass(frozen=True)
class Case:
    """One request of an endpoint: who may make it, and what they get."""

    method: str
    path: str
    audience: frozenset[str]
    ok: tuple[int, ...] = (200,)
    #: a JSON body (API) or form fields (pages); "{token}" is the persona's complaint token
    body: dict = field(default_factory=dict)
    marker: str | None = None
    #: the answers that refuse (a form that takes a token in its fields answers again)
    refused: tuple[int, ...] = (401, 403, 404)
    #: a POST that only reads (a download through a form): the audience is checked too
    reads: bool = False
    #: files sent as ``evidence`` in a multipart body (with ``body`` as its fields)
    files: tuple[tuple[bytes, str], ...] = ()


#: one small photo, for the cases that upload
PHOTO = ((png(), "photo.png"),)


def get(path: str, audience: frozenset[str], **kw) -> Case:
    return Case("GET", path, audience, **kw)


def post(path: str, audience: frozenset[str], **kw) -> Case:
    return Case("POST", path, audience, **kw)


SOURCE = "matrix-bureau"
SECRET = "我家楼下的快递柜编号是九五二七号"
CONTACT = "13955558888"
NAME = "欧阳秘密"
#: what no stranger to complaint A may read anywhere (nor the pending complaint's order,
#: and the settlement offered, which only the parties read)
PRIVATE = (SECRET, CONTACT, NAME, "ORD-MATRIX-1", "ORD-MATRIX-PENDING", "7391.37", "7,391.37")


@dataclass
class Persona:
    name: str
    client: object
    headers: dict
    token: str  # a complaint's private token ("" for those who hold none)
    csrf: str


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def seed(app) -> dict:
    """Seed *app*'s registry and sign every persona in: the world the tests share."""
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
    mod = bearer(tokens["moderator_token"])
    for cid in (a["id"], b["id"], e["id"]):
        assert api.post(f"/api/v1/complaints/{cid}/accept", json={}, headers=mod).status_code == 200
    # complaint B's reply link, as the merchant is sent it (a new one: the first is void)
    link_b = api.post(f"/api/v1/complaints/{b['id']}/reply-link", json={}, headers=mod)
    assert link_b.status_code == 200, link_b.json
    reply_token_b = link_b.json["data"]["reply_url"].partition("#token=")[2]
    assert reply_token_b
    replied = api.post(
        f"/api/v1/complaints/{a['id']}/reply",
        json={
            "reply": "已经联系顾客处理。",
            "response": "monetary_relief",
            "settlement": "7391.37",
        },
        headers=bearer(tokens["merchant_a_token"]),
    )
    assert replied.status_code == 200, replied.json
    e_replied = api.post(
        f"/api/v1/complaints/{e['id']}/reply",
        json={"reply": "耳机是人为损坏，不予退换。"},
        headers=bearer(tokens["merchant_b_token"]),
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
        headers=bearer(tokens["regulator_token"]),
    )
    assert sanction.status_code == 200, sanction.json
    event_a = sanction.json["data"][0]["event_id"]
    dispute = api.post(
        f"/api/v1/sellers/{seller_a.public_id}/disputes",
        json={"kind": "correction", "event_id": event_a, "statement": "该处罚针对的是同名分店。"},
        headers=bearer(tokens["merchant_a_token"]),
    )
    assert dispute.status_code == 201, dispute.json
    subscription = api.post(
        "/api/v1/subscriptions",
        json={"url": "https://hooks.example/hook", "sellers": [seller_a.public_id]},
        headers=bearer(tokens["platform_token"]),
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
            headers = bearer(tokens[name])
        elif name in SESSIONS:
            assert sign_in(client, accounts[name]).status_code == 302, name
        elif name in (COMPLAINANT, OTHER_COMPLAINANT):
            filed = a if name == COMPLAINANT else b
            token = filed["token"]
            headers = {"X-Complaint-Token": token}
            _open_status(client, filed["id"], token)
            with client.session_transaction() as cookie:
                cookie["complainant"] = refs[filed["id"]]  # as a one-time code proves it
        elif name == REPLY_LINK_B:
            token = reply_token_b
            headers = {"X-Complaint-Token": token}
        personas[name] = Persona(name, client, headers, token, csrf(client, "/logout"))
    return {"app": app, "values": values, "personas": personas, "api": api, "tokens": tokens}


def _open_status(client, public_id: str, token: str) -> None:
    url = f"/complaints/{public_id}/status"
    opened = client.post(
        url, data={"csrf_token": csrf(client, url), "action": "open", "token": token}
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)[:300]


# -- requests -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: dict, persona: Persona):
    """The text with the world's values; a whole placeholder keeps its value's type."""
    given = {**values, "token": persona.token}
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:
        return given[whole.group(1)]
    return _PLACEHOLDER.sub(lambda m: str(given[m.group(1)]), text)


def send(world, case: Case, persona: Persona):
    values = world["values"]
    path = fill(case.path, values, persona)
    body = {k: fill(v, values, persona) if isinstance(v, str) else v for k, v in case.body.items()}
    kwargs: dict = {"headers": persona.headers}
    if case.files:
        api = path.startswith("/api/")
        fields = MultiDict(body if api else {"csrf_token": persona.csrf, **body})
        for data, name in case.files:
            fields.add("evidence", FileStorage(io.BytesIO(data), filename=name))
        boundary, kwargs["data"] = encode_multipart(fields)
        kwargs["content_type"] = f"multipart/form-data; boundary={boundary}"
    elif case.method != "GET":
        if path.startswith("/api/"):
            kwargs["json"] = body
        else:
            kwargs["data"] = {"csrf_token": persona.csrf, **body}
    response = persona.client.open(path, method=case.method, **kwargs)
    response.get_data()  # read (and kept) before the file of a static answer is closed
    response.close()
    return response


def text(response) -> str:
    return response.get_data().decode("utf-8", "replace")
