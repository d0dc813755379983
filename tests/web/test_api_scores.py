from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import scoring
from registry.scores.service import ScoreService

from ..factories import make_seller, make_token

ROOT = Path(__file__).resolve().parents[2]


def post_events(client, token, rows):
    return client.post(
        "/api/v1/events",
        data=json.dumps(rows, default=str),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/json",
    )


def recent(days):
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_events_api_then_score_in_seller_json(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    rows = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "occurred_at": recent(10),
            "order_ref": f"o{i}",
            "buyer_ref": f"b{i}",
            "external_ref": f"x{i}",
        }
        for i in range(40)
    ]
    response = post_events(client, token, rows)
    assert response.status_code == 200 and response.json["meta"]["summary"]["created"] == 40
    assert post_events(client, token, rows).json["meta"]["summary"]["unchanged"] == 40
    ScoreService(session).rescore_changed()
    session.commit()
    data = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    score = data["score"]
    assert score["version"] == scoring.SCORING_VERSION and score["grade"] and score["display_grade"]
    assert "text_zh" in score["explanation"] and score["caps"] == []
    history = client.get(f"/api/v1/sellers/{seller.public_id}/score-history").json["data"]
    assert len(history) == 1 and history[0]["value"] == score["value"]


def test_platform_cannot_record_sanctions(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    response = post_events(
        client,
        token,
        [{"seller": seller.public_id, "kind": "sanction_major_fine", "occurred_at": recent(3)}],
    )
    assert response.status_code == 422
    assert "regulator" in response.json["data"][0]["errors"]["kind"]


def test_bad_events_are_rejected_with_reasons(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    response = post_events(
        client,
        token,
        [
            {"seller": seller.public_id, "kind": "teleport", "occurred_at": recent(1)},
            {"seller": "s-nobody", "kind": "order", "occurred_at": recent(1)},
            {"seller": seller.public_id, "kind": "order", "occurred_at": "2999-01-01"},
            {"seller": seller.public_id, "kind": "order", "occurred_at": "yesterday"},
            {
                "seller": seller.public_id,
                "kind": "order",
                "occurred_at": recent(1),
                "verification": "regulator",
            },
        ],
    )
    assert response.status_code == 422
    errors = [r["errors"] for r in response.json["data"]]
    assert "kind" in errors[0] and "seller" in errors[1] and "occurred_at" in errors[2]
    assert "occurred_at" in errors[3] and "verification" in errors[4]


def test_regulator_can_be_consumer_of_events_but_merchant_cannot(client, session):
    seller = make_seller(session)
    token = make_token(session, "merchant", seller_id=seller.id)
    assert post_events(client, token, []).status_code == 403


def test_scoring_model_is_published(client):
    data = client.get("/api/v1/scoring/model").json["data"]
    assert data["version"] == scoring.SCORING_VERSION
    text = json.dumps(data)
    assert "300" in text and "180" in text


def test_cli_rescore_all_with_progress(runner, session):
    make_seller(session)
    result = runner.invoke(args=["rescore", "--all"])
    assert result.exit_code == 0 and "1 sellers rescored" in result.output


def test_scheduler_process_rescores_a_new_event_within_seconds(app, session, tmp_path):
    seller = make_seller(session)
    ScoreService(session).rescore_changed()
    session.commit()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_APP": "wsgi",
    }
    log = (tmp_path / "scheduler.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        from registry.events.service import EventService

        list(
            EventService(session, "regulator:t", "regulator").submit(
                [
                    {
                        "seller": seller.public_id,
                        "kind": "fraud_report",
                        "occurred_at": recent(1),
                        "verification": "regulator",
                        "category": "deposit_scam",
                    }
                ]
            )
        )
        session.commit()
        from registry.scores.models import SellerScore

        deadline = time.monotonic() + 20
        value = None
        while time.monotonic() < deadline:
            session.rollback()  # a new snapshot each time round
            value = session.get(SellerScore, seller.id).value
            if value < 75:
                break
            time.sleep(0.2)
        output = (tmp_path / "scheduler.log").read_text(errors="replace")
        assert value is not None and value < 75, f"not rescored in time:\n{output}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
