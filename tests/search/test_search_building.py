"""A rebuild from several parts (one process and segment each) answers as one from one part."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import SellerIndex, SellerSearcher
from search.engine import writing
from search.engine.store import POINTER
from tests.search.conftest import SAMPLE, all_ids, make_seller

NAMES = ["云帆数码", "星禾户外", "青柚家居", "木棉湾母婴", "拾光茶叶", "朗悦服饰"]


def corpus(n: int) -> list[dict]:
    return [
        make_seller(
            f"c{i:04d}",
            f"{NAMES[i % len(NAMES)]}{i}号商行",
            store_names=[f"{NAMES[i % len(NAMES)]}旗舰店{i}"],
            english_name=f"Cloud Sail Digital {i}" if i % 3 == 0 else None,
            domains=[f"shop{i}.example.cn"],
            grade=["A", "B", "C"][i % 3],
            verified=i % 2 == 0,
            score=float(i % 97),
        )
        for i in range(n)
    ]


def parts_of(docs: list[dict], k: int) -> list:
    size = -(-len(docs) // k)
    return [lambda lo=lo: iter(docs[lo : lo + size]) for lo in range(0, len(docs), size)]


QUERIES = ["云帆", "星禾户外", "旗舰店", "yunfan", "xhhw", "cloud", "digital", "shop7.example.cn"]


def answers(path: Path) -> dict[str, list]:
    searcher = SellerSearcher(path)
    out = {q: all_ids(searcher, q) for q in QUERIES}
    facets = searcher.search("商行", facets=["grade", "verified"])
    out["facets"] = [facets.total, facets.facets]
    searcher.close()
    return out


def test_parts_answer_as_one_part(tmp_path: Path) -> None:
    docs = corpus(600)
    one, three = SellerIndex(tmp_path / "one"), SellerIndex(tmp_path / "three")
    assert one.rebuild(docs) == 600
    seen: list[int] = []
    assert three.rebuild_parts(parts_of(docs, 3), progress=seen.append, sequence=5) == 600
    assert seen[-1] == 600
    assert three.last_sequence() == 5
    ix, _ = three.store.open()
    assert len(ix._segments()) == 3
    # The parts' segments are listed in part order: document order is kept.
    with ix.searcher() as s:
        assert [s.stored_fields(n)["id"] for n in range(0, 600, 50)] == [
            d["id"] for d in docs[::50]
        ]
    ix.close()
    assert answers(tmp_path / "three") == answers(tmp_path / "one")
    assert all(answers(tmp_path / "one")[q] for q in QUERIES)


def test_an_empty_part_is_fine(tmp_path: Path) -> None:
    docs = corpus(30)
    index = SellerIndex(tmp_path / "ix")
    assert (
        index.rebuild_parts([lambda: iter(docs[:20]), lambda: iter(()), lambda: iter(docs[20:])])
        == 30
    )
    assert all_ids(SellerSearcher(tmp_path / "ix"), "云帆") == all_ids(
        _serial(tmp_path / "serial", docs), "云帆"
    )


def _serial(path: Path, docs: list[dict]) -> SellerSearcher:
    SellerIndex(path).rebuild(docs)
    return SellerSearcher(path)


def test_a_bad_document_in_one_part_fails_the_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    SellerIndex(path).apply(SAMPLE)
    pointer = (path / POINTER).read_text()
    bad = [*corpus(10), {"id": "", "legal_name": "无编号商行"}]
    with pytest.raises(ValueError, match="non-empty string 'id'"):
        SellerIndex(path).rebuild_parts([lambda: iter(corpus(10)[:5]), lambda: iter(bad)])
    assert (path / POINTER).read_text() == pointer
    assert len(SellerIndex(path).store.generations()) == 1
    assert SellerSearcher(path).search("平安").total == 2


def test_a_part_that_raises_fails_the_rebuild(tmp_path: Path) -> None:
    def broken():
        yield corpus(1)[0]
        raise OSError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        SellerIndex(tmp_path / "ix").rebuild_parts([lambda: iter(corpus(5)[1:]), broken])
    assert not SellerIndex(tmp_path / "ix").exists()


def test_the_same_id_in_two_parts_is_rejected(tmp_path: Path) -> None:
    docs = corpus(10)
    with pytest.raises(ValueError, match="'c0003' appears twice"):
        SellerIndex(tmp_path / "ix").rebuild_parts([lambda: iter(docs[:5]), lambda: iter(docs[3:])])


def test_small_posting_lists_are_stored_inline_and_read_back(tmp_path: Path) -> None:
    """The codec fix: terms of one or a few sellers live in the term dictionary."""
    docs = corpus(200)
    SellerIndex(tmp_path / "ix").rebuild(docs)
    ix, _ = SellerIndex(tmp_path / "ix").store.open()
    with ix.reader() as reader:
        rare = reader.term_info("locators", "shop7.example.cn")
        common = reader.term_info("grams", "商行")
        assert rare.is_inlined() and not common.is_inlined()
        assert [
            reader.stored_fields(d)["id"]
            for d in reader.postings("locators", "shop7.example.cn").all_ids()
        ] == ["c0007"]
        assert len(list(reader.postings("grams", "商行").all_ids())) == 200
    ix.close()


def segment_files(path: Path) -> dict[str, bytes]:
    """Every file inside the index's one segment, named without the segment's id."""
    ix, _ = SellerIndex(path).store.open()
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    out = {
        name.replace(segment.segment_id(), "SEG"): files.open_file(name).read()
        for name in files.list()
    }
    ix.close()
    return out


def whooshs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from whoosh.writing import SegmentWriter

    from search.engine import building

    monkeypatch.setattr(building, "_Writer", SegmentWriter)


def test_the_build_writes_the_segment_whoosh_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grouped postings, block writes and inline terms: the same bytes as Whoosh's writer."""
    docs = corpus(300)  # "商行" is in every name: three blocks of postings
    SellerIndex(tmp_path / "mine").rebuild(docs)
    whooshs_own(monkeypatch)
    SellerIndex(tmp_path / "whoosh").rebuild(docs)
    mine, whoosh = segment_files(tmp_path / "mine"), segment_files(tmp_path / "whoosh")
    assert {"SEG.trm", "SEG.pst", "SEG._stored.col"} <= set(mine)
    assert len(mine["SEG.trm"]) > 10_000
    assert mine == whoosh


def test_a_pool_spilled_to_runs_writes_the_same_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.engine import pool

    docs = corpus(300)
    SellerIndex(tmp_path / "one").rebuild(docs)
    runs: list[int] = []
    spill = pool.TermPool._spill

    def counted(self: pool.TermPool) -> None:
        runs.append(1)
        spill(self)

    monkeypatch.setattr(pool.TermPool, "_spill", counted)
    monkeypatch.setattr(pool, "POSTING_BYTES", 100_000)  # a run every ~15 documents
    SellerIndex(tmp_path / "runs").rebuild(docs)
    assert len(runs) > 10
    assert segment_files(tmp_path / "runs") == segment_files(tmp_path / "one")
    assert not list((tmp_path / "runs").rglob("*.terms"))  # the runs are removed


def test_repeated_words_and_boosts_write_what_whoosh_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Postings whose weight or value differs from the field's usual one (a word twice in a
    document, a boosted document) and a text value analysed by Whoosh: the same bytes."""
    docs = corpus(60)
    for i, doc in enumerate(docs):
        doc["legal_name"] = doc["legal_name"] + "商行" * (i % 3)  # "商行" up to three times

    from search.engine.writing import SellerIndex as Base

    class Boosted(Base):
        @staticmethod
        def _document(doc: dict) -> dict:
            out = Base._document(doc)
            out["grams"] = out["grams"] + ["商行"] * (int(doc["id"][1:]) % 3)
            if doc["id"].endswith("7"):
                out["_boost"] = 2.0
            if doc["id"].endswith("5"):
                out["words"] = " ".join(out["words"] + ["cloud", "cloud"])
            return out

    Boosted(tmp_path / "mine").rebuild(docs)
    whooshs_own(monkeypatch)
    Boosted(tmp_path / "whoosh").rebuild(docs)
    assert segment_files(tmp_path / "mine") == segment_files(tmp_path / "whoosh")


def every_segment_file(path: Path) -> list[dict[str, bytes]]:
    """The files of every segment of the index, in segment order, named without ids."""
    ix, _ = SellerIndex(path).store.open()
    out = []
    for segment in ix._segments():
        files = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
        names = [n for n in files.list() if segment.segment_id() in n]
        out.append(
            {n.replace(segment.segment_id(), "SEG"): files.open_file(n).read() for n in names}
        )
    ix.close()
    return out


@pytest.mark.parametrize("merge", [False, True])
def test_apply_writes_the_segments_whoosh_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merge: bool
) -> None:
    """apply() uses the rebuild's writer: new and merged segments byte-identical."""
    import shutil

    docs = corpus(240)
    SellerIndex(tmp_path / "base").rebuild(docs[:200])
    for name in ("mine", "whoosh"):
        shutil.copytree(tmp_path / "base", tmp_path / name)
    changed = [{**d, "store_names": [*d["store_names"], "新店"]} for d in docs[150:240]]
    gone = [d["id"] for d in docs[:5]]

    # Small segments are those under 10 documents here, so the merge takes in the five
    # 1-document ones and leaves the 40-document one and the rebuild's (whose inline
    # postings Whoosh's own add_reader cannot read back: see SellerIndex.optimize).
    monkeypatch.setattr(writing, "SMALL_MERGE_DOCS", 10)

    def apply(name: str) -> list[dict[str, bytes]]:
        index = SellerIndex(tmp_path / name)
        index.apply(changed[:40], gone)
        for i in range(40, 45):
            index.apply([changed[i]])
        index.apply(changed[45:], merge=merge)  # merging takes in the five 1-document ones
        return every_segment_file(tmp_path / name)

    mine = apply("mine")
    whooshs_own(monkeypatch)
    whoosh = apply("whoosh")
    assert len(mine) == (3 if merge else 8)
    assert mine == whoosh
    assert answers(tmp_path / "mine") == answers(tmp_path / "whoosh")
