"""The badge's prepared facts query reads exactly what the ORM reads, seller by seller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.core.db import session_factory
from registry.core.errors import NotFound
from registry.events.service import EventService
from registry.read.badges import BadgeFacts, FactsCache, FactsReader, badge_facts, read_facts
from registry.read.display import ALARM_CAPS
from registry.registration.models import BOUND_STATES, Domain, Seller
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService

from ...factories import make_seller

NOW = datetime.now(UTC)


def orm_badge_facts(session, public_id: str) -> BadgeFacts:
    """The facts as the ORM loads them: the reference the prepared statement must match."""
    row = session.execute(
        select(
            Seller.id,
            Seller.public_id,
            Seller.legal_name,
            Seller.version,
            SellerScore.display_grade,
            SellerScore.value,
            SellerScore.verified,
            SellerScore.caps,
            SellerScore.computed_at,
        )
        .outerjoin(SellerScore, SellerScore.seller_id == Seller.id)
        .where(Seller.public_id == public_id)
    ).first()
    if row is None:
        raise NotFound(public_id)
    sid, pid, name, version, grade, value, verified, caps, computed_at = row
    domains = tuple(
        session.execute(
            select(Domain.domain)
            .where(Domain.seller_id == sid, Domain.state.in_(BOUND_STATES))
            .order_by(Domain.domain)
        ).scalars()
    )
    alarms = tuple(sorted({c["reason"] for c in caps or [] if c["reason"] in ALARM_CAPS}))
    stamp = "|".join(
        map(
            str,
            (
                version,
                grade,
                round(value or 0, 1),
                verified,
                alarms,
                domains,
                computed_at is not None,
            ),
        )
    )
    return BadgeFacts(
        pid, name, grade or "NR", value, bool(verified), alarms, domains, stamp, seller_id=sid
    )


def rescore(session) -> None:
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()


def add_domains(session, seller, states: dict[str, str]) -> None:
    for domain, state in states.items():
        session.add(Domain(seller_id=seller.id, domain=domain, state=state, created_at=NOW))
    session.commit()


def all_three(session, public_id: str) -> tuple[BadgeFacts, BadgeFacts, BadgeFacts]:
    """The facts from the badge's cache miss, a session, and the ORM reference."""
    session.commit()  # a fresh snapshot, as a request would see
    cache = FactsCache()
    try:
        missed = cache.get(session_factory(session.get_bind()), public_id)
    finally:
        cache.close()
    assert read_facts(session.get_bind(), public_id) == missed
    return missed, badge_facts(session, public_id), orm_badge_facts(session, public_id)


def test_scored_seller_with_bound_and_unbound_domains(session):
    seller = make_seller(session, legal_name='A & "B" <Shop>')
    add_domains(
        session,
        seller,
        {
            "zeta.example": "proven",
            "alpha.example": "regulator_verified",
            "pending.example": "pending",
            "lost.example": "lost",
        },
    )
    rescore(session)
    fast, core, orm = all_three(session, seller.public_id)
    assert fast == core == orm
    assert fast.domains == ("alpha.example", "zeta.example")
    assert fast.verified and fast.value is not None and fast.seller_id == seller.id


def test_sanctioned_seller(session):
    seller = make_seller(session)
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": NOW - timedelta(days=1),
                }
            ]
        )
    )
    session.commit()
    rescore(session)
    fast, core, orm = all_three(session, seller.public_id)
    assert fast == core == orm
    assert fast.alarms == ("sanction_major_fine",) and fast.state() == "sanctioned"


def test_unscored_seller(session):
    seller = make_seller(session)
    fast, core, orm = all_three(session, seller.public_id)
    assert fast == core == orm
    assert fast.grade == "NR" and fast.value is None and not fast.verified


def test_expired_identity_is_unverified(session):
    seller = make_seller(session, verified_at="2024-01-01", expires_at="2025-01-01")
    rescore(session)
    fast, core, orm = all_three(session, seller.public_id)
    assert fast == core == orm
    assert not fast.verified and fast.state() in ("unverified", "unknown", "failing", "neutral")


def test_unknown_seller_is_not_found_on_every_path(session):
    with pytest.raises(NotFound):
        read_facts(session.get_bind(), "s-0000000000")
    with pytest.raises(NotFound):
        badge_facts(session, "s-0000000000")


def test_session_path_sees_its_own_uncommitted_writes(session):
    seller = make_seller(session)
    session.add(Domain(seller_id=seller.id, domain="new.example", state="proven", created_at=NOW))
    session.flush()
    assert badge_facts(session, seller.public_id).domains == ("new.example",)
    session.rollback()


def test_reader_keeps_its_connection_but_sees_later_commits(session):
    seller = make_seller(session)
    reader = FactsReader(session.get_bind())
    try:
        assert reader.read(seller.public_id).domains == ()
        add_domains(session, seller, {"later.example": "proven"})
        assert reader.read(seller.public_id).domains == ("later.example",)
    finally:
        reader.close()


def test_reader_replaces_a_broken_connection(session):
    seller = make_seller(session)
    reader = FactsReader(session.get_bind())
    try:
        reader.read(seller.public_id)
        reader._connection().driver_connection.close()  # as a server restart would
        with pytest.raises(Exception, match="closed"):
            reader.read(seller.public_id)
        assert reader.read(seller.public_id).seller_id == seller.id
    finally:
        reader.close()
