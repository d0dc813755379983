"""check-index counts what a searcher sees: a seller indexed twice, or a stale copy, fails it."""

from __future__ import annotations

import pytest

from registry.read.search_docs import seller_documents
from search import SellerIndex
from search.documents import seller_document
from search.engine.building import writer
from web.indexing import check, index_paths

from ..factories import make_seller
from .helpers import settle


@pytest.fixture
def indexed(app, session):
    sellers = [make_seller(session, legal_name=f"杭州核对测试{n}号有限公司") for n in range(3)]
    settle(app)
    return sellers


def _documents(session, sellers) -> list[dict]:
    return seller_documents(session, [s.id for s in sellers])


def _plant(app, docs: list[dict]) -> None:
    """Add documents to the live index without deleting the ids' earlier documents (as no
    writer of the registry does: what a broken writer or reader would leave)."""
    store = SellerIndex(index_paths(app)[0]).store
    ix, _ = store.open()
    w = writer(ix)
    for doc in docs:
        w.add_document(**seller_document(doc))
    w.commit()


def test_a_settled_index_is_complete_and_current(runner, indexed):
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert "3 sellers in 3 documents" in result.output
    assert "index is complete and current" in result.output


def test_a_seller_indexed_twice_fails_the_check(runner, session, indexed, app):
    _plant(app, _documents(session, indexed[:1]))
    report = check(session, index_paths(app))
    assert report.duplicates == [indexed[0].public_id] and report.stale == []
    assert report.indexed_sellers == 3 and report.documents == 4 and not report.ok
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert f"1 indexed more than once: {indexed[0].public_id}" in result.output
    assert "complete" not in result.output


def test_a_stale_copy_beside_the_current_one_fails_the_check(runner, session, indexed, app):
    [old] = _documents(session, indexed[1:2])
    _plant(app, [{**old, "version": "0:-", "score": 99.0}])
    report = check(session, index_paths(app))
    assert report.duplicates == [indexed[1].public_id]
    assert report.stale == [indexed[1].public_id]
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1 and f"1 stale: {indexed[1].public_id}" in result.output


def test_a_stale_only_copy_fails_the_check(runner, session, indexed, app):
    [doc] = _documents(session, indexed[2:])
    SellerIndex(index_paths(app)[0]).apply([{**doc, "version": "0:-"}])
    report = check(session, index_paths(app))
    assert report.stale == [indexed[2].public_id] and report.duplicates == []
    assert runner.invoke(args=["check-index"]).exit_code == 1


def test_deleted_documents_are_not_counted(runner, session, indexed, app):
    # Every apply deletes the earlier document of each id it writes: those stay in their
    # segment, marked deleted, and a search never sees them.
    for _ in range(3):
        SellerIndex(index_paths(app)[0]).apply(_documents(session, indexed))
    report = check(session, index_paths(app))
    assert report.ok and report.documents == 3
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_a_nightly_rescore_that_moves_no_shown_value_leaves_the_index_current(
    runner, session, indexed, app
):
    # The nightly pass stamps every score with a new time; it logs a change only for the
    # sellers whose score moved. The index shows grade, score, verified and marks, not the
    # time: an entry whose shown values are current is current.
    from web.jobs import rescore_all

    rescore_all(app)
    session.expire_all()
    report = check(session, index_paths(app))
    assert report.ok, (report.stale, report.missing)
    assert runner.invoke(args=["check-index"]).exit_code == 0
