"""No private column reaches open data: every column of every table is planted, and every
export is searched for what was planted.

The tables and columns come from the schema's metadata (registry/schema.py), so a column
added tomorrow is planted too; only the columns the public-text gate publishes
(registry/privacy/gate.py) are left as they are.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from registry.accounts.claims import ClaimService
from registry.accounts.service import AccountService
from registry.alerts.service import SubscriptionService
from registry.complaints.service import ComplaintService
from registry.disputes.service import DisputeService, Filer
from registry.disputes.shapes import DisputeFiling
from registry.events.confirmations import ConfirmationService
from registry.events.fraud import FraudReportService
from registry.events.fulfillment import FulfillmentService
from registry.events.sanctions import SanctionService
from registry.events.stores import StoreService
from registry.feeds import FeedService
from registry.opendata import EXPORTS
from registry.privacy.gate import PRIVATE, PUBLIC_TEXT, PUBLISHED_AMOUNTS, PUBLISHED_AS_IS
from registry.schema import metadata
from registry.trust.tokens import Principal, TokenService
from web import jobs
from web.outbound import secret_box

from ...factories import make_seller, make_token, new_code
from ...web.helpers import settle
from .conftest import add_events

#: the columns whose values a public view may show, as the public-text gate decided them
#: (tests/registry/privacy/test_public_text.py holds every text column to a decision);
#: every other column, numbers of money included, is planted
PUBLISHED = {
    table: PUBLISHED_AS_IS.get(table, frozenset())
    | set(PUBLIC_TEXT.get(table, {}))
    | PUBLISHED_AMOUNTS.get(table, frozenset())
    for table in metadata.tables
}
MARK = "ZQPRIV"
AMOUNT = Decimal("97531.86")  # planted in numeric columns
PLANTED = re.compile(rf"{MARK}[a-z_]+[0-9]*|{re.escape(str(AMOUNT))}")


def _kind(column: sa.Column) -> sa.types.TypeEngine:
    """The column's type, under a decorator (SQLModel's AutoString is one over String)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, sa.TypeDecorator) else kind


def _plantable(column: sa.Column) -> bool:
    kind = _kind(column)
    return (
        isinstance(kind, sa.String | sa.JSON | sa.Numeric)
        and not isinstance(kind, sa.Float)
        and not column.primary_key
        and not column.foreign_keys
    )


def _private_columns():
    for table in metadata.sorted_tables:
        for column in table.columns:
            if _plantable(column) and column.name not in PUBLISHED.get(table.name, ()):
                yield table, column


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


def _world(app, session) -> None:
    """A registry in which every table has rows, through the services that write them."""
    code = new_code()
    seller = make_seller(
        session,
        identifier=code,
        legal_name="杭州隐私测试有限公司",
        domains=["privacy-shop.example"],
        stores=["https://shop4440001.taobao.com/"],
        evidence_ref="EV-2026-001",
    )
    make_seller(session, identifier=code, legal_name="杭州隐私测试二有限公司")  # a revision
    make_token(session, "platform")
    seller.contact_email = "shop-private@example.com"  # the outbox's merchant address
    service = ComplaintService(
        session,
        secret=app.config["DIGEST_SECRET"],
        evidence_dir=Path(app.instance_path) / "evidence",
    )
    moderator = Principal(1, "moderator", "moderator")
    for n, narrative in enumerate(
        ("付款后商家一直不发货，客服也不回复，催了五次。", "收到的羽绒服是旧款，和描述不一样。")
    ):
        complaint, _token = service.file(
            {
                "seller": seller.public_id,
                "category": "contract_fulfillment",
                "narrative": narrative,
                "complainant_name": "李小红",
                "contact": f"1391111222{n}",
                "order_ref": f"SO-{n}",
                "amount": "120.50",
                "desired_resolution": "退款",
            },
            f"client-{n}",
            evidence=[_png()],
        )
        service.accept(complaint.id, moderator)
        service.reply(
            complaint.id, "已联系买家处理。", principal=Principal(2, "shop", "merchant", seller.id)
        )
        if n == 0:  # a rebuttal and the merchant's answer to it
            service.rebut(complaint.id, "商家并未联系我，电话13911112220可查。")
            service.reply(
                complaint.id, "已再次联系。", principal=Principal(2, "shop", "merchant", seller.id)
            )
        else:  # a case with the regulator, and a one-time code for its contact
            service.escalate(complaint.id, "商家答复不实，请监管部门处理。")
            service.consumer.request_code(f"1391111222{n}", "client-recover")
    # a reminder the case clock queued (which step it was about is private)
    from registry.complaints.models import ComplaintReminder

    session.add(ComplaintReminder(complaint_id=complaint.id, kind="rebut", due_at=service.now))
    # a report of a site nobody has identified (its host is private)
    service.file(
        {
            "site": "https://private-host.unknown-shop.cn/pay",
            "category": "fraud",
            "narrative": "网站收款后关闭，联系不上任何人。",
            "contact": "13911112229",
        },
        "client-site",
    )
    session.commit()
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True  # a watcher on a closed local port
    watcher = TokenService(session).create(name="watcher", role="platform")[1]
    SubscriptionService(
        session, watcher.id, "platform:watcher", box=secret_box(app), allow_private=True
    ).create({"url": "http://127.0.0.1:9/hook", "sellers": [seller.public_id]})
    session.commit()
    add_events(
        session,
        seller,
        "platform",
        {"kind": "order", "order_ref": "SO-1", "buyer_ref": "B-1", "external_ref": "o1"},
        {"kind": "fraud_report", "category": "deposit_scam", "summary": "经查属实。"},
    )
    decided = {
        "seller": seller.public_id,
        "authority": "杭州市市场监督管理局",
        "decided_on": "2026-11-01",
    }
    results = list(
        SanctionService(session, "regulator:amr", "regulator").submit(
            [
                {
                    **decided,
                    "kind": "administrative_penalty",
                    "amount": 300000,
                    "external_ref": "P1",
                },
                {**decided, "kind": "credit_repair", "refers_to": "P1", "external_ref": "R1"},
                {
                    **decided,
                    "kind": "abnormal_operations",
                    "reason": "unreachable",
                    "external_ref": "A1",
                },
            ]
        )
    )
    [fraud] = FraudReportService(session, "platform:mall", "platform").submit(
        [
            {
                "seller": seller.public_id,
                "scam_type": "deposit_scam",
                "amount": "880",
                "evidence_ref": "EV-9",
                "occurred_at": "2026-11-20",
                "external_ref": "F1",
            }
        ]
    )
    assert [r.status for r in [*results, fraud]] == ["created"] * 4
    # a merchant's dispute of the fraud report (its statement's original is private)
    DisputeService(session).file(
        Filer("merchant:shop", frozenset({seller.id})),
        seller.public_id,
        DisputeFiling(
            kind="correction", event_id=fraud.event_id, statement="该记录有误，已全额退款给买家。"
        ),
    )
    session.commit()
    platform = "platform:privacy-test"
    StoreService(session, platform).put("STORE-PRIVATE-1", seller.public_id)
    session.commit()
    day = {"store": "STORE-PRIVATE-1", "day": "2026-01-05", "orders": 9, "external_ref": "D-1"}
    list(FulfillmentService(session, platform, "platform").submit([day]))
    confirmed = {"seller": seller.public_id, "order_ref": "SO-9", "confirmed_at": "2026-01-05"}
    list(ConfirmationService(session, platform).submit([{**confirmed, "buyer_ref": "B-9"}]))
    session.commit()
    feeds = FeedService(session)
    feed = feeds.add(
        "zj-amr", "https://feeds.example/zj.csv?key=k", "registrations", "csv", "regulator"
    )
    feeds.finish(feed, started_at=feed.created_at, duration_ms=1, outcome="failed", error="timeout")
    feed.etag, feed.last_modified = '"v1"', "Wed, 02 Dec 2026 06:00:00 GMT"
    session.commit()
    people = AccountService(session)
    staff, _ = people.create(
        email="staff@privacy-shop.example",
        role="merchant",
        password="correct horse battery",
        seller_ids=[seller.id],
    )
    officer, _ = people.create(email="officer@amr.example", role="regulator", invite=True)
    claims = ClaimService(session)
    claims.issue_code(seller, people.principal(officer))
    claims.start_domain_claim(staff, "privacy-shop.example")
    session.commit()
    settle(app)
    jobs.issue_attestations(app)
    jobs.renew_attestations(app)
    jobs.derive_alerts(app)
    jobs.deliver_alerts(app)  # refused: an attempt with its error


def _plant(app) -> dict[str, int]:
    """Write a distinctive value into every private column of every row; rows per table."""
    engine = app.extensions["registry_db"].engine
    rows: dict[str, int] = {}
    with engine.begin() as conn:
        for table, column in _private_columns():
            pk = next(iter(table.primary_key.columns))
            keys = list(conn.execute(sa.select(pk)).scalars())
            rows[table.name] = len(keys)
            for key in keys:
                if isinstance(_kind(column), sa.Numeric):
                    value: object = AMOUNT
                else:
                    value = f"{MARK}{table.name}_{column.name}{key if isinstance(key, int) else ''}"
                conn.execute(table.update().where(pk == key).values({column.name: value}))
    return rows


def _exports(client) -> dict[str, str]:
    bodies = {}
    for name in EXPORTS:
        for suffix in ("", ".sha256"):
            response = client.get(f"/api/v1/export/{name}{suffix}")
            bodies[name + suffix] = response.get_data(as_text=True)
            response.close()
    return bodies


def test_the_private_columns_are_found_in_the_metadata():
    found = {f"{t.name}.{c.name}" for t, c in _private_columns()}
    assert {
        "complaint.contact",
        "complaint.complainant_name",
        "complaint.narrative_original",
        "complaint.reply_token_digest",
        "event.summary_original",
        "api_token.digest",
        "identity.evidence_ref",
        "domain.proof_token",
    } <= found
    assert not found & {"complaint.narrative_public", "seller.legal_name"}
    private = {  # a primary key is not planted: rows are found by it
        f"{t}.{c}"
        for t, columns in PRIVATE.items()
        for c in columns
        if not metadata.tables[t].c[c].primary_key
    }
    originals = {f"{t}.{c}" for t, pairs in PUBLIC_TEXT.items() for c in pairs.values()}
    assert private | originals <= found


def test_every_table_with_a_private_column_has_rows_to_plant(app, session):
    _world(app, session)
    rows = _plant(app)
    assert {t for t, n in rows.items() if n == 0} == set(), "give these tables a row in _world"


def test_no_planted_private_value_appears_in_any_export(app, client, session):
    _world(app, session)
    _plant(app)
    streamed = _exports(client)
    assert "杭州隐私测试" in streamed["sellers.jsonl"]  # the export holds the seller
    jobs.write_open_data(app)
    nightly = _exports(client)
    leaks = {
        (where, name, found)
        for where, bodies in (("streamed", streamed), ("nightly", nightly))
        for name, body in bodies.items()
        for found in PLANTED.findall(body)
    }
    assert leaks == set()


def test_the_planting_finds_a_leak(app, client, session, monkeypatch):
    """The search works: a private column read into an export is found."""
    from registry.opendata import records

    _world(app, session)
    _plant(app)
    engine = app.extensions["registry_db"].engine
    with engine.connect() as conn:
        leaked = conn.execute(sa.text("SELECT contact FROM complaint LIMIT 1")).scalar_one()
    original = records.seller_record
    monkeypatch.setattr(records, "seller_record", lambda *a: {**original(*a), "x": leaked})
    body = _exports(client)["sellers.jsonl"]
    assert PLANTED.findall(body) == [leaked]
