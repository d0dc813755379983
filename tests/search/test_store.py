"""The live version of an index (generation and applied sequence), read only on change."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import SellerIndex
from search.schema import SCHEMA_VERSION, seller_schema
from search.store import IndexStore

from .conftest import make_seller


def test_live_version_follows_every_change_and_rereads_only_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(tmp_path / "ix", "sellers", seller_schema, SCHEMA_VERSION)
    assert store.live_version() == (None, None)
    index = SellerIndex(tmp_path / "ix")
    index.rebuild([make_seller("a", "云帆数码")])
    first = store.live_version()
    assert first[0] is not None and first == (store.current_dir().name, store.read_sequence())

    reads = []
    real = IndexStore.read_sequence
    monkeypatch.setattr(
        IndexStore, "read_sequence", lambda self, gen=None: reads.append(1) or real(self, gen)
    )
    assert store.live_version() == first and store.live_version() == first
    assert reads == []  # nothing changed: two stats, no read

    store.write_sequence(41)
    assert store.live_version() == (first[0], 41) and len(reads) == 1
    store.write_sequence(42)
    assert store.live_version() == (first[0], 42)

    index.rebuild([make_seller("b", "木棉家居")])  # a new generation: CURRENT replaced
    rebuilt = store.live_version()
    assert rebuilt[0] != first[0] and rebuilt == (store.current_dir().name, store.read_sequence())
