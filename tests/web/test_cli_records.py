"""flask import-sanctions and import-fraud-reports: a file in, a summary and every rejected
record named by its line, the same record twice unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from registry.events.models import Event, Sanction

from ..factories import make_seller


def days_ago(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).date().isoformat()


def test_import_sanctions_from_a_gb18030_csv_names_the_bad_line(runner, session, tmp_path):
    seller = make_seller(session)
    rows = [
        "seller,kind,decision_number,authority,decided_on,reason,external_ref",
        f"{seller.public_id},abnormal_operations,杭市监异〔2026〕1号,杭州市市场监督管理局,"
        f"{days_ago(5)},unreachable,AO-1",
        f"{seller.public_id},trading_ban,杭市监禁〔2026〕2号,杭州市市场监督管理局,{days_ago(4)},,TB-1",
        f"{seller.public_id},abnormal_operations,杭市监异〔2026〕3号,杭州市市场监督管理局,"
        f"{days_ago(5)},,AO-3",
    ]
    path = tmp_path / "处罚.csv"
    path.write_bytes("\n".join(rows).encode("gb18030"))
    result = runner.invoke(args=["import-sanctions", str(path), "--source", "市场监管局"])
    assert result.exit_code == 1, result.output
    assert "2 created" in result.output and "1 rejected" in result.output
    assert "处罚.csv:4: rejected: reason:" in result.output
    session.rollback()
    sources = set(session.execute(select(Sanction.source)).scalars())
    assert sources == {"regulator:市场监管局"}
    again = runner.invoke(args=["import-sanctions", str(path), "--source", "市场监管局"])
    assert "2 unchanged" in again.output


def test_import_fraud_reports_from_json_lines(runner, session, tmp_path):
    seller = make_seller(session)
    good = {
        "seller": seller.public_id,
        "scam_type": "counterfeit",
        "amount": 300,
        "occurred_at": days_ago(3),
        "external_ref": "F-1",
    }
    path = tmp_path / "fraud.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "scam_type": "x"}) + "\n")
    result = runner.invoke(
        args=["import-fraud-reports", str(path), "--source", "商城", "--role", "platform"]
    )
    assert result.exit_code == 1
    assert "1 created" in result.output and "fraud.jsonl:2: rejected: scam_type:" in result.output
    session.rollback()
    [event] = session.execute(select(Event).where(Event.kind == "fraud_report")).scalars()
    assert (event.source, event.verification) == ("platform:商城", "platform")


def test_a_file_refused_whole_writes_nothing(runner, session, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"seller": "x"},')
    result = runner.invoke(args=["import-sanctions", str(path), "--source", "局"])
    assert result.exit_code != 0 and "broken.json:" in result.output
    assert "Traceback" not in result.output
