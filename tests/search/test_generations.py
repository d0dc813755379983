"""A rebuild and the one applier of changes coordinate: the rebuild fills its generation
without the writer lock (changes keep landing in the live one), waits for an apply to
switch, and a rebuild killed with SIGKILL leaves the live index and a partial generation
that the next rebuild deletes, keeping the last good one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from search import SellerIndex, SellerSearcher, rebuild
from search.engine.store import LIVE_SINCE

from .conftest import SAMPLE, make_seller

ROOT = Path(__file__).resolve().parents[2]


def _docs(n: int, tag: str) -> list[dict]:
    return [make_seller(f"g{i}", f"代际测试商行{i}号{tag}", version=tag) for i in range(n)]


def _names(path: Path) -> set[str]:
    searcher = SellerSearcher(path)
    try:
        return {i for i in searcher.search("商行", per_page=100).ids if i.startswith("g")}
    finally:
        searcher.close()


def test_an_apply_is_not_blocked_by_a_rebuild_in_progress(index_path: Path):
    SellerIndex(index_path).apply(SAMPLE)
    started, release = threading.Event(), threading.Event()

    def slow():
        for doc in _docs(5, "new"):
            started.set()
            release.wait(10)
            yield doc

    building = threading.Thread(target=lambda: SellerIndex(index_path).rebuild(slow()))
    building.start()
    started.wait(10)
    began = time.monotonic()
    SellerIndex(index_path, lock_timeout=2).apply([make_seller("late", "迟到商行")])
    assert time.monotonic() - began < 2  # the apply did not wait for the rebuild
    release.set()
    building.join(30)
    assert not building.is_alive()


def test_a_rebuild_waits_for_an_apply_to_switch(index_path: Path):
    index = SellerIndex(index_path)
    index.apply(SAMPLE)
    held, done = threading.Event(), threading.Event()

    def apply_holding_the_lock():
        with index.store.writer_lock(5):
            held.set()
            time.sleep(2.5)  # a merge of the live generation's segments
        done.set()

    threading.Thread(target=apply_holding_the_lock).start()
    held.wait(5)
    # lock_timeout is what an apply waits; the switch waits longer (SWITCH_WAIT)
    SellerIndex(index_path, lock_timeout=1).rebuild(_docs(3, "after"))
    assert done.is_set()
    assert _names(index_path) == {"g0", "g1", "g2"}


_KILLED_REBUILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from search import SellerIndex
    from tests.search.conftest import make_seller

    def docs():
        for i in range(10_000):
            if i == 3:
                print("filling", flush=True)
            time.sleep(0.01)
            yield make_seller(f"k{{i}}", f"被杀重建商行{{i}}号")

    SellerIndex({path!r}).rebuild(docs())
    """
)


def test_a_killed_rebuild_leaves_the_live_index_and_its_partial_generation_goes(
    index_path: Path,
):
    rebuild(index_path, _docs(4, "first"))
    rebuild(index_path, _docs(4, "good"))  # the last good generation before the kill
    store = SellerIndex(index_path).store
    live = store.current_dir()
    script = _KILLED_REBUILD.format(root=str(ROOT), path=str(index_path))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "filling"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    partial = [g for g in store.generations() if not (g / LIVE_SINCE).exists()]
    assert len(partial) == 1 and store.current_dir() == live
    assert _names(index_path) == {"g0", "g1", "g2", "g3"}  # readers never saw the partial

    rebuild(index_path, _docs(2, "next"))
    remaining = store.generations()
    assert partial[0] not in remaining
    # The new live generation and the last good one before it, for slow readers.
    assert remaining == [live, store.current_dir()]
    assert _names(index_path) == {"g0", "g1"}
