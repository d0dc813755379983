"""Every public surface, walked: no personal data a third party submitted can appear there,
no text of a complaint no moderator accepted, and no public GET writes.

Personal data is planted in complaint narratives (in every state), merchant replies, a
moderator's reasons and the summaries platforms and regulators send with events; then every
GET route of the app (found in its URL map, so a new route is walked too) is asked in both
languages, and the search routes are asked for each planted item.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from registry.complaints.service import ComplaintService
from registry.events.service import EventService
from registry.trust.tokens import Principal
from web import jobs

from ..factories import make_seller
from .helpers import settle

MODERATOR = Principal(1, "moderator", "moderator")
COMPLAINANT = "李小红"

# (what is planted, the forms that must never be readable). Each planted text is ordinary
# writing with the personal data inside it.
PLANTED = {
    "mobile": ("请打我电话13812345678。", ["13812345678"]),
    "mobile_grouped": ("手机 +86 139-2345-6789 随时", ["13923456789"]),
    "id_number": ("身份证号360426199101010071已提供", ["360426199101010071"]),
    "bank_card": ("退款请打到卡号6222021234567890128", ["6222021234567890128"]),
    "email": ("邮箱 li.xiaohong@example.com 联系", ["lixiaohongexamplecom"]),
    "wechat": ("加微信：wxid_lixh2024 详谈", ["wxidlixh2024"]),
    "landline": ("座机 0571-88886666 白天", ["057188886666"]),
    "complainant": (f"我叫{COMPLAINANT}，{COMPLAINANT[0]}女士就是我", [COMPLAINANT, "李女士"]),
    "complainant_pinyin": ("签名 Li Xiaohong", ["lixiaohong"]),
    "mobile_spaced": ("号码 1 3 6 . 0 0 0 2 . 2 2 2 2", ["13600022222"]),
    "mobile_numerals": ("手机一三五七七七八八九九九", ["一三五七七七八八九九九"]),
    "mobile_hidden": ("电话137\u200b0011\u200b2233", ["13700112233"]),
    "mobile_hk": ("香港号码 +852 9123 4567", ["91234567"]),
    "email_wide": ("邮箱 zhang.wei＠example．cn", ["zhangweiexamplecn"]),
    "email_spelled": ("mail wanggang at example dot com", ["wanggangexample"]),
    "alipay": ("支付宝：pay_lixh_2024", ["paylixh2024"]),
    "address": ("送到文三路138号4栋2单元501室", ["文三路138号", "2单元501室"]),
    "person": ("客服王建国说不退", ["王建国"]),
    "passport": ("护照号E12345678", ["e12345678"]),
    "ssn": ("My SSN is 123-45-6789.", ["123456789"]),
    "us_address": ("Ship to 1428 Elm Street, Springfield.", ["1428elmstreet"]),
}


def _fold(text: str) -> str:
    """Letters, digits and Han only, lower case: separators cannot hide a planted number."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", text)


# What only a text that knows the complainant's name can find (platforms send none).
NAMED_ONLY = {"complainant_pinyin"}
NEEDLES = {form: _fold(form) for _text, forms in PLANTED.values() for form in forms}


STATES = ("submitted", "rejected", "invalid", "replied", "closed")


def now() -> datetime:
    return datetime.now(UTC)


OPENINGS = (
    "双十一下单的蓝牙耳机，付款后商家一直不发货，客服也不回复，催了五次都说在安排。",
    "买的羽绒服收到后发现是旧款，和页面描述完全不一样，申请退货被拒绝，理由是已拆吊牌。",
    "预付了三百元定金订购沙发，约定十五天交货，现在过去两个月了，店铺电话打不通。",
    "手机壳质量很差，用了两天就裂了，商家说人为损坏不给换，还把我的评价删除了。",
    "充值的会员卡余额被清零，商家说系统升级，要求重新购买，之前的钱不退。",
)


def narrative(n: int, *keys: str) -> str:
    return OPENINGS[n] + "".join(PLANTED[k][0] + "。" for k in keys)


@pytest.fixture
def world(app, session):
    """A seller whose record holds planted personal data everywhere a stranger writes."""
    seller = make_seller(
        session,
        legal_name="杭州云帆数码科技有限公司",
        domains=["yunfan-shop.example"],
    )
    service = ComplaintService(session, secret=app.config["DIGEST_SECRET"])
    ids = {}
    everything = list(PLANTED)
    for n, state in enumerate(STATES):
        complaint, token = service.file(
            {
                "seller": seller.public_id,
                "category": "contract_fulfillment",
                "narrative": narrative(n, *everything[n :: len(STATES)]) + f"（第{n}次）",
                "complainant_name": COMPLAINANT,
                "contact": f"1391111222{n}",
                "order_ref": f"SO-{n}",
            },
            f"client-{n}",
        )
        if state == "rejected":
            service.reject(complaint.id, MODERATOR, "重复投诉。" + PLANTED["mobile"][0])
        elif state != "submitted":
            service.accept(complaint.id, MODERATOR)
        if state == "invalid":
            service.mark_invalid(complaint.id, MODERATOR, "经核实不实，" + PLANTED["email"][0])
        if state in ("replied", "closed"):
            service.reply(
                complaint.id,
                "已联系买家处理。" + PLANTED["wechat"][0] + PLANTED["complainant"][0],
                principal=Principal(2, "shop", "merchant", seller.id),
            )
        if state == "closed":
            service.confirm(complaint.id, token, True)
        ids[state] = complaint.public_id
    session.commit()
    # Every kind in every summary a platform or a regulator sends.
    summaries = [
        ("platform", "complaint", {"category": "contract_fulfillment"}, everything),
        ("platform", "fraud_report", {"category": "deposit_scam"}, everything),
        ("regulator", "fraud_report", {"verification": "regulator"}, everything),
        ("regulator", "sanction_minor_fine", {}, everything),
    ]
    for role, kind, extra, keys in summaries:
        results = list(
            EventService(session, f"{role}:feed", role).submit(
                [
                    {
                        "seller": seller.public_id,
                        "kind": kind,
                        "occurred_at": (now() - timedelta(days=3)).isoformat(),
                        "summary": "经查，杭州云帆数码科技有限公司"
                        + "".join(PLANTED[k][0] + "。" for k in keys if k not in NAMED_ONLY),
                        **extra,
                    }
                ]
            )
        )
        assert results[0].status == "created", results[0]
    session.commit()
    settle(app)
    jobs.issue_attestations(app)
    jobs.renew_attestations(app)
    return seller, ids


def _leaks(body: str, asked: str = "") -> list[str]:
    if asked:  # what the visitor typed comes back in the search box: that is no leak
        for form in (asked, quote(asked), quote(asked, safe="")):
            body = body.replace(form, "")
    folded = _fold(body)
    return [form for form, needle in NEEDLES.items() if needle in folded]


def _urls(app, seller, complaints) -> list[str]:
    """Every GET route of the app, its arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = set(rule.arguments)
        if not args:
            urls.append(rule.rule)
        elif args == {"public_id"}:
            ids = complaints.values() if "complaint" in rule.rule else [seller.public_id]
            urls += [rule.rule.replace("<public_id>", pid) for pid in ids]
        elif args == {"public_id", "evidence_id"}:  # a party's file: refused to the public
            urls += [
                rule.rule.replace("<public_id>", pid).replace("<evidence_id>", "ev-guess")
                for pid in complaints.values()
            ]
        else:
            pytest.fail(f"no way to fill in {rule.rule}: teach this walk about it")
    return urls


QUERIES = {
    "/search": "q",
    "/api/v1/sellers": "q",
    "/api/v1/reports": "q",
    "/api/v1/suggest": "q",
}


def test_no_planted_personal_data_on_any_public_route(app, client, world):
    seller, complaints = world
    found = []
    for url in _urls(app, seller, complaints):
        for lang in ("zh", "en"):
            response = client.get(url, query_string={"lang": lang})
            assert response.status_code < 500, url
            leaks = _leaks(response.get_data(as_text=True))
            found += [(url, lang, leak) for leak in leaks]
    for path, key in QUERIES.items():
        for form in NEEDLES:
            response = client.get(path, query_string={key: form})
            found += [(path, form, leak) for leak in _leaks(response.get_data(as_text=True), form)]
    assert found == [], "\n".join(map(str, found))


def test_every_public_route_was_walked(app, world):
    seller, complaints = world
    walked = {u.split("?")[0] for u in _urls(app, seller, complaints)}
    assert f"/sellers/{seller.public_id}" in walked
    assert f"/api/v1/complaints/{complaints['submitted']}" in walked
    assert {"/api/v1/reports", "/search", "/"} <= walked


@pytest.mark.parametrize("state", ["submitted", "rejected", "invalid"])
def test_a_complaint_no_moderator_accepted_shows_none_of_its_text(client, world, state):
    """The reproduction: the API returned the narrative before moderation and after rejection."""
    seller, complaints = world
    public_id = complaints[state]
    marker = f"（第{STATES.index(state)}次）"  # in this complaint's narrative only
    data = client.get(f"/api/v1/complaints/{public_id}").json["data"]
    assert data["narrative"] is None and data["merchant_reply"] is None
    for url in (f"/complaints/{public_id}", f"/sellers/{seller.public_id}"):
        for lang in ("zh", "en"):
            assert marker not in client.get(url, query_string={"lang": lang}).get_data(as_text=True)
    assert marker not in client.get("/api/v1/reports", query_string={"q": "不发货"}).get_data(
        as_text=True
    )


def test_accepted_complaints_and_summaries_are_public_once_scrubbed(client, world):
    seller, complaints = world
    data = client.get(f"/api/v1/complaints/{complaints['replied']}").json["data"]
    assert "手机壳" in data["narrative"] and "【银行卡号已隐去】" in data["narrative"]
    assert "已联系买家处理" in data["merchant_reply"]
    profile = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    assert "经查，杭州云帆数码科技有限公司" in profile  # the seller's own name is no person's
    assert "【银行卡号已隐去】" in profile


def _dump(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_no_public_get_writes(app, client, world):
    """Reads stay reads: a GET on any route changes nothing in the database."""
    seller, complaints = world
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    before = _dump(path)
    for url in _urls(app, seller, complaints):
        client.get(url)
        client.get(url, headers={"Referer": "https://yunfan-shop.example/item"})
    assert _dump(path) == before
