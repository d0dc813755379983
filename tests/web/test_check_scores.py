"""``flask check-scores``: a sample of stored scores recomputed from their events agrees, a
tampered score is named and exits 1, and a seller not yet rescored is pending, not wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from registry.registration.models import Seller

from ..factories import make_token
from .helpers import settle


def _demo(runner, app):
    result = runner.invoke(args=["load-demo", "--count", "30"])
    assert result.exit_code == 0, result.output
    settle(app)


def test_stored_scores_agree_with_their_events(runner, app, client, session):
    _demo(runner, app)
    # Events after the first scores, scored incrementally from the stored state.
    platform = make_token(session, "platform")
    sellers = session.execute(select(Seller.public_id).limit(5)).scalars().all()
    now = datetime.now(UTC)
    body = [
        {
            "seller": sid,
            "kind": "late_shipment",
            "occurred_at": (now - timedelta(days=i)).isoformat(),
            "external_ref": f"late-{sid}-{i}",
        }
        for sid in sellers
        for i in range(3)
    ]
    answer = client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {platform}"}
    )
    assert answer.status_code == 200, answer.json
    settle(app)
    result = runner.invoke(args=["check-scores", "--sample", "1000"])
    assert result.exit_code == 0, result.output
    assert "30 scores recomputed, 0 differences" in result.output


def test_a_tampered_score_is_named(runner, app, session):
    _demo(runner, app)
    victim = session.execute(select(Seller).order_by(Seller.id).limit(1)).scalar_one()
    session.execute(
        text("UPDATE seller_score SET value = value + 7, grade = 'A' WHERE seller_id = :s"),
        {"s": victim.id},
    )
    session.commit()
    result = runner.invoke(args=["check-scores"])
    assert result.exit_code == 1
    assert f"{victim.public_id}: value: stored" in result.output
    assert "1 differences" in result.output or "2 differences" in result.output


def test_a_seller_changed_since_its_rescore_is_pending(runner, app, client, session):
    _demo(runner, app)
    platform = make_token(session, "platform")
    sid = session.execute(select(Seller.public_id).limit(1)).scalar_one()
    body = [
        {
            "seller": sid,
            "kind": "non_delivery",
            "occurred_at": datetime.now(UTC).isoformat(),
            "external_ref": "nd-1",
        }
    ]
    client.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {platform}"})
    result = runner.invoke(args=["check-scores"])
    assert result.exit_code == 0, result.output
    assert "29 scores recomputed, 0 differences (1 sellers changed" in result.output
