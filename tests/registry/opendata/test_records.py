"""The open data lines: the public view streamed in keyset chunks, in constant memory."""

from __future__ import annotations

import csv
import gc
import io
import json
import tracemalloc

import pytest
from sqlalchemy import event

from registry.complaints.service import ComplaintService
from registry.opendata import CSV_COLUMNS, complaint_lines, seller_csv, seller_lines
from registry.read.view import stream_views
from registry.trust.tokens import Principal

from ...factories import make_seller
from .conftest import add_events, add_sellers

MODERATOR = Principal(1, "moderator", "moderator")
NARRATIVES = (
    "双十一下单的蓝牙耳机，付款后商家一直不发货，客服也不回复，催了五次都说在安排。",
    "买的羽绒服收到后发现是旧款，和页面描述完全不一样，申请退货被拒绝，理由是已拆吊牌。",
    "预付了三百元定金订购沙发，约定十五天交货，现在过去两个月了，店铺电话打不通。",
    "手机壳质量很差，用了两天就裂了，商家说人为损坏不给换，还把我的评价删除了。",
    "充值的会员卡余额被清零，商家说系统升级，要求重新购买，之前的钱不退。",
    "网购的电饭煲用了一周就坏了，联系售后说要自费寄回检测，运费比锅还贵。",
    "订的生日蛋糕晚送了三个小时，奶油全化了，商家只肯退一半的钱。",
)


def file_complaints(app, session, seller, n: int, narrative_extra: str = ""):
    """File ``n`` complaints against ``seller`` from ``n`` complainants; return them."""
    service = ComplaintService(session, secret=app.config["DIGEST_SECRET"])
    filed = []
    for i in range(n):
        complaint, _token = service.file(
            {
                "seller": seller.public_id,
                "category": "contract_fulfillment",
                "narrative": NARRATIVES[i] + narrative_extra,
                "contact": f"1381111{i:04d}",
            },
            f"client-{i}",
        )
        filed.append(complaint)
    return service, filed


def _jsonl(chunks) -> list[dict]:
    return [json.loads(line) for line in b"".join(chunks).decode("utf-8").splitlines()]


def test_stream_views_reads_keyset_chunks_in_id_order(app, session, reader):
    add_sellers(session, 35)
    statements: list[str] = []
    engine = app.extensions["registry_db"].engine

    def seen(conn, cursor, statement, *args):
        if "FROM seller" in statement and "GROUP BY" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        chunks = [[v.seller_id for v in views] for views in stream_views(reader, chunk=10)]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [len(c) for c in chunks] == [10, 10, 10, 5]
    ids = [i for c in chunks for i in c]
    assert ids == sorted(ids) and len(set(ids)) == 35
    assert len(statements) == 4  # one statement per chunk, none per seller
    # Keyset pages (after the last id read), not offsets a database must count past.
    assert all("LIMIT" in s and "seller.id >" in s for s in statements)


def _peak(reader, chunks) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        size = sum(len(part) for part in chunks(reader, chunk=20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 0
    return peak


def test_memory_does_not_grow_with_the_number_of_sellers(app, session, reader):
    add_sellers(session, 40)
    _peak(reader, seller_lines)  # warm the statement caches
    small = _peak(reader, seller_lines)
    add_sellers(session, 200, start=40)
    reader.rollback()  # a new snapshot that sees them
    large = _peak(reader, seller_lines)
    # Six times the sellers: a list of them all would take several times the memory.
    assert large < small * 1.5, (small, large)


def test_a_seller_line_is_the_api_record_with_its_public_counts(client, session, reader):
    seller = make_seller(session, legal_name="杭州开放数据测试有限公司")
    add_events(
        session,
        seller,
        "platform",
        {"kind": "complaint", "category": "contract_fulfillment", "external_ref": "c1"},
        {"kind": "complaint", "category": "contract_fulfillment", "external_ref": "c2"},
        {"kind": "fraud_report", "category": "deposit_scam", "external_ref": "f1"},
        {"kind": "order", "external_ref": "o1"},
    )
    add_events(session, seller, "regulator", {"kind": "sanction_minor_fine", "external_ref": "s1"})
    [line] = _jsonl(seller_lines(reader))
    api = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    counts = line.pop("counts")
    assert line == json.loads(json.dumps(api))
    assert counts == {"complaints": 2, "fraud_reports": 1, "sanctions": 1}


def test_sellers_csv_starts_with_a_byte_order_mark_and_keeps_chinese(session, reader):
    make_seller(session, legal_name="深圳市华强北电子商行")
    body = b"".join(seller_csv(reader))
    assert body.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8, not the ANSI code page
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["legal_name"] == "深圳市华强北电子商行"
    assert rows[0]["grade"] == "NR" and rows[0]["complaints"] == "0"


def test_a_csv_cell_that_looks_like_a_formula_is_written_as_text(session, reader):
    make_seller(session, legal_name='=HYPERLINK("http://evil.example")商行')
    [row] = list(csv.DictReader(io.StringIO(b"".join(seller_csv(reader)).decode("utf-8-sig"))))
    assert row["legal_name"].startswith("'=")


def test_the_complaint_export_holds_public_complaints_as_the_pages_show_them(
    app, client, session, reader
):
    seller = make_seller(session)
    service, filed = file_complaints(app, session, seller, 3, "请打我电话13812345678。")
    ids = {}
    for state, complaint in zip(("submitted", "accepted", "rejected"), filed, strict=True):
        if state == "accepted":
            service.accept(complaint.id, MODERATOR)
        elif state == "rejected":
            service.reject(complaint.id, MODERATOR, "重复投诉")
        ids[state] = complaint.public_id
    session.commit()
    lines = _jsonl(complaint_lines(reader))
    assert [c["id"] for c in lines] == [ids["accepted"]]
    page = client.get(f"/api/v1/complaints/{ids['accepted']}").json["data"]
    assert {k: v for k, v in lines[0].items() if k != "created_at"} == {
        k: v for k, v in page.items() if k not in ("created_at",)
    }
    assert "13812345678" not in json.dumps(lines, ensure_ascii=False)


def test_complaints_are_streamed_in_chunks(app, session, reader):
    seller = make_seller(session)
    service, filed = file_complaints(app, session, seller, 7)
    for complaint in filed:
        service.accept(complaint.id, MODERATOR)
    session.commit()
    from registry.complaints.queries import ComplaintQueries

    sizes = [len(c) for c in ComplaintQueries(reader).public_stream(chunk=3)]
    assert sizes == [3, 3, 1]


@pytest.mark.postgres
def test_sellers_stream_from_postgresql_in_chunks(pg_session):
    add_sellers(pg_session, 25)
    lines = []
    for part in seller_lines(pg_session, chunk=10):
        lines += [json.loads(line) for line in part.decode().splitlines()]
    assert len(lines) == 25 and len({line["id"] for line in lines}) == 25
    assert all(
        line["counts"] == {"complaints": 0, "fraud_reports": 0, "sanctions": 0} for line in lines
    )
