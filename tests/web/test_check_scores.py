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


def test_a_full_rescore_commits_per_range_and_a_stopped_one_leaves_whole_ranges(
    runner, app, session
):
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session as OrmSession

    from registry.scores.models import SellerScore
    from registry.scores.service import ScoreService

    _demo(runner, app)
    commits = []

    def counted(_session):
        commits.append(1)

    sa_event.listen(OrmSession, "after_commit", counted)
    try:
        result = runner.invoke(args=["rescore", "--all", "--full", "--batch", "7"])
    finally:
        sa_event.remove(OrmSession, "after_commit", counted)
    assert result.exit_code == 0, result.output
    assert len(commits) >= 30 // 7  # one transaction per range, not one for the pass

    # A pass that dies after its second range (as a killed process would: the open
    # transaction is rolled back) leaves two whole ranges rescored as of its own moment.
    later = datetime.now(UTC) + timedelta(days=30)
    done = []

    def commit_then_die():
        session.commit()
        done.append(1)
        if len(done) == 2:
            raise KeyboardInterrupt

    try:
        ScoreService(session, now=later).rescore_all(full=True, batch=7, commit=commit_then_die)
    except KeyboardInterrupt:
        session.rollback()
    moments = session.execute(select(SellerScore.computed_at)).scalars().all()
    assert sum(1 for m in moments if m == later) == 14
    checked = runner.invoke(args=["check-scores"])
    assert checked.exit_code == 0 and "0 differences" in checked.output, checked.output
    again = runner.invoke(args=["rescore", "--all"])
    assert again.exit_code == 0 and "30 sellers rescored" in again.output, again.output
