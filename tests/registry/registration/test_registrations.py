from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from registry.journal.audit import verify_chain
from registry.journal.models import AuditEntry, ChangeLogEntry
from registry.registration.importing import RawRecord
from registry.registration.models import Domain, Identity, IdentityRevision, Seller, Store
from registry.registration.service import RegistrationService

from ...factories import new_code

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def submit(session, *records, now=NOW):
    service = RegistrationService(session, actor="regulator:test", now=now)
    results = list(service.submit(RawRecord(i, r) for i, r in enumerate(records, start=2)))
    session.commit()
    return results


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_create_derives_region_and_entity_type(session):
    code = new_code("440300")
    [result] = submit(
        session,
        {
            "identifier": code,
            "legal_name": "深圳测试电子商务有限公司",
            "entity_type": "有限责任公司分公司",
            "status": "存续",
            "established_on": "2019年3月2日",
        },
    )
    assert result.status == "created"
    seller = session.execute(select(Seller)).scalar_one()
    assert (seller.province, seller.city, seller.entity_type, seller.status) == (
        "广东省",
        "深圳市",
        "branch",
        "in_business",
    )
    assert str(seller.established_on) == "2019-03-02"


def test_same_batch_twice_changes_nothing(session):
    records = [
        {
            "identifier": new_code(),
            "legal_name": f"测试{i}有限公司",
            "stores": [f"https://shop7700{i}.taobao.com/"],
            "domains": [f"t{i}.example"],
        }
        for i in range(5)
    ]
    first = submit(session, *records)
    assert {r.status for r in first} == {"created"}
    before = [
        count(session, m)
        for m in (Seller, Identity, Store, Domain, AuditEntry, ChangeLogEntry, IdentityRevision)
    ]
    second = submit(session, *records, now=datetime(2026, 7, 1, tzinfo=UTC))
    assert {r.status for r in second} == {"unchanged"}
    after = [
        count(session, m)
        for m in (Seller, Identity, Store, Domain, AuditEntry, ChangeLogEntry, IdentityRevision)
    ]
    assert before == after


def test_resubmission_records_old_and_new_values(session):
    code = new_code()
    submit(
        session, {"identifier": code, "legal_name": "旧名称有限公司", "registered_address": "甲地"}
    )
    [result] = submit(
        session, {"identifier": code, "legal_name": "新名称有限公司", "registered_address": "甲地"}
    )
    assert result.status == "updated" and "legal_name" in result.changed
    revision = session.execute(
        select(IdentityRevision).where(IdentityRevision.field == "legal_name")
    ).scalar_one()
    assert (revision.old_value, revision.new_value) == ("旧名称有限公司", "新名称有限公司")
    seller = session.execute(select(Seller)).scalar_one()
    assert seller.version == 2
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "registration.update")
    ).scalar_one()
    old, new = entry.values()
    assert old["legal_name"] == "旧名称有限公司" and new["legal_name"] == "新名称有限公司"


def test_bad_rows_are_reported_and_good_rows_land(session):
    good = {"identifier": new_code(), "legal_name": "好"}
    results = submit(
        session,
        good,
        {"identifier": "91110000600037341A", "legal_name": "坏"},
        {"identifier": new_code()},
        {"identifier": new_code(), "legal_name": "x", "scheme": "zz"},
    )
    assert [r.status for r in results] == ["created", "rejected", "rejected", "rejected"]
    assert [r.line for r in results] == [2, 3, 4, 5]
    assert "identifier" in results[1].errors
    assert "legal_name" in results[2].errors
    assert "scheme" in results[3].errors
    assert count(session, Seller) == 1


def test_domain_bound_to_another_seller_rejects_only_that_record(session):
    submit(session, {"identifier": new_code(), "legal_name": "甲", "domains": ["shop.example"]})
    results = submit(
        session,
        {"identifier": new_code(), "legal_name": "乙", "domains": ["https://www.shop.example/x"]},
        {"identifier": new_code(), "legal_name": "丙"},
    )
    assert [r.status for r in results] == ["rejected", "created"]
    assert "already bound" in results[0].errors["domains"]


def test_duplicate_identity_inside_one_batch_is_merged(session):
    code = new_code()
    results = submit(
        session, {"identifier": code, "legal_name": "一"}, {"identifier": code, "legal_name": "二"}
    )
    assert [r.status for r in results] == ["created", "updated"]
    assert session.execute(select(Seller.legal_name)).scalar_one() == "二"


def test_every_write_is_audited_in_an_intact_chain(session):
    submit(session, *[{"identifier": new_code(), "legal_name": f"审计{i}"} for i in range(3)])
    assert count(session, AuditEntry) == 3
    assert verify_chain(session).ok
