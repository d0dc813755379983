"""Alerts are derived from what committed, once, and survive a process dying in between."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.alerts import delivery, fanout
from registry.alerts.delivery import RetryPolicy
from registry.alerts.models import AlertEvent, Delivery
from registry.alerts.service import SubscriptionService
from registry.core.db import make_engine, session_factory, writer
from registry.core.sealing import ALERT_SECRETS, SecretBox
from registry.core.types import utcnow
from registry.events.service import EventService
from registry.scores.service import ScoreService
from registry.trust.tokens import TokenService

from ...factories import make_seller

BOX = SecretBox("test-key", ALERT_SECRETS)


@pytest.fixture
def db(app):
    return app.extensions["registry_db"]


def watch(db, *sellers, **filters):
    with db.writer() as s:
        token = TokenService(s).create(name="watcher", role="platform")[1]
        service = SubscriptionService(s, token.id, "platform:watcher", box=BOX, allow_private=True)
        refs = [seller.public_id for seller in sellers]
        sub, _secret = service.create(
            {"url": "http://127.0.0.1:9/hook", **({"sellers": refs} if refs else filters)}
        )
        s.commit()
        return sub


def submit(session, seller, role="regulator", **record):
    record = {
        "seller": seller.public_id,
        "occurred_at": (utcnow() - timedelta(days=1)).isoformat(),
        **record,
    }
    [result] = EventService(session, actor=f"{role}:test", role=role).submit([record])
    assert result.status == "created", result
    return result.event_id


def derived(db) -> list[AlertEvent]:
    with db.writer() as s:
        fanout.derive(s)
        s.commit()
    with db.reader() as s:
        return list(s.exec(select(AlertEvent).order_by(AlertEvent.id)).all())


def test_a_rolled_back_sanction_sends_nothing(db, session):
    seller = make_seller(session)
    watch(db, seller)
    with db.writer() as s:
        submit(s, seller, kind="licence_revoked")
        s.rollback()
    assert derived(db) == []


def test_a_committed_change_outlives_the_process_that_made_it(app, db, session):
    seller = make_seller(session)
    watch(db, seller)
    with db.writer() as s:
        submit(s, seller, kind="licence_revoked")
        s.commit()
    # Another process (a new engine) finds the change, and later another one sends it.
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with session_factory(writer(engine))() as s:
            assert fanout.derive(s) == 1
            s.commit()
        with session_factory(engine)() as s:
            [item] = delivery.due(s, utcnow())
        assert b'"type":"sanction"' in item.body
    finally:
        engine.dispose()


def test_a_run_that_died_before_its_commit_is_done_again_once(db, session):
    seller = make_seller(session)
    watch(db, seller)
    with db.writer() as s:
        submit(s, seller, kind="licence_revoked")
        s.commit()
    with db.writer() as s:
        assert fanout.derive(s) == 1
        s.rollback()  # killed before committing: the cursors did not move either
    assert len(derived(db)) == 1
    assert len(derived(db)) == 1  # and a further run adds nothing twice


def test_only_verified_fraud_reports_alert(db, session):
    seller = make_seller(session)
    watch(db, seller)
    with db.writer() as s:
        submit(s, seller, role="platform", kind="fraud_report", verification="unverified")
        verified = submit(s, seller, role="platform", kind="fraud_report", verification="platform")
        submit(s, seller, role="platform", kind="order", verification="platform")
        s.commit()
    [event] = derived(db)
    assert event.type == "fraud_report" and event.key == f"event:{verified}"
    assert event.payload["data"]["verification"] == "platform"


def test_a_grade_change_alerts_with_old_and_new_grade(db, session):
    seller = make_seller(session)
    with db.writer() as s:
        ScoreService(s).rescore([seller.id])
        s.commit()
    watch(db, seller)
    with db.writer() as s:
        submit(s, seller, kind="licence_revoked")
        s.commit()
    with db.writer() as s:
        ScoreService(s).rescore_changed()
        s.commit()
    events = {e.type: e for e in derived(db)}
    assert set(events) == {"sanction", "grade_changed"}
    grade = events["grade_changed"].payload["data"]
    assert grade["old_grade"] != grade["new_grade"] == "F"
    # A rescore that changes no grade alerts nothing.
    with db.writer() as s:
        ScoreService(s, now=utcnow() + timedelta(days=1)).rescore([seller.id], full=[seller.id])
        s.commit()
    assert len(derived(db)) == 2


def test_unwatched_sellers_make_no_alerts(db, session):
    watched, other = make_seller(session), make_seller(session)
    watch(db, watched)
    with db.writer() as s:
        submit(s, other, kind="licence_revoked")
        s.commit()
    assert derived(db) == []
    with db.reader() as s:
        assert s.exec(select(Delivery)).all() == []


def test_back_off_doubles_with_jitter_and_stops_after_the_window():
    policy = RetryPolicy(base_seconds=30, max_seconds=3600, rng=random.Random(7))
    made = now = utcnow()
    for attempts, ceiling in ((1, 30), (2, 60), (3, 120), (8, 3600), (12, 3600)):
        delay = (policy.next_attempt(attempts, made, now) - now).total_seconds()
        assert ceiling / 2 <= delay <= ceiling
    late = made + timedelta(hours=23, minutes=59)
    assert policy.next_attempt(12, made, late) is None


@pytest.mark.postgres
def test_alerts_on_postgresql(pg_engine):
    """The same path on the production database: derived once, rolled back never."""
    factory = session_factory(writer(pg_engine))
    with factory() as s:
        seller = make_seller(s)
        token = TokenService(s).create(name="pg watcher", role="platform")[1]
        service = SubscriptionService(s, token.id, "platform:pg", box=BOX, allow_private=True)
        service.create({"url": "http://127.0.0.1:9/hook", "sellers": [seller.public_id]})
        s.commit()
    with factory() as s:
        submit(s, seller, kind="trading_ban", external_ref="rolled-back")
        s.rollback()
    with factory() as s:
        submit(s, seller, kind="licence_revoked")
        s.commit()
    with factory() as s:
        assert fanout.derive(s) == 1
        s.commit()
    with factory() as s:
        assert fanout.derive(s) == 0
        [item] = delivery.due(s, utcnow())
        assert b'"kind":"licence_revoked"' in item.body


def test_a_revoked_tokens_subscriptions_get_nothing(db, session):
    seller = make_seller(session)
    sub = watch(db, seller)
    with db.writer() as s:
        submit(s, seller, kind="licence_revoked", external_ref="before")
        s.commit()
    assert len(derived(db)) == 1
    with db.writer() as s:
        TokenService(s).revoke(sub.token_id, "regulator:test")
        submit(s, seller, kind="trading_ban", external_ref="after")
        s.commit()
    assert len(derived(db)) == 1  # nothing new derived for it
    with db.reader() as s:
        assert delivery.due(s, utcnow()) == []  # and what was queued is not sent
