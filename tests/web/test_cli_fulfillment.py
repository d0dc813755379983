"""flask import-fulfillment: a platform's file, with a progress bar and per-line errors."""

from __future__ import annotations

import json

from sqlalchemy import select

from registry.events.fulfillment_models import FulfillmentDay

from ..factories import make_seller


def test_a_gb18030_csv_is_imported_as_the_sources_days_with_rejected_lines(
    runner, tmp_path, session
):
    seller = make_seller(session)
    path = tmp_path / "日报.csv"
    path.write_bytes(
        (
            "seller,day,orders,late_shipments,chargebacks,external_ref\n"
            f"{seller.public_id},2026-01-05,300,4,1,甲-1\n"
            f"{seller.public_id},2026-01-06,10,11,0,甲-2\n"
            f"{seller.public_id},2026-01-07,50,0,0,甲-3\n"
        ).encode("gb18030")
    )
    result = runner.invoke(args=["import-fulfillment", str(path), "--source", "shop-a"])
    assert result.exit_code == 1, result.output
    assert "2 created" in result.output and "1 rejected" in result.output
    assert "日报.csv:3: rejected: late_shipments: more than the day's 10 orders" in result.output
    assert "importing" in result.output  # the progress bar
    session.rollback()
    sources = set(session.execute(select(FulfillmentDay.source)).scalars())
    assert sources == {"platform:shop-a"}
    again = runner.invoke(args=["import-fulfillment", str(path), "--source", "shop-a"])
    assert "2 unchanged" in again.output


def test_a_json_lines_file_of_per_order_records(runner, tmp_path, session):
    seller = make_seller(session)
    path = tmp_path / "orders.jsonl"
    record = {
        "seller": seller.public_id,
        "kind": "order",
        "verification": "platform",
        "occurred_at": "2026-01-05T10:00:00+00:00",
    }
    path.write_text(json.dumps(record) + "\n" + "{broken\n")
    result = runner.invoke(args=["import-fulfillment", str(path), "--source", "shop-a"])
    assert "1 created" in result.output
    assert "orders.jsonl:2: rejected" in result.output


def test_an_unreadable_file_is_one_message_and_nothing_is_written(runner, tmp_path, session):
    path = tmp_path / "x.csv"
    path.write_bytes(b'seller,day\n"unterminated,2026-01-01\n')
    result = runner.invoke(args=["import-fulfillment", str(path), "--source", "shop-a"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    session.rollback()
    assert session.execute(select(FulfillmentDay)).first() is None


def test_a_source_is_required(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[]")
    result = runner.invoke(args=["import-fulfillment", str(path)])
    assert result.exit_code == 2 and "--source" in result.output
    blank = runner.invoke(args=["import-fulfillment", str(path), "--source", " "])
    assert blank.exit_code == 2
