"""No source can change another source's record: idempotency keys belong to their submitter,
and only the source itself, or a regulator acting explicitly (and audited), changes a record."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.events.models import Event
from registry.journal.models import AuditEntry
from registry.scores.models import SellerScore

from ..factories import make_seller, make_token
from .helpers import settle

_refs = itertools.count(1)


def recent(days: int = 1) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def post(client, token, records):
    return client.post("/api/v1/events", json=records, headers={"Authorization": f"Bearer {token}"})


def patch(client, token, event_id, data):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(f"/api/v1/events/{event_id}", json=data, headers=headers)


def fraud_finding(seller, ref, **extra):
    return {
        "seller": seller.public_id,
        "kind": "fraud_report",
        "category": "deposit_scam",
        "verification": "regulator",
        "occurred_at": recent(),
        "external_ref": ref,
        **extra,
    }


def grade(session, seller) -> str:
    session.rollback()  # a new snapshot
    return session.get(SellerScore, seller.id).display_grade


def test_a_platform_cannot_rewrite_a_regulators_fraud_finding(app, client, session):
    """The reproduction: same external_ref and "resolution": "invalid" from a platform."""
    seller = make_seller(session)
    regulator, platform = make_token(session, "regulator"), make_token(session, "platform")
    created = post(client, regulator, [fraud_finding(seller, "CASE-1")])
    assert created.status_code == 200, created.json
    finding = created.json["data"][0]["event_id"]
    settle(app)
    assert grade(session, seller) == "F"

    forged = {
        "seller": seller.public_id,
        "kind": "fraud_report",
        "occurred_at": recent(),
        "external_ref": "CASE-1",
        "resolution": "invalid",
    }
    answer = post(client, platform, [forged])
    assert answer.status_code == 200
    assert answer.json["data"][0]["status"] == "created"  # the platform's own, separate record
    assert answer.json["data"][0]["event_id"] != finding
    settle(app)
    session.rollback()
    row = session.get(Event, finding)
    assert row.resolution is None and row.verification == "regulator"
    assert grade(session, seller) == "F"


def test_the_same_key_from_two_sources_is_two_records(client, session):
    seller = make_seller(session)
    a, b = make_token(session, "platform", "platform a"), make_token(session, "platform", "b")
    record = {
        "seller": seller.public_id,
        "kind": "late_shipment",
        "occurred_at": recent(),
        "external_ref": "ORDER-9",
    }
    first = post(client, a, [record]).json["data"][0]
    second = post(client, b, [record]).json["data"][0]
    again = post(client, a, [record]).json["data"][0]
    assert (first["status"], second["status"], again["status"]) == (
        "created",
        "created",
        "unchanged",
    )
    assert first["event_id"] != second["event_id"] and again["event_id"] == first["event_id"]


# Who recorded the event, who tries to change it, and whether it may.
ROLES = ("regulator", "other_regulator", "platform", "other_platform", "moderator", "merchant")
OWNERS = ("regulator", "platform")


@pytest.fixture
def tokens(session):
    seller = make_seller(session)
    out = {
        "regulator": make_token(session, "regulator", "regulator a"),
        "other_regulator": make_token(session, "regulator", "regulator b"),
        "platform": make_token(session, "platform", "platform a"),
        "other_platform": make_token(session, "platform", "platform b"),
        "moderator": make_token(session, "moderator"),
        "merchant": make_token(session, "merchant", seller_id=seller.id),
    }
    return seller, out


def _record(seller, owner, ref):
    if owner == "regulator":
        return fraud_finding(seller, ref)
    return {
        "seller": seller.public_id,
        "kind": "complaint",
        "category": "contract_fulfillment",
        "occurred_at": recent(),
        "external_ref": ref,
        "summary": "买家投诉未发货",
    }


@pytest.mark.parametrize("owner", OWNERS)
@pytest.mark.parametrize("actor", ROLES)
def test_a_resent_key_changes_only_the_senders_own_record(client, session, tokens, owner, actor):
    seller, token = tokens
    ref = f"R-{next(_refs)}"
    made = post(client, token[owner], [_record(seller, owner, ref)]).json["data"][0]
    assert made["status"] == "created"
    attempt = {**_record(seller, owner, ref), "resolution": "invalid", "summary": "已撤销"}
    if actor.endswith("platform"):
        attempt.pop("verification", None)  # a platform may not claim a regulator's finding
    answer = post(client, token[actor], [attempt])
    session.rollback()
    row = session.get(Event, made["event_id"])
    if actor == owner:
        assert answer.json["data"][0]["status"] == "updated"
        assert row.resolution == "invalid"
    else:
        assert row.resolution is None
        assert row.summary_original != "已撤销"
        if answer.status_code == 200:  # another source's own record, never this one
            assert answer.json["data"][0]["event_id"] != made["event_id"]
        else:
            assert answer.status_code in (401, 403, 422)


@pytest.mark.parametrize("owner", OWNERS)
@pytest.mark.parametrize("actor", (*ROLES, "anonymous"))
def test_only_the_source_or_a_regulator_with_a_reason_amends_a_record(
    client, session, tokens, owner, actor
):
    seller, token = tokens
    made = post(client, token[owner], [_record(seller, owner, f"A-{next(_refs)}")]).json
    event_id = made["data"][0]["event_id"]
    change = {"resolution": "invalid"}
    answer = patch(client, token.get(actor), event_id, change)
    session.rollback()
    row = session.get(Event, event_id)
    if actor == owner:
        assert answer.status_code == 200, answer.json
        assert row.resolution == "invalid"
        return
    assert row.resolution is None
    expected = {
        "anonymous": 401,
        "moderator": 403,
        "merchant": 403,
        "platform": 403,
        "other_platform": 403,
        "regulator": 422,  # another source's record: only with a reason
        "other_regulator": 422,
    }[actor]
    assert answer.status_code == expected, answer.json
    assert "error" in answer.json
    if actor.endswith("regulator"):
        explicit = patch(client, token[actor], event_id, {**change, "reason": "经复核，举报不实"})
        assert explicit.status_code == 200, explicit.json
        session.rollback()
        assert session.get(Event, event_id).resolution == "invalid"
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.entity == "event",
                AuditEntry.entity_id == str(event_id),
                AuditEntry.action == "event.amend",
            )
        ).scalar_one()
        _old, new = entry.values()
        assert new["reason"] == "经复核，举报不实" and new["resolution"] == "invalid"
        assert entry.actor.startswith("regulator:")


def test_a_complaints_event_is_changed_only_through_its_complaint(client, session, tokens):
    from registry.complaints.service import ComplaintService
    from registry.trust.tokens import Principal

    seller, token = tokens
    service = ComplaintService(session, secret="test-digest")
    complaint, _ = service.file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": "付款后一直不发货，客服也不回复。",
            "contact": "13800000000",
        },
        "client-1",
    )
    service.accept(complaint.id, Principal(1, "mod", "moderator"))
    session.commit()
    event_id = session.execute(
        select(Event.id).where(Event.complaint_id == complaint.id)
    ).scalar_one()
    answer = patch(client, token["regulator"], event_id, {"resolution": "invalid", "reason": "x"})
    assert answer.status_code == 409
    session.rollback()
    assert session.get(Event, event_id).resolution is None


def test_amend_refuses_unknown_fields_and_bad_values(client, session, tokens):
    seller, token = tokens
    made = post(client, token["platform"], [_record(seller, "platform", "B-1")]).json
    event_id = made["data"][0]["event_id"]
    for body in ({"seller_id": 1}, {"verification": "regulator"}, {"resolution": "gone"}):
        answer = patch(client, token["platform"], event_id, body)
        assert answer.status_code == 422, (body, answer.json)
    assert patch(client, token["platform"], 999_999, {"resolution": "invalid"}).status_code == 404
