"""A complainant who chose "only the category and the outcome": no word of theirs (nor of
the answers to it) reaches any public projection — the profile, the API, the open data
exports, the search documents — while the category and the outcome do."""

from __future__ import annotations

import json

import pytest

from registry.complaints.service import ComplaintService
from registry.opendata.records import complaint_lines
from registry.privacy.gate import rescrub
from registry.read.profile import read_profile
from registry.read.search_docs import narrative_documents
from registry.trust.tokens import Principal

from ..factories import make_seller

MODERATOR = Principal(1, "mod", "moderator")
SHOWN, HIDDEN = "羽绒服掉毛严重公开词", "手机翻新机保密词语"
REPLY_HIDDEN = "商家答复保密词语"


@pytest.fixture
def world(app, session):
    seller = make_seller(session)
    service = ComplaintService(session, secret=app.config["DIGEST_SECRET"])
    made = {}
    for n, (word, consent) in enumerate(((SHOWN, True), (HIDDEN, False))):
        complaint, _ = service.file(
            {
                "seller": seller.public_id,
                "category": "false_advertising" if consent else "contract_fulfillment",
                "narrative": f"收到的商品问题：{word}，客服不处理。",
                "contact": f"1381234567{n}",
                "publish_narrative": consent,
            },
            f"client-{n}",
        )
        token = service.accept(complaint.id, MODERATOR)
        service.reply(complaint.id, REPLY_HIDDEN if not consent else "已处理。", token=token)
        made[consent] = complaint
    session.commit()
    return seller, made


def test_the_api_view_shows_category_and_outcome_only(client, world):
    _, made = world
    data = client.get(f"/api/v1/complaints/{made[False].public_id}").get_json()["data"]
    assert data["narrative"] is None and data["merchant_reply"] is None
    assert data["category"] == "contract_fulfillment" and data["narrative_shown"] is False
    assert HIDDEN not in json.dumps(data, ensure_ascii=False)
    shown = client.get(f"/api/v1/complaints/{made[True].public_id}").get_json()["data"]
    assert SHOWN in shown["narrative"]


def test_the_profile_page_and_its_read(app, client, world):
    seller, made = world
    html = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    assert SHOWN in html and HIDDEN not in html and REPLY_HIDDEN not in html
    profile = read_profile(app.extensions["registry_db"].engine, seller.public_id)
    texts = json.dumps([list(c) for c in profile.complaints], default=str, ensure_ascii=False)
    assert SHOWN in texts and HIDDEN not in texts and REPLY_HIDDEN not in texts


def test_the_open_data_export(session, world):
    text = b"".join(complaint_lines(session)).decode()
    assert SHOWN in text and HIDDEN not in text and REPLY_HIDDEN not in text
    assert "contract_fulfillment" in text  # the category is still published


def test_the_search_documents(session, world):
    seller, _ = world
    docs, _ = narrative_documents(session, [seller.id])
    texts = " ".join(d["text"] for d in docs)
    assert SHOWN in texts and HIDDEN not in texts


def test_a_rescrub_does_not_bring_the_words_back(session, world):
    seller, _ = world
    rescrub(session)
    session.commit()
    docs, _ = narrative_documents(session, [seller.id])
    assert HIDDEN not in " ".join(d["text"] for d in docs)
    assert HIDDEN not in b"".join(complaint_lines(session)).decode()


def test_the_consent_must_be_a_choice(app, session):
    from registry.core.errors import ValidationFailed

    seller = make_seller(session)
    service = ComplaintService(session, secret=app.config["DIGEST_SECRET"])
    with pytest.raises(ValidationFailed) as err:
        service.file(
            {
                "seller": seller.public_id,
                "category": "other",
                "narrative": "收到的商品和描述完全不一样。",
                "contact": "13812345670",
                "publish_narrative": "perhaps",
            },
            "c",
        )
    assert "publish_narrative" in err.value.details
