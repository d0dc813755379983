"""The change-log rescore takes a wide window of sellers, in parts each committed, and
moves its cursor only with the last part."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.journal import changelog
from registry.scores.models import SellerScore
from registry.scores.service import RESCORE_CONSUMER, ScoreService

from ...factories import make_seller
from .test_scores import NOW, add_events, orders


def _batches(session, sellers, count):
    """``count`` batches, each naming every seller once (as a platform's daily file does)."""
    for b in range(count):
        for s in sellers:
            add_events(session, s, orders(2, start=NOW - timedelta(days=90 - b), prefix=f"{b}-"))


def _scores(session) -> dict[int, float]:
    session.expire_all()
    return {s.seller_id: s.value for s in session.execute(select(SellerScore)).scalars()}


def test_a_backlog_of_batches_rescoring_each_seller_once(session):
    sellers = [make_seller(session) for _ in range(6)]
    service = ScoreService(session, now=NOW)
    service.rescore_changed()
    session.commit()
    _batches(session, sellers, 5)
    # A window narrower than the sellers named (as 5,000 of 20,000 were): one batch a run.
    narrow = ScoreService(session, now=NOW)
    runs = rescores = 0
    while summary := narrow.rescore_changed(limit=4).sellers:
        runs, rescores = runs + 1, rescores + summary
        session.commit()
    assert rescores > len(sellers)
    # The same backlog, taken in one wide window: every seller once.
    _batches(session, sellers, 5)
    summary = ScoreService(session, now=NOW).rescore_changed(limit=100)
    session.commit()
    assert summary.sellers == len(sellers)
    assert ScoreService(session, now=NOW).rescore_changed().sellers == 0


def test_parts_are_committed_and_the_cursor_moves_with_the_last(session):
    sellers = [make_seller(session) for _ in range(7)]
    _batches(session, sellers, 2)
    commits: list[int] = []

    def commit():
        commits.append(changelog.cursor(session, RESCORE_CONSUMER))
        session.commit()

    summary = ScoreService(session, now=NOW).rescore_changed(part=3, commit=commit)
    session.commit()
    assert summary.sellers == 7 and len(commits) == 2  # parts of 3, 3, 1
    assert set(commits) == {0}  # between parts, the cursor stayed where it was
    assert changelog.cursor(session, RESCORE_CONSUMER) > 0
    assert ScoreService(session, now=NOW).rescore_changed().sellers == 0


def test_a_run_stopped_between_parts_is_finished_by_the_next_to_the_same_scores(session):
    sellers = [make_seller(session) for _ in range(7)]
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    _batches(session, sellers, 3)
    calls = 0

    def commit_then_die():
        nonlocal calls
        calls += 1
        session.commit()
        if calls == 2:
            raise KeyboardInterrupt  # killed after two parts were committed

    with pytest.raises(KeyboardInterrupt):
        ScoreService(session, now=NOW).rescore_changed(part=2, commit=commit_then_die)
    session.rollback()
    assert changelog.cursor(session, RESCORE_CONSUMER) < changelog.head(session)
    again = ScoreService(session, now=NOW).rescore_changed(part=2, commit=session.commit)
    session.commit()
    assert again.sellers == 7
    interrupted = _scores(session)
    ScoreService(session, now=NOW).rescore_all(full=True)
    session.commit()
    assert _scores(session) == pytest.approx(interrupted, abs=1e-9)
