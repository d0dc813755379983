"""Dates and times in every API answer are ISO 8601, never Flask's default RFC 1123."""

from __future__ import annotations

import re
from datetime import datetime

from ..factories import make_seller, make_token
from .test_complaints_web import FORM

RFC_1123 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _times(body) -> list[str]:
    found = [s for s in _strings(body) if RFC_1123.match(s) or ISO_TIME.match(s)]
    assert found, "the answer has no date to check"
    return found


def test_complaint_answers_give_iso_8601_times(client, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    filed = client.post(
        "/api/v1/complaints",
        json={**FORM, "seller": seller.public_id, "narrative": "付款后一直没有发货，客服不回复。"},
    )
    assert filed.status_code == 201
    cid = filed.json["data"]["id"]
    answers = [
        client.get(f"/api/v1/complaints/{cid}").json,
        client.get(
            "/api/v1/moderation/queue", headers={"Authorization": f"Bearer {moderator}"}
        ).json,
        client.post(
            f"/api/v1/complaints/{cid}/accept",
            json={},
            headers={"Authorization": f"Bearer {moderator}"},
        ).json,
        client.get(f"/api/v1/sellers/{seller.public_id}").json,
    ]
    for body in answers:
        for text in _times(body):
            assert not RFC_1123.match(text), text
            assert datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset() is not None
