"""The same services against PostgreSQL, the production path."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from registry.core.db import session_factory, writer
from registry.events.models import Event
from registry.events.service import EventService
from registry.journal.audit import verify_chain
from registry.journal.changelog import pending
from registry.journal.models import AuditEntry
from registry.registration.importing import RawRecord
from registry.registration.models import Seller
from registry.registration.service import RegistrationService

from ..factories import new_code

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def submit(session, records):
    results = list(
        RegistrationService(session, "regulator:pg", now=NOW).submit(
            RawRecord(i, r) for i, r in enumerate(records, start=1)
        )
    )
    session.commit()
    return results


def test_batch_twice_is_a_no_op_and_audited(pg_session):
    records = [
        {"identifier": new_code(), "legal_name": f"PG测试{i}", "domains": [f"pg{i}.example"]}
        for i in range(20)
    ]
    assert {r.status for r in submit(pg_session, records)} == {"created"}
    audit_rows = pg_session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert {r.status for r in submit(pg_session, records)} == {"unchanged"}
    assert (
        pg_session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audit_rows
    )
    assert verify_chain(pg_session).ok


def test_events_get_ids_from_the_sequence(pg_session):
    [created] = submit(pg_session, [{"identifier": new_code(), "legal_name": "事件"}])
    rows = [
        {
            "seller": created.seller_id,
            "kind": "order",
            "occurred_at": "2026-05-01",
            "verification": "platform",
            "external_ref": f"o{i}",
        }
        for i in range(10)
    ]
    results = list(EventService(pg_session, "platform:pg", "platform", now=NOW).submit(rows))
    pg_session.commit()
    ids = [r.event_id for r in results]
    assert len(set(ids)) == 10
    assert sorted(ids) == sorted(pg_session.execute(select(Event.id)).scalars())
    # the ORM can still insert after the explicit-id bulk path (the sequence moved on)
    pg_session.add(
        Event(
            seller_id=pg_session.execute(select(Seller.id)).scalar_one(),
            kind="order",
            occurred_at=NOW,
        )
    )
    pg_session.commit()


def test_concurrent_writers_keep_the_audit_chain_whole(pg_engine):
    factory = session_factory(writer(pg_engine))
    errors = []

    def work(n):
        try:
            with factory() as session:
                submit(
                    session,
                    [{"identifier": new_code(), "legal_name": f"并发{n}-{i}"} for i in range(30)],
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with factory() as session:
        assert verify_chain(session).checked == 120
        assert verify_chain(session).ok
        seq_ids, _last = pending(session, "test", limit=1000)
        assert len(seq_ids) == 120


def test_full_rescore_streams_from_postgres_and_agrees_with_incremental(pg_session):
    from registry.demo import generate as demo
    from registry.scores.models import SellerScore
    from registry.scores.service import ScoreService

    demo.load(pg_session, count=12, now=NOW)
    pg_session.commit()
    service = ScoreService(pg_session, now=NOW)
    while service.rescore_changed().sellers:
        pg_session.commit()
    incremental = {s.seller_id: s.value for s in pg_session.execute(select(SellerScore)).scalars()}
    assert service.rescore_all(full=True).full == 12
    pg_session.commit()
    pg_session.expire_all()
    full = {s.seller_id: s.value for s in pg_session.execute(select(SellerScore)).scalars()}
    assert max(abs(full[k] - incremental[k]) for k in full) < 1e-9


def test_two_index_nodes_fed_from_the_shared_log_answer_alike(pg_session, tmp_path):
    from search import SellerSearcher
    from web.indexing import apply_changes

    submit(
        pg_session,
        [
            {"identifier": new_code(), "legal_name": name}
            for name in ("杭州云帆数码有限公司", "上海星禾服饰有限公司", "北京云帆图书有限公司")
        ],
    )
    nodes = [(tmp_path / n / "sellers", tmp_path / n / "narratives") for n in ("a", "b")]
    apply_changes(pg_session, nodes[0])  # node a starts early, node b later
    submit(pg_session, [{"identifier": new_code(), "legal_name": "成都麦穗食品有限公司"}])
    for node in nodes:
        while apply_changes(pg_session, node):
            pass
    for q in ("云帆", "麦穗", "yunfan", "服饰"):
        a, b = (SellerSearcher(node[0]).search(q) for node in nodes)
        assert a.ids == b.ids and a.total == b.total and a.total > 0, q


def test_a_rebuild_in_parts_reads_postgresql_in_each_process(pg_session, tmp_path):
    from search import SellerSearcher
    from web.indexing import rebuild

    submit(
        pg_session,
        [{"identifier": new_code(), "legal_name": f"宁波云帆{i}号五金商行"} for i in range(9)],
    )
    one = (tmp_path / "one" / "sellers", tmp_path / "one" / "narratives")
    three = (tmp_path / "three" / "sellers", tmp_path / "three" / "narratives")
    assert rebuild(pg_session, one, procs=1) == rebuild(pg_session, three, procs=3, min_per_part=3)
    a, b = SellerSearcher(one[0]), SellerSearcher(three[0])
    assert a.search("云帆", per_page=50).ids == b.search("云帆", per_page=50).ids
    assert b.search("五金", per_page=50).total == 9
