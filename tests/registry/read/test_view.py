"""The seller view's one query path reads what the ORM reads, and each projection of it says
what the record said when each surface read the tables itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_core import to_jsonable_python
from sqlalchemy import event, select

from registry.events.fraud import FraudReportService
from registry.events.models import Event, FraudDetail, Sanction
from registry.events.sanctions import SanctionService
from registry.events.service import EventService
from registry.read import display
from registry.read.badges import FactsReader
from registry.read.profile import read_profile
from registry.read.public import read_view, record
from registry.read.search_docs import seller_documents
from registry.read.view import read_views
from registry.registration.models import BOUND_STATES, Domain, Identity, Seller, Store
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService, stored_score

from ...factories import make_seller

NOW = datetime.now(UTC)


def orm_record(session, seller: Seller) -> dict:
    """The API record as the ORM reads it: the reference the view's projection must match."""
    identities = session.execute(
        select(Identity).where(Identity.seller_id == seller.id).order_by(Identity.id)
    ).scalars()
    identities = [
        {
            "scheme": i.scheme,
            "value": i.value,
            "verified_by": i.verified_by,
            "verifier_role": i.verifier_role,
            "verified_at": i.verified_at,
            "expires_at": i.expires_at,
            "current": display.is_current(i.verifier_role, i.verified_at, i.expires_at, NOW),
        }
        for i in identities
    ]
    stores = session.execute(
        select(Store).where(Store.seller_id == seller.id).order_by(Store.id)
    ).scalars()
    domains = session.execute(
        select(Domain)
        .where(Domain.seller_id == seller.id, Domain.state.in_(BOUND_STATES))
        .order_by(Domain.id)
    ).scalars()
    decisions = session.execute(
        select(Sanction, Event)
        .join(Event, Event.id == Sanction.event_id)
        .where(Sanction.seller_id == seller.id)
        .order_by(Sanction.decided_on.desc(), Event.id.desc())
    ).all()
    sanctions = [
        {
            "event_id": e.id,
            "kind": d.kind,
            "score_kind": e.kind,
            "decision_number": d.decision_number,
            "authority": d.authority,
            "decided_on": d.decided_on,
            "effective_from": d.effective_from,
            "effective_until": d.effective_until,
            "amount": d.amount,
            "reason": d.reason,
            "summary": e.summary,
        }
        for d, e in decisions
        if display.sanction_published(
            e.kind, d.decided_on, d.effective_until, e.lifted_at, d.repaired_at, e.resolution, NOW
        )
    ]
    reports = session.execute(
        select(Event, FraudDetail)
        .outerjoin(FraudDetail, FraudDetail.event_id == Event.id)
        .where(
            Event.seller_id == seller.id,
            Event.kind == "fraud_report",
            display.not_withdrawn(Event.resolution),
        )
        .order_by(Event.occurred_at.desc(), Event.id.desc())
    ).all()
    fraud_reports = []
    for e, f in reports:
        loss = display.fraud_loss(f.amount if f else None, f.currency if f else None)
        fraud_reports.append(
            {
                "scam_type": e.category,
                "verification": e.verification,
                "occurred_at": e.occurred_at,
                "amount": loss and loss[0],
                "currency": loss and loss[1],
                "summary": e.summary,
            }
        )
    score = session.get(SellerScore, seller.id)
    shown = display.shown(
        grade=score.display_grade if score else None,
        value=score.value if score else None,
        limited_history=bool(score and score.limited_history),
        caps=score.caps if score else None,
        status=seller.status,
        demo=display.is_demo(i["verified_by"] for i in identities),
    )
    explained = None if score is None else stored_score(score)
    data = {
        "id": seller.public_id,
        "legal_name": seller.legal_name,
        "english_name": seller.english_name,
        "former_names": seller.former_names or [],
        "aliases": seller.aliases or [],
        "entity_type": seller.entity_type,
        "status": seller.status,
        "legal_representative": seller.legal_representative,
        "established_on": seller.established_on,
        "registered_address": seller.registered_address,
        "registration_authority": seller.registration_authority,
        "region": {"area_code": seller.area_code, "province": seller.province, "city": seller.city},
        "business_scope": seller.business_scope,
        "category": seller.category,
        "verified": any(i["current"] for i in identities),
        "identities": identities,
        "stores": [
            {"platform": s.platform, "store_name": s.store_name, "store_url": s.store_url}
            for s in stores
        ],
        "domains": [
            {
                "domain": d.domain,
                "state": d.state,
                "icp_number": d.icp_number,
                "proven_at": d.proven_at,
                "last_checked_at": d.last_checked_at,
            }
            for d in domains
        ],
        "sanctions": sanctions,
        "fraud_reports": fraud_reports,
        "score": None
        if score is None
        else {
            "value": score.value,
            "grade": score.grade,
            "display_grade": score.display_grade,
            "verified": score.verified,
            "limited_history": score.limited_history,
            "caps": score.caps or [],
            "explanation": {
                **(score.parts or {}),
                "text_zh": explained.explain("zh"),
                "text_en": explained.explain("en"),
            },
            "version": score.version,
            "computed_at": score.computed_at,
        },
        "version": seller.version,
        "updated_at": seller.updated_at,
    }
    data = json.loads(json.dumps(to_jsonable_python(data)))
    data["shown"] = {
        "grade": shown.grade,
        "score": shown.score,
        "risk_flags": list(shown.flags),
        "demo": shown.demo,
    }
    return data


def _full_seller(session):
    """A scored seller with two identities (one expired), stores, and bound and other domains."""
    seller = make_seller(
        session,
        legal_name="杭州全貌数码有限公司",
        english_name="Quanmao Digital",
        aliases=["全貌数码"],
        stores=["https://shop3330002.taobao.com/"],
        domains=["quanmao.example"],
    )
    session.add(
        Identity(
            seller_id=seller.id,
            scheme="cn_icp",
            value="浙ICP备12345678号",
            verified_by="某监管部门",
            verifier_role="regulator",
            verified_at=NOW - timedelta(days=400),
            expires_at=NOW - timedelta(days=35),
        )
    )
    for name, state in (("alpha.example", "regulator_verified"), ("gone.example", "lost")):
        session.add(
            Domain(
                seller_id=seller.id,
                domain=name,
                state=state,
                proven_at=NOW - timedelta(days=3),
                last_checked_at=NOW - timedelta(hours=5),
                created_at=NOW,
            )
        )
    session.commit()
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [{"seller": seller.public_id, "kind": "abnormal_operations", "occurred_at": NOW}]
        )
    )
    session.commit()
    penalty = {
        "seller": seller.public_id,
        "kind": "administrative_penalty",
        "authority": "杭州市市场监督管理局",
        "decided_on": (NOW - timedelta(days=40)).date().isoformat(),
        "amount": "30000.5",
        "summary": "虚假宣传，罚款。",
    }
    results = SanctionService(session, "regulator:t", "regulator").submit(
        [
            {**penalty, "decision_number": "杭市监罚〔2026〕1号"},
            {**penalty, "decision_number": "杭市监罚〔2026〕2号", "amount": 200000},
            {
                **penalty,
                "decision_number": "R-1",
                "kind": "credit_repair",
                "refers_to": "杭市监罚〔2026〕2号",
                "amount": None,
            },
        ]
    )
    assert [r.status for r in results] == ["created"] * 3
    frauds = FraudReportService(session, "platform:mall", "platform").submit(
        [
            {
                "seller": seller.public_id,
                "scam_type": "deposit_scam",
                "amount": amount,
                "currency": currency,
                "occurred_at": (NOW - timedelta(days=days)).date().isoformat(),
                "external_ref": f"F-{days}",
            }
            for amount, currency, days in (("880.5", "CNY", 9), ("1200", "JPY", 4), (None, None, 2))
        ]
    )
    assert [r.status for r in frauds] == ["created"] * 3
    session.commit()
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    return seller


def _check_record_matches_the_orm(session):
    seller = _full_seller(session)
    plain = make_seller(session)  # unscored, one identity, nothing bound
    for one in (seller, plain):
        view = read_view(session, public_id=one.public_id)
        assert record(view) == orm_record(session, one)
        assert read_view(session, seller_id=one.id) == view
    view = read_view(session, public_id=seller.public_id)
    assert [d.domain for d in view.domains] == ["quanmao.example", "alpha.example"]
    assert [i.current for i in view.identities] == [True, False] and view.verified
    assert view.shown.flags == ("abnormal_operations",)
    # The repaired penalty is no longer published; the other is, with its decision.
    assert [(x.decision_number, str(x.amount)) for x in view.sanctions] == [
        ("杭市监罚〔2026〕1号", "30000.50")
    ]
    # Fraud reports newest first, each amount to its currency's minor unit.
    assert [(str(f.amount), f.currency) for f in view.frauds] == [
        ("None", None),
        ("1200", "JPY"),
        ("880.50", "CNY"),
    ]


def test_the_api_record_is_the_one_the_orm_reads(session):
    _check_record_matches_the_orm(session)


@pytest.mark.postgres
def test_the_api_record_is_the_one_the_orm_reads_on_postgresql(pg_session):
    _check_record_matches_the_orm(pg_session)


def test_one_or_many_sellers_by_either_id_and_every_source(session):
    sellers = [make_seller(session) for _ in range(3)]
    ids = [s.id for s in sellers]
    many = read_views(session, seller_ids=[*ids, 10**9], now=NOW)
    assert sorted(v.seller_id for v in many) == ids
    by_public = read_views(session, public_ids=[s.public_id for s in sellers], now=NOW)
    assert sorted(by_public, key=lambda v: v.seller_id) == sorted(many, key=lambda v: v.seller_id)
    assert read_views(session, seller_ids=[], now=NOW) == []
    engine = session.get_bind()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        [prepared] = read_views(
            (cursor, engine.dialect), public_ids=[sellers[0].public_id], now=NOW
        )
        cursor.close()
    finally:
        raw.close()
    assert prepared == next(v for v in many if v.seller_id == sellers[0].id)


def test_a_badge_view_reads_only_what_a_badge_shows(session):
    seller = _full_seller(session)
    [facts] = read_views(session, public_ids=[seller.public_id], detail=False)
    [full] = read_views(session, public_ids=[seller.public_id])
    assert not facts.detailed and full.detailed
    assert [d.domain for d in facts.domains] == [d.domain for d in full.domains]
    assert facts.identities == () and facts.score.parts is None
    assert (facts.legal_name, facts.version, facts.score.caps) == (
        full.legal_name,
        full.version,
        full.score.caps,
    )


def test_the_search_document_carries_what_a_card_shows(session):
    seller = _full_seller(session)
    [doc] = seller_documents(session, [seller.id])
    view = read_view(session, public_id=seller.public_id)
    assert display.from_document(doc) == display.Shown(
        view.shown.grade, view.shown.score, view.shown.flags, view.shown.demo, view.score.verified
    )
    assert doc["domains"] == ["quanmao.example", "alpha.example"]
    assert doc["store_names"] and doc["codes"][1] == "浙ICP备12345678号"


def _statements(engine) -> list[str]:
    """The SELECTs the engine's new connections run (SQLite's trace callback)."""
    seen: list[str] = []

    @event.listens_for(engine, "connect")
    def trace(dbapi, _record) -> None:
        dbapi.set_trace_callback(seen.append)

    engine.dispose()  # connections made from now on are traced
    return seen


def test_a_badge_is_one_statement_and_a_profile_two_without_events(app, session):
    engine = app.extensions["registry_db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("counts SQLite's statements")
    seller = make_seller(session, domains=["counted.example"])
    seen = _statements(engine)
    reader = FactsReader(engine)
    try:
        reader.read(seller.public_id)
    finally:
        reader.close()
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
    seen.clear()
    read_profile(engine, seller.public_id, "zh")
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 2
