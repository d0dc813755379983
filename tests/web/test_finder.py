from __future__ import annotations

from web.finder import _PerIndexVersion


class _Store:
    """A searcher's version, as finder asks for it."""

    def __init__(self) -> None:
        self.at = ("gen-1", 7)

    def version(self):
        return self.at


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return f"value {len(calls)}"

    return calls, compute


def test_remembers_at_once_without_second_ask():
    cache, store = _PerIndexVersion(10), _Store()
    calls, compute = _counting()
    assert cache.get(store, ("k",), compute) == "value 1"
    assert cache.get(store, ("k",), compute) == "value 1"
    assert len(calls) == 1


def test_second_ask_remembers_what_is_asked_again():
    cache, store = _PerIndexVersion(10, second_ask=True), _Store()
    calls, compute = _counting()
    assert cache.get(store, ("k",), compute) == "value 1"  # asked once: not kept
    assert len(cache.items.items) == 0
    assert cache.get(store, ("k",), compute) == "value 2"  # asked again: kept
    assert cache.get(store, ("k",), compute) == "value 2"
    assert len(calls) == 2


def test_another_index_version_computes_afresh():
    cache, store = _PerIndexVersion(10), _Store()
    calls, compute = _counting()
    cache.get(store, ("k",), compute)
    store.at = ("gen-1", 8)  # a change applied
    assert cache.get(store, ("k",), compute) == "value 2"


def test_only_values_of_the_kept_type_are_remembered():
    cache, store = _PerIndexVersion(10), _Store()
    calls = []

    def redirect():
        calls.append(1)
        return object()

    cache.get(store, ("k",), redirect, keep=str)
    cache.get(store, ("k",), redirect, keep=str)
    assert len(calls) == 2


def test_keys_asked_once_are_forgotten_past_a_bound():
    cache, store = _PerIndexVersion(2, second_ask=True), _Store()
    for i in range(100):
        cache.get(store, (i,), lambda: "x")
    assert len(cache.asked) <= cache.asked_limit == 16
    assert len(cache.items.items) == 0
