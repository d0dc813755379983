"""A registration without a status is "unknown"; the demo's names and its mark."""

from __future__ import annotations

from sqlalchemy import select

from registry.demo import generate as demo
from registry.read.display import DEMO_VERIFIER, holds_demo
from registry.registration.importing import RawRecord
from registry.registration.models import Seller
from registry.registration.service import RegistrationService

from ...factories import make_seller, new_code


def test_a_new_seller_without_a_status_is_unknown(session):
    seller = make_seller(session)
    assert seller.status == "unknown"


def test_a_resubmission_without_a_status_keeps_the_one_given_before(session):
    code = new_code()
    make_seller(session, identifier=code, status="吊销")
    seller = make_seller(session, identifier=code, legal_name="杭州改名有限公司")
    assert seller.status == "revoked"


def test_demo_individual_businesses_have_no_english_name_not_none(session):
    regs = demo.registrations(60)
    individual = [r for r in regs if r["entity_type"] == "个体工商户"]
    assert individual and not any("english_name" in r for r in individual)
    demo.load(session, count=60)
    session.commit()
    names = list(session.execute(select(Seller.english_name)).scalars())
    assert None in names and "None" not in names


def test_the_demo_verifier_name_is_reserved_for_the_demo(session):
    service = RegistrationService(session, actor=f"regulator:{DEMO_VERIFIER}")
    [result] = service.submit([RawRecord(1, {"identifier": new_code(), "legal_name": "甲"})])
    assert result.status == "rejected" and "reserved" in result.errors["verified_by"]
    assert not holds_demo(session)


def test_the_demo_marks_its_own_sellers_only(session):
    make_seller(session)
    assert not holds_demo(session)
    demo.load(session, count=5)
    session.commit()
    assert holds_demo(session)
