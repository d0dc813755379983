"""The scheduler's rescore job indexes the scores it wrote, and appliers take turns."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from registry.events.service import EventService
from search import SellerIndex, SellerSearcher
from web import jobs
from web.indexing import index_paths

from ..factories import make_seller
from .helpers import settle


def _score(app, name: str) -> float | None:
    [hit] = SellerSearcher(index_paths(app)[0]).search(name).hits
    return hit.fields["score"]


def test_the_scheduled_rescore_indexes_the_new_score_at_once(app, session):
    assert jobs.SCHEDULE["rescore-changed"][0] == "rescore_and_reindex_changed"
    seller = make_seller(session, legal_name="杭州排程测试数码有限公司")
    settle(app)
    before = _score(app, "排程测试")
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": datetime.now(UTC) - timedelta(days=1),
                }
            ]
        )
    )
    session.commit()
    assert jobs.rescore_and_reindex_changed(app) == 1  # one turn of the job, no other
    after = _score(app, "排程测试")
    assert after is not None and before is not None and after < before


def test_a_second_applier_waits_and_reads_where_the_first_left_off(app, session, monkeypatch):
    """The rescore job and the reindex job both apply changes, in threads of one process: a
    second one must not read the same start, finish first, and then see the first write
    its older batch (an older document of a seller, the sequence moved back)."""
    from registry.journal import changelog

    seller = make_seller(session, legal_name="杭州并发测试商贸有限公司")
    settle(app)
    make_seller(session, legal_name="杭州并发测试一号商行")  # the first applier's batch
    read, go = threading.Event(), threading.Event()
    since = changelog.since

    def paused(*args, **kwargs):
        found = since(*args, **kwargs)
        if threading.current_thread().name == "first":
            read.set()
            go.wait(5)  # holds its batch while the second applier runs
        return found

    monkeypatch.setattr(changelog, "since", paused)
    first = threading.Thread(target=jobs.reindex_changed, args=(app,), name="first")
    first.start()
    assert read.wait(5)
    later = make_seller(session, legal_name="杭州并发测试二号商行")  # after the first's read
    second = threading.Thread(target=jobs.reindex_changed, args=(app,), name="second")
    second.start()
    second.join(0.5)
    go.set()
    first.join(10)
    second.join(10)
    with app.extensions["registry_db"].reader() as s:
        head = changelog.head(s)
    assert SellerIndex(index_paths(app)[0]).last_sequence() == head
    found = SellerSearcher(index_paths(app)[0]).search("并发测试")
    assert found.total == 3 and later.public_id in found.ids and seller.public_id in found.ids


def test_the_compaction_job_joins_segments_beside_the_live_index(app, session, monkeypatch):
    """Applies leave a segment each; past COMPACT_SEGMENTS the job builds a fresh
    generation of one segment per index, switches, and replays what changed meanwhile."""
    from search.engine import writing
    from web.indexing import check

    monkeypatch.setattr(writing, "MAX_SEGMENTS", 1000)  # no merge inside the live index
    monkeypatch.setattr(writing, "COMPACT_SEGMENTS", 4)
    assert jobs.SCHEDULE["index-compaction"][0] == "compact_index"
    make_seller(session, legal_name="杭州压缩测试零号有限公司")
    settle(app)
    assert jobs.compact_index(app) is False  # nothing to do: the live index is kept
    live = SellerIndex(index_paths(app)[0]).store.current_dir()
    for n in range(1, 5):
        make_seller(session, legal_name=f"杭州压缩测试{n}号有限公司")
        settle(app)
    index = SellerIndex(index_paths(app)[0])
    assert len(index.segment_sizes()) >= 4 and index.needs_compaction()
    assert jobs.compact_index(app) is True
    assert index.store.current_dir() != live
    assert len(index.segment_sizes()) == 1 and not index.needs_compaction()
    with app.extensions["registry_db"].reader() as s:
        report = check(s, index_paths(app))
    assert report.ok and report.indexed_sellers == 5
    assert SellerSearcher(index_paths(app)[0]).search("压缩测试").total == 5


def test_scheduler_now_names_an_unknown_job_and_the_known_ones(runner):
    result = runner.invoke(args=["scheduler", "--now", "rescore-al"])
    assert result.exit_code == 2
    assert "no such job: rescore-al" in result.output and "rescore-all" in result.output


def test_an_event_writes_no_search_entry_until_the_score_it_moves(app, session):
    """The change log names the seller of every event; its search entry holds the score,
    not the events: the reindex job rewrites it once the rescore moved what it shows."""
    from registry.journal import changelog

    seller = make_seller(session, legal_name="杭州跳过测试数码有限公司")
    settle(app)
    index = SellerIndex(index_paths(app)[0])
    segments = len(index.segment_sizes())
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": datetime.now(UTC) - timedelta(days=1),
                }
            ]
        )
    )
    session.commit()
    assert jobs.reindex_changed(app) == 1  # the event's entry: read, compared, not written
    assert len(index.segment_sizes()) == segments
    with app.extensions["registry_db"].reader() as s:
        assert index.last_sequence() == changelog.head(s)
    before = _score(app, "跳过测试")
    assert jobs.rescore_and_reindex_changed(app) == 1  # the score moved: written now
    assert len(index.segment_sizes()) == segments + 1
    assert _score(app, "跳过测试") < before
