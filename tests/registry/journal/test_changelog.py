"""Consumers of the change log take at most ``limit`` sellers a call, and every further
entry of a seller already taken in the same call: a backlog collapses into one turn per
seller, and the cursor never passes an entry that was not handed over."""

from __future__ import annotations

import pytest

from registry.journal import changelog
from registry.journal.kinds import ChangeKind

from ...factories import make_seller


@pytest.fixture
def sellers(session):
    return [make_seller(session).id for _ in range(3)]


def _log(session, ids, kind=ChangeKind.EVENT) -> None:
    for sid in ids:
        changelog.mark_changed(session, [sid], kind)
    session.commit()


def _drain(session, consumer, limit):
    """Every call's sellers, advancing the cursor as a job does."""
    calls = []
    while True:
        ids, last = changelog.pending(session, consumer, limit)
        changelog.advance(session, consumer, last)
        session.commit()
        if not ids:
            return calls
        calls.append(ids)


def test_a_backlog_of_few_sellers_is_one_call(session, sellers):
    start = changelog.head(session)
    _log(session, sellers * 500)  # 1,500 entries, three sellers
    ids, last = changelog.pending(session, "t", limit=3)
    assert sorted(ids) == sorted(sellers) and last == changelog.head(session) > start
    found, seq = changelog.since(session, start, limit=3)
    assert sorted({sid for sid, _ in found}) == sorted(sellers) and seq == last


def test_a_call_stops_before_the_seller_past_its_limit(session, sellers):
    a, b, c = sellers
    changelog.advance(session, "t", changelog.head(session))
    session.commit()
    _log(session, [a, a, b, c, a, b])
    ids, last = changelog.pending(session, "t", limit=2)
    assert ids == [a, b]
    # the cursor stops at b's first entry: c's and everything after it come next
    changelog.advance(session, "t", last)
    session.commit()
    ids, _ = changelog.pending(session, "t", limit=2)
    assert ids == [c, a]
    assert _drain(session, "t", 2) == [[c, a], [b]]


def test_every_seller_is_handed_over_whatever_the_limit(session, sellers, monkeypatch):
    monkeypatch.setattr(changelog, "_CHUNK", 4)  # pages of four entries
    monkeypatch.setattr(changelog, "SCAN_LIMIT", 10)  # and at most ten read per call
    changelog.advance(session, "t", changelog.head(session))
    session.commit()
    _log(session, [sellers[n % 3] for n in range(40)])
    for limit in (1, 2, 3):
        changelog.advance(session, f"t{limit}", changelog.head(session) - 40)
        session.commit()
        calls = _drain(session, f"t{limit}", limit)
        assert all(len(c) <= limit for c in calls)
        assert {sid for c in calls for sid in c} == set(sellers)
        assert changelog.cursor(session, f"t{limit}") == changelog.head(session)


def test_excluded_kinds_are_passed_over(session, sellers):
    a, b, _ = sellers
    changelog.advance(session, "t", changelog.head(session))
    session.commit()
    _log(session, [a, b] * 10, ChangeKind.SCORE)
    _log(session, [b])
    ids, last = changelog.pending(session, "t", limit=1, exclude_kinds=(ChangeKind.SCORE,))
    assert ids == [b] and last == changelog.head(session)
