"""Feeds apply their body through the push route's service, as their own source."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from registry.core.errors import Conflict, ValidationFailed
from registry.events.models import Event, Sanction
from registry.feeds import KINDS, FeedService

from ...factories import make_seller


def test_every_kind_names_its_roles_and_service():
    assert set(KINDS) >= {"registrations", "events", "sanctions", "fraud-reports", "fulfillment"}
    for kind in KINDS.values():
        assert kind.roles and callable(kind.apply)


def test_an_events_feed_is_applied_as_its_source(session):
    seller = make_seller(session)
    service = FeedService(session)
    feed = service.add("shop-feed", "https://feeds.example/e.jsonl", "events", "jsonl", "platform")
    lines = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "occurred_at": "2026-11-30T10:00:00+00:00",
            "external_ref": "o-1",
        },
        {"seller": "s-nobody", "kind": "order", "occurred_at": "2026-11-30T10:00:00+00:00"},
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    counts = service.apply(feed, body, None)
    assert (counts["created"], counts["rejected"]) == (1, 1)
    assert counts["errors"][0]["line"] == 2
    event = session.execute(select(Event).where(Event.external_ref == "o-1")).scalar_one()
    assert event.source == "platform:shop-feed"
    # The same body again changes nothing: idempotent by (source, external_ref).
    assert service.apply(feed, body, None)["created"] == 0


def test_a_feed_name_is_taken_once(session):
    service = FeedService(session)
    service.add("dup", "https://feeds.example/a.csv", "registrations", "csv", "regulator")
    with pytest.raises(Conflict):
        service.add("dup", "https://feeds.example/b.csv", "registrations", "csv", "regulator")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("Bad Name", "https://f.example/a", "events", "csv", "platform"), "name"),
        (("ok", "ftp://f.example/a", "events", "csv", "platform"), "url"),
        (("ok", "https://u:p@f.example/a", "events", "csv", "platform"), "url"),
        (("ok", "https://f.example/a", "events", "xml", "platform"), "format"),
        (("ok", "https://f.example/a", "events", "csv", "moderator"), "token_role"),
    ],
)
def test_a_bad_feed_is_refused_naming_the_field(session, args, field):
    with pytest.raises(ValidationFailed) as caught:
        FeedService(session).add(*args)
    assert field in caught.value.details


def test_a_sanctions_feed_applies_a_regulators_csv(session):
    seller = make_seller(session)
    service = FeedService(session)
    feed = service.add("samr", "https://feeds.example/s.csv", "sanctions", "csv", "regulator")
    body = (
        "seller,kind,decision_number,authority,decided_on,amount,summary,external_ref\n"
        f"{seller.public_id},administrative_penalty,杭市监罚〔2026〕1号,杭州市市场监督管理局,"
        "2026-10-12,50000,虚假宣传,p-1\n"
        "s-nobody,administrative_penalty,杭市监罚〔2026〕2号,杭州市市场监督管理局,"
        "2026-10-12,50000,虚假宣传,p-2\n"
    ).encode("gb18030")
    counts = service.apply(feed, body, None)
    assert (counts["created"], counts["rejected"]) == (1, 1)
    assert counts["errors"][0]["line"] == 3
    found = session.execute(select(Sanction).where(Sanction.external_ref == "p-1")).scalar_one()
    event = session.get(Event, found.event_id)
    assert event.source == "regulator:samr" and event.seller_id == seller.id
    assert service.apply(feed, body, None)["created"] == 0


def test_a_fulfillment_feed_applies_daily_aggregates(session):
    seller = make_seller(session)
    service = FeedService(session)
    feed = service.add(
        "shop-days", "https://feeds.example/d.jsonl", "fulfillment", "jsonl", "platform"
    )
    day = {"seller": seller.public_id, "day": "2026-11-30", "orders": 120, "late_shipments": 3}
    lines = [{**day, "external_ref": "d-1"}, {**day, "orders": -1, "external_ref": "d-2"}]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    counts = service.apply(feed, body, None)
    assert (counts["created"], counts["rejected"]) == (1, 1)
    assert counts["errors"][0]["line"] == 2
    assert service.apply(feed, body, None)["created"] == 0
