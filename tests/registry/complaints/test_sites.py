"""Complaints about a site nobody has identified: filed, counted, queued, then attached to
the seller the domain is bound to (by a regulator, a proof, or a registration)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.complaints.models import Complaint
from registry.complaints.sites import SiteReports
from registry.core.errors import Conflict, RateLimited, ValidationFailed
from registry.journal.models import AuditEntry
from registry.registration.domain_proof import ProofResult
from registry.registration.domains import DomainService
from registry.trust.tokens import Principal

from ...factories import make_seller
from .helpers import MODERATOR, NARRATIVE, NOW, service, unique_narrative

REGULATOR = Principal(2, "samr", "regulator")


def site_form(site: str, **overrides) -> dict:
    return {
        "site": site,
        "category": "fraud",
        "narrative": NARRATIVE,
        "contact": "13812345678",
        **overrides,
    }


def report(session, site: str, n: int = 0, now=NOW, client=None, **overrides):
    data = site_form(
        site, **{"narrative": unique_narrative(n), "contact": f"1381234{n:04d}", **overrides}
    )
    complaint, token = service(session, now).file(data, client or f"ip-{n}")
    session.commit()
    return complaint, token


def test_a_site_report_waits_unmoderated_and_unpublished(session):
    complaint, token = report(session, "https://www.fake-shop.com.cn/pay?order=1")
    assert complaint.seller_id is None and complaint.status == "unidentified"
    assert (complaint.site_host, complaint.site_domain) == ("fake-shop.com.cn", "fake-shop.com.cn")
    assert complaint.moderation_due_at is None and token.startswith("cpt_")
    svc = service(session)
    assert svc.moderation_total() == 0 and svc.due() == []
    view = svc.public_view(complaint)
    assert view["seller"] is None and view["site"] == "fake-shop.com.cn"
    assert view["narrative"] is None


def test_reports_are_counted_per_registrable_domain(session):
    report(session, "shop.fake-shop.com.cn", 1)
    report(session, "https://m.fake-shop.com.cn/x", 2, now=NOW + timedelta(days=2))
    report(session, "fake-shop.com.cn", 3, category="false_advertising")
    report(session, "other.cn", 4)
    summary = SiteReports(session, NOW).summary("WWW.FAKE-SHOP.COM.CN")
    assert summary.reports == 3 and summary.categories == {"fraud": 2, "false_advertising": 1}
    assert summary.first_seen == NOW and summary.last_seen == NOW + timedelta(days=2)
    queue = SiteReports(session, NOW).queue()
    assert [(s.domain, s.reports) for s in queue] == [("fake-shop.com.cn", 3), ("other.cn", 1)]
    assert SiteReports(session, NOW).queue_total() == 2


def test_sites_under_a_private_suffix_are_counted_apart(session):
    report(session, "alice.github.io", 1)
    report(session, "bob.github.io", 2)
    assert SiteReports(session, NOW).summary("alice.github.io").reports == 1
    with pytest.raises(ValidationFailed):
        SiteReports(session, NOW).summary("github.io")


@pytest.mark.parametrize(
    "site",
    [
        "github.io",
        "http://127.0.0.1/",
        "localhost:8000",
        "https://user:pass@10.1.2.3/",
        "x" * 300 + ".com",
        "xn--zz.com",
        "https://shop999999.taobao.com/",  # a marketplace shop not registered here
        "notadomain",
    ],
)
def test_hostile_sites_are_refused_with_the_field(session, site):
    with pytest.raises(ValidationFailed) as caught:
        service(session).file(site_form(site), "ip-x")
    assert "site" in caught.value.details


def test_seller_and_site_together_are_refused(session):
    seller = make_seller(session)
    with pytest.raises(ValidationFailed) as caught:
        service(session).file({**site_form("fake.cn"), "seller": seller.public_id}, "ip")
    assert "site" in caught.value.details


def test_a_site_bound_already_is_filed_against_its_seller(session):
    seller = make_seller(session, domains=["known-shop.cn"])
    complaint, _ = report(session, "https://m.known-shop.cn/item/9")
    assert complaint.seller_id == seller.id and complaint.status == "submitted"
    assert complaint.site_domain is None and complaint.moderation_due_at is not None


def test_the_same_complainant_cannot_report_a_site_twice(session):
    report(session, "fake-shop.com.cn", 1)
    with pytest.raises(Conflict):
        service(session).file(site_form("shop.fake-shop.com.cn", contact="13812340001"), "ip-other")


def test_a_near_identical_report_of_the_site_is_refused(session):
    service(session).file(site_form("fake-shop.com.cn", contact="13800000001"), "a")
    session.commit()
    with pytest.raises(Conflict):
        service(session).file(site_form("fake-shop.com.cn", contact="13800000002"), "b")


def test_site_reports_share_the_client_limits(session):
    for n in range(5):
        report(session, f"site{n}.cn", n, client="one-client")
    with pytest.raises(RateLimited):
        report(session, "site9.cn", 9, client="one-client")


def test_binding_by_a_regulator_attaches_the_reports_within_the_domain(session):
    inside, token = report(
        session, "shop.fake-shop.com.cn", 1, narrative="假冒商城杭州测试商贸公司骗了我的定金" * 2
    )
    beside, _ = report(session, "other.fake-shop.com.cn", 2)
    seller = make_seller(session)
    DomainService(session, NOW).bind_by_regulator(seller, "shop.fake-shop.com.cn", REGULATOR)
    session.commit()
    session.refresh(inside)
    session.refresh(beside)
    assert inside.seller_id == seller.id and inside.status == "submitted"
    assert inside.moderation_due_at == NOW + timedelta(days=7)
    assert beside.status == "unidentified"  # another host under the same registrable domain
    svc = service(session)
    assert [c.id for c in svc.moderation_queue()] == [inside.id]
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "complaint.attach")
    ).scalar_one()
    new = json.loads(entry.new) if isinstance(entry.new, str) else entry.new
    assert entry.actor == REGULATOR.actor and new["seller"] == seller.public_id
    # it goes on as any complaint: accepted, the merchant notified
    svc.accept(inside.id, MODERATOR)
    session.commit()
    assert svc.get(inside.id).status == "merchant_notified"
    assert SiteReports(session, NOW).summary("fake-shop.com.cn").reports == 1


def test_a_proof_attaches_the_reports(session):
    waiting, _ = report(session, "www.proof-shop.cn", 1)
    seller = make_seller(session)
    domains = DomainService(session, NOW)
    merchant = Principal(5, "shop", "merchant", seller_id=seller.id)
    domains.request_proof(seller, "proof-shop.cn", merchant)
    session.commit()
    session.refresh(waiting)
    assert waiting.status == "unidentified"  # a claim is not a proof
    [row] = domains.due_for_check()
    domains.record_check(row, ProofResult(True, "ok", "found", "https://proof-shop.cn/", NOW))
    session.commit()
    session.refresh(waiting)
    assert waiting.seller_id == seller.id and waiting.status == "submitted"


def test_a_registration_with_the_domain_attaches_the_reports(session):
    waiting, _ = report(session, "reg-shop.cn", 1)
    seller = make_seller(session, domains=["reg-shop.cn"])
    session.refresh(waiting)
    assert waiting.seller_id == seller.id and waiting.status == "submitted"
    assert (
        session.execute(select(Complaint.id).where(Complaint.status == "unidentified")).first()
        is None
    )


@pytest.mark.postgres
def test_reports_counted_queued_and_attached_on_postgresql(pg_session):
    session = pg_session
    report(session, "shop.pg-scam.cn", 1)
    report(session, "pg-scam.cn", 2, now=NOW + timedelta(hours=3), category="false_advertising")
    report(session, "other-pg.cn", 3)
    summary = SiteReports(session, NOW).summary("www.pg-scam.cn")
    assert (summary.reports, summary.first_seen, summary.last_seen) == (
        2,
        NOW,
        NOW + timedelta(hours=3),
    )
    assert [(s.domain, s.reports) for s in SiteReports(session, NOW).queue()] == [
        ("pg-scam.cn", 2),
        ("other-pg.cn", 1),
    ]
    seller = make_seller(session)
    DomainService(session, NOW).bind_by_regulator(seller, "pg-scam.cn", REGULATOR)
    session.commit()
    assert SiteReports(session, NOW).queue_total() == 1
    assert service(session).moderation_total() == 2
