from __future__ import annotations

from registry.core.cache import SellerCache
from registry.core.db import make_engine, session_factory
from registry.journal.changelog import mark_changed

from ...factories import make_seller


def test_forgets_every_key_of_a_changed_seller_and_nothing_else(session):
    a, b = make_seller(session), make_seller(session)
    factory = session_factory(session.get_bind())
    clock = [0.0]
    cache = SellerCache(poll=1.0, clock=lambda: clock[0])
    loads = []

    def loader(seller, tag):
        def load(_session):
            loads.append(tag)
            return seller.id, tag

        return load

    for key, seller in (("a-zh", a), ("a-en", a), ("b-zh", b)):
        assert cache.get(factory, key, loader(seller, key)) == key
    mark_changed(session, [a.id], "score")
    session.commit()
    clock[0] = 2.0
    for key, seller in (("a-zh", a), ("a-en", a), ("b-zh", b)):
        cache.get(factory, key, loader(seller, key))
    assert loads == ["a-zh", "a-en", "b-zh", "a-zh", "a-en"]


def test_oldest_entry_goes_when_full(session):
    seller = make_seller(session)
    factory = session_factory(session.get_bind())
    cache = SellerCache(max_items=2, poll=100.0, clock=lambda: 0.0)
    for key in ("one", "two", "three"):
        cache.get(factory, key, lambda _s, k=key: (seller.id, k))
    assert list(cache.items) == ["two", "three"] and cache.keys[seller.id] == {"two", "three"}


def test_a_value_read_while_its_seller_is_forgotten_is_not_kept(session):
    """Threads: one request reads a record while the seller changes and another request's
    poll forgets the seller; the value read before the change must not be kept after it."""
    a, b = make_seller(session), make_seller(session)
    factory = session_factory(session.get_bind())
    clock = [0.0]
    cache = SellerCache(poll=1.0, clock=lambda: clock[0])
    cache.get(factory, "b", lambda _s: (b.id, "b"))  # the first poll: the log's head

    def read_then_change(_session):
        value = "before"  # what this request read
        mark_changed(session, [a.id], "score")
        session.commit()
        clock[0] = 2.0
        cache.get(factory, "b", lambda _s: (b.id, "b"))  # another request polls meanwhile
        return a.id, value

    assert cache.get(factory, "a", read_then_change) == "before"
    assert cache.get(factory, "a", lambda _s: (a.id, "after")) == "after"


def test_a_long_run_of_passed_over_entries_does_not_hold_a_consumer_back(session):
    """A nightly rescore marks every seller "score"; the rescore job, which passes over its
    own entries, took them 5,000 a run and saw the next real change minutes late."""
    from registry.journal import changelog
    from registry.scores.service import RESCORE_CONSUMER, ScoreService

    from ...factories import make_seller

    seller = make_seller(session)
    ScoreService(session).rescore_changed()
    session.commit()
    changelog.mark_changed(session, range(100_000, 112_000), "score")
    changelog.mark_changed(session, [seller.id], "registration")
    session.commit()
    ids, last = changelog.pending(session, RESCORE_CONSUMER, 5000, exclude_kinds=("score",))
    assert ids == [seller.id] and last == changelog.head(session)
    assert ScoreService(session).rescore_changed().sellers == 1


def test_everything_is_forgotten_when_the_poll_moves_to_another_database(session):
    """A node that moves its reads from a replica to the primary (or back) polls a change
    log at another point: entries loaded from the other database were never checked
    against it."""
    seller = make_seller(session)
    url = session.get_bind().url
    one, two = make_engine(str(url)), make_engine(str(url))
    try:
        clock = [0.0]
        cache = SellerCache(poll=1.0, clock=lambda: clock[0])
        loads = []

        def load(_session):
            loads.append(len(loads))
            return seller.id, len(loads)

        assert cache.get(session_factory(one), "k", load) == 1
        clock[0] = 2.0
        assert cache.get(session_factory(one), "k", load) == 1  # same database: kept
        clock[0] = 4.0
        assert cache.get(session_factory(two), "k", load) == 2  # another: read again
    finally:
        one.dispose()
        two.dispose()
