"""Keeping the index right: one writer, batched apply, atomic rebuild, sequence numbers."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from search import IndexBusyError, IndexMissingError, SellerIndex, SellerSearcher, exists, rebuild
from search.engine.store import POINTER

from .conftest import SAMPLE, make_seller


def batch(start: int, count: int, tag: str = "") -> list[dict]:
    return [
        make_seller(f"b{i}", f"批量测试商行{i}号{tag}", version=tag or 1)
        for i in range(start, start + count)
    ]


def test_apply_adds_and_replaces_by_id(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    ix.apply([make_seller("x1", "旧名字商行")])
    ix.apply([make_seller("x1", "新名字商行", version=2)])
    s = SellerSearcher(index_path)
    assert s.search("新名字").ids == ["x1"]
    assert s.search("旧名字").total == 0
    assert ix.doc_ids_and_versions() == {"x1": "2"}


def test_apply_deletes(sample_index: Path) -> None:
    stats = SellerIndex(sample_index).apply([], ["s2"])
    assert stats.deleted == 1
    assert SellerSearcher(sample_index).search("小米").total == 0


def test_an_id_both_upserted_and_deleted_ends_deleted(index_path: Path) -> None:
    SellerIndex(index_path).apply([make_seller("x1", "某某商行")], ["x1"])
    assert SellerIndex(index_path).doc_count() == 0


def test_the_last_duplicate_in_a_batch_wins(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [make_seller("x1", "第一版商行"), make_seller("x1", "第二版商行")]
    )
    assert SellerIndex(index_path).doc_count() == 1
    assert SellerSearcher(index_path).search("第二版").ids == ["x1"]


def test_a_bad_document_changes_nothing(sample_index: Path) -> None:
    ix = SellerIndex(sample_index)
    with pytest.raises(ValueError, match="id"):
        ix.apply([make_seller("ok", "好商行"), {"legal_name": "无编号"}], ["s1"])
    assert ix.doc_count() == len(SAMPLE)


def test_sequence_is_recorded_with_the_batch(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    assert ix.last_sequence() is None
    ix.apply(batch(0, 3), sequence=41)
    assert ix.last_sequence() == 41
    ix.record_sequence(42)
    assert SellerIndex(index_path).last_sequence() == 42


def test_exists_and_versions_for_check_index(index_path: Path) -> None:
    assert not exists(index_path)
    SellerIndex(index_path).apply(SAMPLE)
    assert exists(index_path)
    versions = SellerIndex(index_path).doc_ids_and_versions()
    assert set(versions) == {d["id"] for d in SAMPLE}
    assert versions["s1"] == "3"


def test_searching_a_missing_index_is_a_domain_error(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        SellerSearcher(tmp_path / "nothing").search("平安")


def test_reader_sees_a_commit_without_reopening(sample_index: Path) -> None:
    s = SellerSearcher(sample_index)
    before = s.cache.searcher()
    assert s.search("新开张").total == 0
    SellerIndex(sample_index).apply([make_seller("n1", "新开张商行")])
    assert s.search("新开张").ids == ["n1"]
    assert s.cache.searcher() is not before


def test_a_settled_index_is_not_listed_per_search_and_a_commit_is_still_seen(
    sample_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the generation folder has not changed for a while, a search checks it with one
    stat instead of Whoosh's listing; a commit changes the folder and is seen at once."""
    import os
    import time

    from whoosh.index import FileIndex

    listed: list[int] = []
    latest = FileIndex.latest_generation

    def counted(self: FileIndex) -> int:
        listed.append(1)
        return latest(self)

    monkeypatch.setattr(FileIndex, "latest_generation", counted)
    s = SellerSearcher(sample_index)
    gen = s.store.current_dir()
    settled = time.time() - 60
    os.utime(gen, (settled, settled))
    s.search("平安")  # opens, and remembers the settled folder
    listed.clear()
    for _ in range(3):
        assert s.search("平安").total == 2
    assert listed == []
    SellerIndex(sample_index).apply([make_seller("n2", "新开张平安商行")])
    assert s.search("平安").total == 3  # the folder changed: checked and refreshed
    assert listed


def test_reader_reuses_its_searcher_while_nothing_changes(searcher: SellerSearcher) -> None:
    first = searcher.cache.searcher()
    searcher.search("平安")
    assert searcher.cache.searcher() is first


def test_second_writer_fails_cleanly_when_it_cannot_wait(sample_index: Path) -> None:
    holder = SellerIndex(sample_index)
    impatient = SellerIndex(sample_index, lock_timeout=0)
    with holder.store.writer_lock(5):
        with pytest.raises(IndexBusyError):
            impatient.apply([make_seller("late", "迟到商行")])
    assert SellerIndex(sample_index).doc_count() == len(SAMPLE)


def test_concurrent_writers_wait_and_lose_nothing(index_path: Path) -> None:
    SellerIndex(index_path).create()
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            ix = SellerIndex(index_path, lock_timeout=30)
            for n in range(start, start + 60, 20):
                ix.apply(batch(n, 20))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k * 60,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(SellerIndex(index_path).doc_ids_and_versions()) == {f"b{i}" for i in range(180)}


def _write_in_process(path: str, start: int) -> None:
    SellerIndex(path, lock_timeout=60).apply(batch(start, 50))


def test_writers_in_two_processes_lose_nothing(index_path: Path) -> None:
    SellerIndex(index_path).create()
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_write_in_process, args=(str(index_path), k * 50)) for k in range(2)
    ]
    with SellerIndex(index_path).store.writer_lock(5):
        for p in procs:
            p.start()  # both wait on the lock held here
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert SellerIndex(index_path).doc_count() == 100


def test_rebuild_switches_atomically(sample_index: Path) -> None:
    reader = SellerSearcher(sample_index)
    seen_during: list[int] = []

    def progress(n: int) -> None:
        seen_during.append(reader.search("平安").total)  # the old index, whole

    count = SellerIndex(sample_index).rebuild(
        [make_seller("r1", "重建后的商行"), *batch(0, 1500)], progress=progress, sequence=99
    )
    assert count == 1501
    assert seen_during and set(seen_during) == {2}
    assert reader.search("平安").total == 0
    assert reader.search("重建后").ids == ["r1"]
    assert SellerIndex(sample_index).last_sequence() == 99


def test_rebuild_keeps_one_old_generation_for_slow_readers(sample_index: Path) -> None:
    for k in range(3):
        rebuild(sample_index, batch(0, 5, tag=str(k)))
    assert len(SellerIndex(sample_index).store.generations()) == 2


def test_a_failed_rebuild_leaves_the_live_index(sample_index: Path) -> None:
    pointer = (sample_index / POINTER).read_text()

    def docs():
        yield make_seller("r1", "半截商行")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(sample_index, docs())
    assert (sample_index / POINTER).read_text() == pointer
    assert SellerSearcher(sample_index).search("平安").total == 2
    assert len(SellerIndex(sample_index).store.generations()) == 1


def test_rebuild_rejects_duplicate_ids(index_path: Path) -> None:
    with pytest.raises(ValueError, match="twice"):
        rebuild(index_path, [make_seller("d", "甲商行"), make_seller("d", "乙商行")])
    assert not exists(index_path)


def test_two_indexes_fed_the_same_batches_answer_the_same(tmp_path: Path) -> None:
    batches = [
        (SAMPLE[:3], []),
        (batch(0, 40), ["s2"]),
        ([SAMPLE[1], make_seller("b3", "改名后的批量商行")], ["b7"]),
        (SAMPLE[3:], []),
    ]
    a, b = SellerIndex(tmp_path / "a"), SellerIndex(tmp_path / "b")
    for seq, (ups, dels) in enumerate(batches, 1):
        a.apply(ups, dels, sequence=seq)
        b.apply(ups, dels, sequence=seq)
    sa, sb = SellerSearcher(tmp_path / "a"), SellerSearcher(tmp_path / "b")
    for q in ["平安", "批量", "商行", "xiaomi", "payh", "改名", "三只松鼠", "shop123.taobao.com"]:
        ra, rb = sa.search(q, facets=("grade",)), sb.search(q, facets=("grade",))
        assert [(h.seller_id, round(h.score, 6)) for h in ra.hits] == [
            (h.seller_id, round(h.score, 6)) for h in rb.hits
        ]
        assert (ra.total, ra.facets) == (rb.total, rb.facets)
    assert a.doc_ids_and_versions() == b.doc_ids_and_versions()
    assert a.last_sequence() == b.last_sequence() == 4


def test_readers_in_threads_keep_answering_through_applies_and_rebuilds(sample_index: Path) -> None:
    searcher = SellerSearcher(sample_index)
    stop = threading.Event()
    errors: list[BaseException] = []
    answered = [0]

    def read() -> None:
        try:
            while not stop.is_set():
                searcher.search("商行")
                searcher.search("平安")
                answered[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        ix = SellerIndex(sample_index)
        for k in range(3):
            ix.apply(batch(k * 10, 10))
            ix.rebuild([*SAMPLE, *batch(0, 30, tag=str(k))])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors and answered[0] > 0
    assert searcher.search("批量测试").total == 30
