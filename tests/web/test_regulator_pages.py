"""The regulator's desk: who may open each page, the queue of escalated complaints and its
filters, a case with everything attached, decisions through the API's service, the disputes
of the account's source, and the link to the unidentified sites."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from registry.accounts.models import Account
from registry.complaints.models import Complaint, ComplaintEvidence
from registry.disputes.models import Dispute
from registry.journal.models import AuditEntry

from ..factories import make_seller, make_token
from ..people import PASSWORD, csrf, make_account, sign_in
from .test_evidence import multipart

NARRATIVE = "我是张伟，付款后一直没有发货，电话13812345678，客服也不回复。"
REBUTTAL = "没有收到任何补发的包裹，快递单号查不到记录。"
SOURCE = "samr-hz"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


def _escalated(app, session, seller, address="192.0.2.150"):
    """A complaint with a photo, accepted, answered, rebutted, answered again, escalated."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    filed = multipart(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "13800138000",
            "complainant_name": "张伟",
        },
        [(_jpeg(), "receipt.jpg")],
        "/api/v1/complaints",
        client,
    )
    assert filed.status_code == 201, filed.json
    data = filed.json["data"]
    cid, token = data["id"], data["token"]
    moderator = make_token(session, "moderator")
    shop = make_token(session, "merchant", seller_id=seller.id)
    assert (
        client.post(f"/api/v1/complaints/{cid}/accept", headers=auth(moderator)).status_code == 200
    )
    steps = [
        ("reply", {"reply": "已经补发，快递单号SF123。", "response": "explanation"}, shop),
        ("rebut", {"token": token, "rebuttal": REBUTTAL}, None),
        ("reply", {"reply": "补发的包裹已签收。", "response": "explanation"}, shop),
        ("escalate", {"token": token, "reason": "商家答复不实。"}, None),
    ]
    for action, body, bearer in steps:
        answer = client.post(
            f"/api/v1/complaints/{cid}/{action}",
            json=body,
            headers=auth(bearer) if bearer else {},
        )
        assert answer.status_code == 200, (action, answer.json)
    return cid, token


@pytest.fixture
def world(app, session):
    seller = make_seller(session, legal_name="杭州拾光数码有限公司")
    complaint, token = _escalated(app, session, seller)
    # The regulator SOURCE listed a penalty; the seller's merchant asks for a credit repair.
    regulator_token = make_token(session, "regulator", name=SOURCE)
    client = app.test_client()
    recorded = client.post(
        "/api/v1/sanctions",
        json=[
            {
                "seller": seller.public_id,
                "kind": "administrative_penalty",
                "decision_number": "杭市监罚〔2026〕7号",
                "authority": "杭州市市场监督管理局",
                "decided_on": (datetime.now(UTC) - timedelta(days=30)).date().isoformat(),
                "amount": 150000,
                "summary": "销售假冒商品。",
                "external_ref": "P-7",
            }
        ],
        headers=auth(regulator_token),
    )
    assert recorded.status_code == 200, recorded.json
    event_id = recorded.json["data"][0]["event_id"]
    shop = make_token(session, "merchant", seller_id=seller.id)
    filed = client.post(
        f"/api/v1/sellers/{seller.public_id}/disputes",
        json={
            "kind": "credit_repair",
            "event_id": event_id,
            "statement": "罚款已全部缴纳，整改已完成，申请信用修复。",
        },
        headers=auth(shop),
    )
    assert filed.status_code == 201, filed.json
    people = {
        "merchant": make_account(session, "merchant", seller_ids=[seller.id]),
        "moderator": make_account(session, "moderator"),
        "regulator": make_account(session, "regulator"),
        "no_source": make_account(session, "regulator"),
        "other_source": make_account(session, "regulator"),
    }
    from registry.accounts.service import AccountService

    accounts = AccountService(session)
    accounts.set_source(people["regulator"], SOURCE, "test")
    accounts.set_source(people["other_source"], "another-bureau", "test")
    session.commit()
    return {
        "seller": seller,
        "complaint": complaint,
        "token": token,
        "dispute": filed.json["data"]["id"],
        "people": people,
    }


def _client_as(app, world, who):
    client = app.test_client()
    if who == "anonymous":
        return client
    if who == "consumer":  # the complainant, with their private link opened
        path = f"/complaints/{world['complaint']}/status"
        opened = client.post(
            path, data={"action": "open", "token": world["token"], "csrf_token": csrf(client, path)}
        )
        assert opened.status_code == 303
        return client
    assert sign_in(client, world["people"][who]).status_code == 302
    return client


ROUTES = [
    ("GET", "/regulator"),
    ("GET", "/regulator/cases/{c}"),
    ("POST", "/regulator/cases/{c}/decision"),
    ("GET", "/regulator/disputes"),
    ("POST", "/regulator/disputes/{d}/decision"),
]
PEOPLE = [
    "anonymous",
    "consumer",
    "merchant",
    "moderator",
    "regulator",
    "no_source",
    "other_source",
]


@pytest.mark.parametrize("method,path", ROUTES)
@pytest.mark.parametrize("who", PEOPLE)
def test_every_desk_route_by_role(app, world, method, path, who):
    client = _client_as(app, world, who)
    url = path.format(c=world["complaint"], d=world["dispute"])
    if method == "GET":
        response = client.get(url)
    else:  # a form with its CSRF token and nothing else: refused as incomplete
        response = client.post(url, data={"csrf_token": csrf(client, "/login")})
    if who in ("anonymous", "consumer"):
        assert response.status_code == 302, (who, url, response.status_code)
        assert "/login" in response.headers["Location"]
    elif who in ("merchant", "moderator"):
        assert response.status_code == 403, (who, url, response.status_code)
    else:
        assert response.status_code == (200 if method == "GET" else 400), (who, url)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "who,expected", [("regulator", 303), ("no_source", 403), ("other_source", 403)]
)
def test_only_the_records_source_decides_its_dispute(app, world, session, who, expected):
    client = _client_as(app, world, who)
    response = client.post(
        f"/regulator/disputes/{world['dispute']}/decision?lang=en",
        data={
            "csrf_token": csrf(client, "/regulator/disputes"),
            "outcome": "granted",
            "reason": "已核实罚款缴纳凭证，准予信用修复。",
        },
    )
    assert response.status_code == expected
    session.expire_all()
    row = session.execute(select(Dispute).where(Dispute.public_id == world["dispute"])).scalar_one()
    if expected == 303:
        assert row.status == "granted"
        assert row.decided_by == f"user:{world['people']['regulator'].id}"
        actors = session.execute(
            select(AuditEntry.actor).where(AuditEntry.action == "dispute.decide")
        ).scalars()
        assert list(actors) == [f"user:{world['people']['regulator'].id}"]
    else:
        assert row.status == "open"
        assert "This is not allowed." in response.get_data(as_text=True)


def test_the_sources_queue_lists_its_dispute_and_others_see_none(app, world):
    mine = _client_as(app, world, "regulator").get("/regulator/disputes?lang=en")
    assert f'id="dispute-{world["dispute"]}"' in mine.get_data(as_text=True)
    assert "罚款已全部缴纳" in mine.get_data(as_text=True)
    other = _client_as(app, world, "other_source").get("/regulator/disputes?lang=en")
    assert world["dispute"] not in other.get_data(as_text=True)


def test_an_account_without_a_source_is_told_why_it_sees_no_dispute(app, world):
    client = _client_as(app, world, "no_source")
    page = client.get("/regulator/disputes?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="no-source"' in html
    assert "decides for no source" in html and world["dispute"] not in html
    # ...and still sees the escalated complaints.
    queue = client.get("/regulator")
    assert world["complaint"] in queue.get_data(as_text=True)


def test_a_wrong_outcome_for_the_kind_is_a_localised_422(app, world, session):
    client = _client_as(app, world, "regulator")
    response = client.post(
        f"/regulator/disputes/{world['dispute']}/decision?lang=zh",
        data={
            "csrf_token": csrf(client, "/regulator/disputes"),
            "outcome": "withdrawn",  # a correction's outcome; this is a credit repair
            "reason": "理由",
        },
    )
    assert response.status_code == 422
    assert "部分内容需要更正" in response.get_data(as_text=True)
    session.expire_all()
    assert (
        session.execute(
            select(Dispute.status).where(Dispute.public_id == world["dispute"])
        ).scalar_one()
        == "open"
    )


def test_the_queue_lists_the_case_oldest_first_with_its_filters(app, world, session):
    other = make_seller(session, legal_name="宁波晨曦家居有限公司")
    later, _ = _escalated(app, session, other, address="192.0.2.151")
    client = _client_as(app, world, "regulator")
    html = client.get("/regulator?lang=en").get_data(as_text=True)
    assert html.index(world["complaint"]) < html.index(later)  # the longest waiting first
    assert "杭州拾光数码有限公司" in html
    assert url_for_sites() in html  # the unidentified sites, from the desk
    by_seller = client.get(f"/regulator?seller={other.public_id}").get_data(as_text=True)
    assert later in by_seller and world["complaint"] not in by_seller
    unknown = client.get("/regulator?seller=s-nobody").get_data(as_text=True)
    assert world["complaint"] not in unknown
    waited = client.get("/regulator?age=3").get_data(as_text=True)  # escalated just now
    assert world["complaint"] not in waited and later not in waited
    # Escalated four days ago, the first case is listed by age again.
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    row.escalated_at = datetime.now(UTC) - timedelta(days=4)
    session.commit()
    waited = client.get("/regulator?age=3").get_data(as_text=True)
    assert world["complaint"] in waited and later not in waited


def url_for_sites() -> str:
    return 'href="/ops/sites"'


@pytest.mark.parametrize(
    "query,status",
    [("age=x", 422), ("age=-1", 422), ("age=99999", 422), ("page=0", 422), ("page=9", 404)],
)
def test_bad_queue_arguments_are_localised_4xx_pages(app, world, query, status):
    client = _client_as(app, world, "regulator")
    response = client.get(f"/regulator?{query}&lang=zh")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "Traceback" not in html


def test_the_case_has_everything_attached(app, world, session):
    client = _client_as(app, world, "regulator")
    page = client.get(f"/regulator/cases/{world['complaint']}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "13812345678" in html  # the consumer's words as typed (regulators read them)
    assert "【电话已隐去】" in html  # beside the public text
    assert "13800138000" in html  # the contact given at filing
    assert "已经补发，快递单号SF123" in html and "补发的包裹已签收" in html  # the answers
    assert REBUTTAL in html and "商家答复不实" in html
    steps = re.findall(r"<li><time>", html.split('id="timeline"')[1].split("</ol>")[0])
    assert len(steps) == 6  # filed, accepted, replied, rebutted, answered, escalated
    [evidence_id] = session.execute(select(ComplaintEvidence.public_id)).scalars()
    link = f"/complaints/{world['complaint']}/evidence/{evidence_id}"
    assert f'href="{link}"' in html
    assert 'id="decision-form"' in html
    download = client.get(link)  # the case is escalated: the regulator opens the file
    assert download.status_code == 200 and download.data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")


def test_a_complaint_never_escalated_is_not_on_the_desk(app, world, session):
    from ..registry.complaints.helpers import accepted

    complaint, _, _ = accepted(session, world["seller"], contact="13900009999")
    client = _client_as(app, world, "regulator")
    assert client.get(f"/regulator/cases/{complaint.public_id}").status_code == 404
    assert client.get("/regulator/cases/c-nothing?lang=zh").status_code == 404


def test_the_decision_from_the_page_is_the_apis_and_is_published(app, world, session):
    client = _client_as(app, world, "regulator")
    url = f"/regulator/cases/{world['complaint']}"
    response = client.post(
        url + "/decision",
        data={
            "csrf_token": csrf(client, url),
            "decision": "upheld",
            "reason": "商家未能证明已发货。",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert (row.status, row.decision, row.outcome) == ("closed", "upheld", "regulator_upheld")
    assert row.decided_by == f"user:{world['people']['regulator'].id}"
    public = app.test_client().get(f"/api/v1/complaints/{world['complaint']}").json["data"]
    assert public["decision_reason"] == "商家未能证明已发货。"
    after = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Regulator upheld the complaint" in after and 'id="decision-form"' not in after
    assert "Your decision is published" in after
    # Twice is refused with the stage's words, never a 500.
    again = client.post(
        url + "/decision?lang=zh",
        data={"csrf_token": csrf(client, url), "decision": "dismissed", "reason": "再次"},
    )
    assert again.status_code == 409 and 'lang="zh-CN"' in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "pardoned", "reason": "理由"},
        {"decision": "upheld", "reason": ""},
        {"decision": "upheld", "reason": "长" * 1001},
        {"decision": "", "reason": "理由"},
    ],
)
def test_bad_decisions_are_a_400_page_and_change_nothing(app, world, session, data):
    client = _client_as(app, world, "regulator")
    url = f"/regulator/cases/{world['complaint']}"
    response = client.post(
        url + "/decision?lang=zh", data={"csrf_token": csrf(client, url), **data}
    )
    assert response.status_code == 400
    assert 'lang="zh-CN"' in response.get_data(as_text=True)
    session.expire_all()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert row.status == "escalated"


@pytest.mark.parametrize(
    "path", ["/regulator/cases/{c}/decision", "/regulator/disputes/{d}/decision"]
)
def test_a_form_without_its_csrf_token_is_refused(app, world, session, path):
    client = _client_as(app, world, "regulator")
    url = path.format(c=world["complaint"], d=world["dispute"])
    response = client.post(
        url + "?lang=en",
        data={"decision": "upheld", "outcome": "granted", "reason": "理由充分的决定。"},
    )
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    session.expire_all()
    assert (
        session.execute(
            select(Complaint.status).where(Complaint.public_id == world["complaint"])
        ).scalar_one()
        == "escalated"
    )


def test_the_unidentified_sites_open_to_a_signed_in_regulator_only(app, world):
    assert _client_as(app, world, "regulator").get("/ops/sites").status_code == 200
    assert _client_as(app, world, "moderator").get("/ops/sites").status_code == 403
    assert _client_as(app, world, "merchant").get("/ops/sites").status_code == 403
    assert _client_as(app, world, "anonymous").get("/ops/sites").status_code == 401


def test_the_cli_gives_a_regulator_its_source(app, session, runner):
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "regulator",
            "--email",
            "r@example.org",
            "--source",
            "samr-nb",
        ],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    assert "regulator:samr-nb" in made.output
    moved = runner.invoke(args=["users", "source", "r@example.org", "regulator:samr-zj"])
    assert moved.exit_code == 0, moved.output
    session.expire_all()
    account = session.execute(select(Account).where(Account.email == "r@example.org")).scalar_one()
    assert account.source == "regulator:samr-zj"
    listed = runner.invoke(args=["users", "list"])
    assert "regulator:samr-zj" in listed.output
    refused = runner.invoke(
        args=["users", "create", "--role", "merchant", "--email", "m@example.org", "--source", "x"],
        input=PASSWORD + "\n",
    )
    assert refused.exit_code != 0 and "source" in refused.output
    assert runner.invoke(args=["users", "source", "nobody@example.org", "x"]).exit_code != 0


def test_a_case_whose_private_words_were_deleted_says_so(app, world, session):
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    row.narrative_original = ""  # as the retention job leaves it
    session.commit()
    client = _client_as(app, world, "regulator")
    html = client.get(f"/regulator/cases/{world['complaint']}?lang=en").get_data(as_text=True)
    assert 'id="original-deleted"' in html and "【电话已隐去】" in html
