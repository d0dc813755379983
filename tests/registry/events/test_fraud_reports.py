"""Fraud reports: the amount lost in its currency, the evidence kept private, verification
bounded by role, idempotency per source, and the caps of the published model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.events.fraud import FraudReportService
from registry.events.models import Event, FraudDetail
from registry.events.service import EventService
from scoring.model import FRAUD_POINTS, FRAUD_VERIFICATION_WEIGHT

from ...factories import make_seller
from .helpers import NOW, days_ago, good_seller, score

REGULATOR, PLATFORM = ("regulator:公安局", "regulator"), ("platform:商城", "platform")


def submit(session, records, who=REGULATOR):
    results = list(FraudReportService(session, *who, now=NOW).submit(records))
    session.commit()
    return results


def report(seller, ref="FR-1", **extra):
    return {
        "seller": seller.public_id,
        "scam_type": "deposit_scam",
        "amount": "1280.50",
        "currency": "CNY",
        "verification": "regulator",
        "evidence_ref": "案件编号 2026-0042",
        "occurred_at": days_ago(10),
        "summary": "以定金为名收款后不发货。",
        "external_ref": ref,
        **extra,
    }


def test_a_report_records_its_event_and_its_detail(session):
    seller = make_seller(session)
    [result] = submit(session, [report(seller, currency="usd", amount=12)])
    assert result.status == "created"
    event = session.get(Event, result.event_id)
    detail = session.get(FraudDetail, result.event_id)
    assert (event.kind, event.category, event.verification) == (
        "fraud_report",
        "deposit_scam",
        "regulator",
    )
    assert (detail.amount, detail.currency, detail.evidence_ref) == (
        Decimal(12),
        "USD",
        "案件编号 2026-0042",
    )


def test_the_currency_defaults_to_yuan_and_bounds_the_decimals(session):
    seller = make_seller(session)
    results = submit(
        session,
        [
            report(seller, "Y-1", currency=None),
            report(seller, "Y-2", currency="JPY", amount="100.5"),  # the yen has no minor unit
            report(seller, "Y-3", currency="KWD", amount="1.125"),  # the dinar has three
        ],
    )
    assert [r.status for r in results] == ["created", "rejected", "created"]
    assert session.get(FraudDetail, results[0].event_id).currency == "CNY"
    assert "amount" in results[1].errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seller": None}, "seller"),
        ({"seller": "s-nosuchseller"}, "seller"),
        ({"scam_type": "romance"}, "scam_type"),
        ({"scam_type": None}, "scam_type"),
        ({"amount": -0.01}, "amount"),
        ({"amount": "12 元"}, "amount"),
        ({"amount": "1e13"}, "amount"),
        ({"currency": "RMB"}, "currency"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": days_ago(-3)}, "occurred_at"),
        ({"evidence_ref": "证" * 257}, "evidence_ref"),
        ({"summary": "长" * 4001}, "summary"),
        ({"external_ref": None}, "external_ref"),
        ({"external_ref": "r" * 129}, "external_ref"),
    ],
)
def test_a_bad_report_is_rejected_with_its_field(session, change, field):
    seller = make_seller(session)
    record = {k: v for k, v in {**report(seller), **change}.items() if v is not None}
    [result] = submit(session, [record])
    assert result.status == "rejected" and field in result.errors, result.errors
    assert session.execute(select(FraudDetail)).first() is None
    assert session.execute(select(Event)).first() is None


def test_a_platform_cannot_claim_a_regulators_verification(session):
    seller = make_seller(session)
    [claimed, own] = submit(
        session, [report(seller, "P-1"), report(seller, "P-2", verification=None)], PLATFORM
    )
    assert claimed.status == "rejected" and "verification" in claimed.errors
    assert session.get(Event, own.event_id).verification == "platform"


def test_a_resent_report_is_unchanged_and_a_restated_amount_updates_it(session):
    seller = make_seller(session)
    [first] = submit(session, [report(seller)])
    [again] = submit(session, [report(seller)])
    assert again.status == "unchanged" and again.event_id == first.event_id
    [restated] = submit(session, [report(seller, amount="2000")])
    assert restated.status == "updated"
    assert session.get(FraudDetail, first.event_id).amount == Decimal(2000)


def test_another_sources_equal_key_never_reaches_the_first_record(session):
    seller = make_seller(session)
    [first] = submit(session, [report(seller)])
    [other] = submit(session, [report(seller, amount=1, verification=None)], PLATFORM)
    assert other.status == "created" and other.event_id != first.event_id
    assert session.get(FraudDetail, first.event_id).amount == Decimal("1280.50")


def test_an_event_sent_before_gets_its_details_under_the_same_key(session):
    seller = make_seller(session)
    [early] = EventService(session, *REGULATOR, now=NOW).submit(
        [
            {
                "seller": seller.public_id,
                "kind": "fraud_report",
                "category": "deposit_scam",
                "occurred_at": days_ago(10),
                "external_ref": "FR-1",
            }
        ]
    )
    session.commit()
    [result] = submit(session, [report(seller)])
    assert result.status == "updated" and result.event_id == early.event_id
    assert session.get(FraudDetail, early.event_id).amount == Decimal("1280.50")


def test_a_regulator_verified_report_caps_the_grade_at_d(session):
    seller = good_seller(session)
    submit(session, [report(seller)])
    stored = score(session, seller)
    assert [c["reason"] for c in stored.caps] == ["fraud_finding"]
    assert stored.value <= 66.9


def test_a_platform_verified_report_costs_points_without_a_cap(session):
    clean, reported = good_seller(session), good_seller(session)
    submit(session, [report(reported, verification="platform")], PLATFORM)
    before, after = score(session, clean), score(session, reported)
    assert after.caps == []
    assert before.value - after.value == pytest.approx(
        FRAUD_POINTS * FRAUD_VERIFICATION_WEIGHT["platform"], abs=1.0
    )
