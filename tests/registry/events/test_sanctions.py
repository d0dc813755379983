"""Sanctions as regulators publish them: checked records, their scoring kinds, idempotency per
source, and the score effect of a finding, its removal and its credit repair."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import scoring
from registry.core.errors import Forbidden
from registry.events.models import Event, Sanction
from registry.events.sanction_rules import MAJOR_FINE_YUAN
from registry.events.sanctions import SanctionService
from registry.read.public import read_view
from registry.registration.importing import RawRecord

from ...factories import make_seller
from .helpers import NOW, cap_reasons, days_ago, good_seller, score

A, B = "regulator:市场监管局", "regulator:税务局"


def submit(session, records, actor=A, role="regulator"):
    results = list(SanctionService(session, actor, role, now=NOW).submit(records))
    session.commit()
    return results


def penalty(seller, number="杭市监罚〔2026〕12号", **extra):
    return {
        "seller": seller.public_id,
        "kind": "administrative_penalty",
        "decision_number": number,
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(30),
        "amount": 50000,
        "summary": "发布虚假广告，罚款五万元。",
        **extra,
    }


def listing(seller, ref="AO-1", **extra):
    return {
        "seller": seller.public_id,
        "kind": "abnormal_operations",
        "external_ref": ref,
        "decision_number": f"杭市监异〔2026〕{ref}",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(20),
        "reason": "annual_report",
        **extra,
    }


def event_of(session, result) -> Event:
    return session.get(Event, result.event_id)


# -- records ---------------------------------------------------------------------------------


def test_a_penalty_records_its_decision_beside_a_score_event(session):
    seller = make_seller(session)
    [result] = submit(session, [penalty(seller, effective_until=days_ago(-300))])
    assert result.status == "created"
    event = event_of(session, result)
    detail = session.get(Sanction, result.sanction_id)
    assert (event.kind, event.verification, event.source) == (
        scoring.SANCTION_MINOR_FINE,
        "regulator",
        A,
    )
    assert event.occurred_at.date().isoformat() == days_ago(30)
    assert event.ends_at.date().isoformat() == days_ago(-301)  # the last day is included
    assert detail.event_id == event.id and detail.amount == 50000
    assert (detail.decision_number, detail.authority) == (
        "杭市监罚〔2026〕12号",
        "杭州市市场监督管理局",
    )
    assert event.summary == "发布虚假广告，罚款五万元。"


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({"amount": 0}, scoring.SANCTION_WARNING),
        ({"amount": MAJOR_FINE_YUAN - 1}, scoring.SANCTION_MINOR_FINE),
        ({"amount": MAJOR_FINE_YUAN}, scoring.SANCTION_MAJOR_FINE),
        ({"amount": "1,500,000.00"}, scoring.SANCTION_MAJOR_FINE),
        ({"amount": 5000, "severity": "major"}, scoring.SANCTION_MAJOR_FINE),
        ({"amount": None, "severity": "warning"}, scoring.SANCTION_WARNING),
    ],
)
def test_a_penalty_is_a_minor_or_major_fine_by_its_amount_or_severity(session, extra, kind):
    seller = make_seller(session)
    [result] = submit(session, [penalty(seller, **extra)])
    assert result.status == "created", result.errors
    assert event_of(session, result).kind == kind


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seller": None}, "seller"),
        ({"seller": "s-nosuchseller"}, "seller"),
        ({"kind": "public_shaming"}, "kind"),
        ({"kind": None}, "kind"),
        ({"decided_on": "2026-13-45"}, "decided_on"),
        ({"decided_on": None}, "decided_on"),
        ({"decided_on": days_ago(-5)}, "decided_on"),
        ({"effective_until": days_ago(40)}, "effective_until"),
        ({"effective_until": "9999-12-31"}, "effective_until"),
        ({"decided_on": "0001-01-01"}, "decided_on"),
        ({"amount": -1}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),  # neither an amount nor a severity
        ({"severity": "dire"}, "severity"),
        ({"authority": "局" * 201}, "authority"),
        ({"authority": None}, "authority"),
        ({"summary": "长" * 4001}, "summary"),
        ({"decision_number": "号" * 129}, "decision_number"),
        ({"decision_number": None}, "external_ref"),  # no id at all
        ({"reason": "annual_report"}, "reason"),  # a penalty has no listing reason
        ({"refers_to": "X"}, "refers_to"),
    ],
)
def test_a_bad_record_is_rejected_with_its_field(session, change, field):
    seller = make_seller(session)
    record = {k: v for k, v in {**penalty(seller), **change}.items() if v is not None}
    [result] = submit(session, [record])
    assert result.status == "rejected" and field in result.errors, result.errors
    assert session.execute(select(Sanction)).first() is None


def test_a_listing_needs_its_reason_code(session):
    seller = make_seller(session)
    bad = submit(session, [listing(seller, reason=None), listing(seller, "AO-2", reason="x")])
    assert [sorted(r.errors) for r in bad] == [["reason"], ["reason"]]


def test_a_bad_record_leaves_the_others_applied(session):
    seller = make_seller(session)
    results = submit(
        session,
        [
            penalty(seller, "A号"),
            RawRecord(2, error="record is not a JSON object"),
            penalty(seller, "B号", amount=-5),
            penalty(seller, "C号"),
        ],
    )
    assert [r.status for r in results] == ["created", "rejected", "rejected", "created"]
    assert [r.line for r in results] == [1, 2, 3, 4]
    numbers = session.execute(select(Sanction.decision_number)).scalars().all()
    assert sorted(numbers) == ["A号", "C号"]


def test_only_a_regulator_records_sanctions(session):
    seller = make_seller(session)
    with pytest.raises(Forbidden):
        submit(session, [penalty(seller)], actor="platform:p", role="platform")


# -- idempotency and ownership ---------------------------------------------------------------


def test_a_resent_record_is_unchanged_and_a_restated_one_updated(session):
    seller = make_seller(session)
    [first] = submit(session, [penalty(seller, external_ref="P-1")])
    [again] = submit(session, [penalty(seller, external_ref="P-1")])
    assert again.status == "unchanged" and again.sanction_id == first.sanction_id
    [restated] = submit(session, [penalty(seller, external_ref="P-1", amount=250000)])
    assert restated.status == "updated" and restated.event_id == first.event_id
    assert event_of(session, first).kind == scoring.SANCTION_MAJOR_FINE
    assert session.get(Sanction, first.sanction_id).amount == 250000
    assert len(session.execute(select(Sanction)).all()) == 1


def test_without_external_ref_the_decision_number_is_the_key(session):
    seller = make_seller(session)
    [first] = submit(session, [penalty(seller)])
    [again] = submit(session, [penalty(seller, summary="更正后的摘要。")])
    assert again.status == "updated" and again.sanction_id == first.sanction_id
    assert event_of(session, first).summary == "更正后的摘要。"


def test_a_key_names_one_seller_and_kind(session):
    seller, other = make_seller(session), make_seller(session)
    submit(session, [penalty(seller, external_ref="P-9")])
    [moved] = submit(session, [penalty(other, external_ref="P-9")])
    assert moved.status == "rejected" and "external_ref" in moved.errors


def test_another_regulators_equal_key_is_its_own_record(session):
    seller = make_seller(session)
    [first] = submit(session, [penalty(seller, external_ref="CASE-1")])
    [second] = submit(session, [penalty(seller, external_ref="CASE-1", amount=1)], actor=B)
    assert second.status == "created" and second.sanction_id != first.sanction_id
    mine = session.get(Sanction, first.sanction_id)
    assert (mine.amount, mine.source) == (50000, A)
    assert event_of(session, first).kind == scoring.SANCTION_MINOR_FINE


def test_a_regulator_cannot_end_another_regulators_finding(session):
    seller = make_seller(session)
    [made] = submit(session, [listing(seller)])
    attempts = submit(
        session,
        [
            {**listing(seller, "RM-1"), "kind": "abnormal_operations_removed"},
            {
                "seller": seller.public_id,
                "kind": "credit_repair",
                "decision_number": "修复-1",
                "decided_on": days_ago(1),
                "refers_to": "AO-1",
            },
        ],
        actor=B,
    )
    assert [r.status for r in attempts] == ["rejected", "rejected"]
    assert event_of(session, made).lifted_at is None
    assert session.get(Sanction, made.sanction_id).repaired_at is None


# -- the score -------------------------------------------------------------------------------


def test_a_listing_caps_the_grade_until_it_is_removed(session):
    seller = good_seller(session)
    assert score(session, seller).grade.startswith("A")
    submit(session, [listing(seller)])
    capped = score(session, seller)
    assert capped.grade == "C" and [c["reason"] for c in capped.caps] == ["abnormal_operations"]
    removal = {**listing(seller, "RM-1"), "kind": "abnormal_operations_removed"}
    removal.pop("authority")
    [removed] = submit(session, [{**removal, "decided_on": days_ago(2)}])
    assert removed.status == "created", removed.errors
    assert score(session, seller).grade.startswith("A")
    [twice] = submit(session, [{**removal, "external_ref": "RM-2", "decided_on": days_ago(1)}])
    assert twice.status == "rejected"  # nothing left to remove


def test_a_removal_without_a_reference_needs_one_open_listing(session):
    seller = make_seller(session)
    submit(session, [listing(seller, "AO-1"), listing(seller, "AO-2", reason="unreachable")])
    removal = {
        "seller": seller.public_id,
        "kind": "abnormal_operations_removed",
        "external_ref": "RM-1",
        "decided_on": days_ago(1),
    }
    [ambiguous] = submit(session, [removal])
    assert ambiguous.status == "rejected" and "give refers_to" in ambiguous.errors["seller"]
    [by_reason] = submit(session, [{**removal, "reason": "unreachable"}])
    assert by_reason.status == "created"
    lifted = session.execute(
        select(Sanction.external_ref, Event.lifted_at).join(Event, Event.id == Sanction.event_id)
    ).all()
    assert {ref: at is not None for ref, at in lifted} == {"AO-1": False, "AO-2": True}


def test_credit_repair_ends_the_cap_and_the_publication(session):
    seller = good_seller(session)
    [fine] = submit(session, [penalty(seller, amount=300000)])
    assert cap_reasons(session, seller) == [scoring.SANCTION_MAJOR_FINE]
    view = read_view(session, public_id=seller.public_id)
    assert [s.decision_number for s in view.sanctions] == ["杭市监罚〔2026〕12号"]
    repair = {
        "seller": seller.public_id,
        "kind": "credit_repair",
        "decision_number": "信用修复〔2026〕3号",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(1),
        "refers_to": "杭市监罚〔2026〕12号",
    }
    [repaired] = submit(session, [repair])
    assert repaired.status == "created" and repaired.event_id == fine.event_id
    assert cap_reasons(session, seller) == []
    assert session.get(Sanction, fine.sanction_id).repaired_at is not None
    assert read_view(session, public_id=seller.public_id).sanctions == ()
    [again] = submit(session, [repair])
    assert again.status == "unchanged"


def test_a_major_fine_costs_more_than_a_minor_one(session):
    minor, major = good_seller(session), good_seller(session)
    submit(session, [penalty(minor, "M-1", amount=50000), penalty(major, "M-2", amount=500000)])
    assert score(session, major).value < score(session, minor).value
    assert score(session, major).value <= 76.9  # capped at C
    assert [c["reason"] for c in score(session, major).caps] == [scoring.SANCTION_MAJOR_FINE]
    assert score(session, minor).caps == []  # a minor fine deducts, without a cap
