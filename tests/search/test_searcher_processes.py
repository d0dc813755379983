"""Two searcher processes read one index while it is written: upserts, deletes, merges and
rebuilds, in any order. Every answer is held to a plain recomputation from the documents
written: each id at most once, with its latest fields, the total and the facets to match."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from search import SellerIndex

from .conftest import make_seller
from .searcher_process import FIELDS, SearcherProcess

pytestmark = pytest.mark.slow

IDS = [f"s{i}" for i in range(8)]
#: words of names: no two share a character, so a word is found only where it was written
WORDS = ["平安", "小米", "云帆", "麦穗", "木棉"]
GRADES = ["A", "B", "C", "NR"]
#: every name ends so: this query finds every document
EVERYONE = "商行"


class TwoSearchers(RuleBasedStateMachine):
    """The writer is this process; the readers are two long-lived searcher processes."""

    processes: list[SearcherProcess] = []
    folder: Path = Path()

    def __init__(self) -> None:
        super().__init__()
        self.path = Path(tempfile.mkdtemp(dir=self.folder)) / "sellers"
        self.index = SellerIndex(self.path)
        self.index.create()
        self.model: dict[str, dict[str, Any]] = {}
        self.written = 0  # a version stamp: each write's documents get a new one

    def _doc(self, seller_id: str, words: list[str], grade: str, score: float) -> dict:
        self.written += 1
        return make_seller(
            seller_id,
            "".join(words) + EVERYONE,
            grade=grade,
            score=score,
            version=self.written,
        )

    @rule(
        ids=st.lists(st.sampled_from(IDS), min_size=1, max_size=3),
        words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True),
        grade=st.sampled_from(GRADES),
        score=st.integers(0, 1000).map(lambda n: n / 10),
        merge=st.booleans(),
    )
    def upsert(self, ids: list[str], words: list[str], grade: str, score: float, merge: bool):
        docs = [self._doc(i, words, grade, score) for i in ids]
        self.index.apply(docs, merge=merge)
        self.model.update({d["id"]: d for d in docs})

    @rule(ids=st.lists(st.sampled_from(IDS), min_size=1, max_size=3))
    def delete(self, ids: list[str]) -> None:
        self.index.apply([], ids)
        for i in ids:
            self.model.pop(i, None)

    @rule(
        upserted=st.lists(st.sampled_from(IDS), min_size=1, max_size=3),
        deleted=st.lists(st.sampled_from(IDS), min_size=1, max_size=2),
        words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True),
    )
    def upsert_and_delete(self, upserted: list[str], deleted: list[str], words: list[str]):
        docs = [self._doc(i, words, "B", 50.0) for i in upserted]
        self.index.apply(docs, deleted)
        self.model.update({d["id"]: d for d in docs})
        for i in deleted:  # an id in both lists ends up deleted
            self.model.pop(i, None)

    @rule()
    def merge_all(self) -> None:
        self.index.optimize()

    @rule()
    def rebuild(self) -> None:
        self.index.rebuild(list(self.model.values()))

    @rule(
        text=st.sampled_from([*WORDS, EVERYONE]),
        which=st.sampled_from(["both", "first", "second"]),
    )
    def search(self, text: str, which: str) -> None:
        chosen = {"both": self.processes, "first": self.processes[:1]}.get(
            which, self.processes[1:]
        )
        expected = {i: d for i, d in self.model.items() if text in d["legal_name"]}
        for n, process in enumerate(chosen):
            hits, total, facets = process.search(self.path, text, facets=("grade",))
            ids = [seller_id for seller_id, _ in hits]
            where = f"searcher {n} asked {text!r}"
            assert len(ids) == len(set(ids)), f"{where}: an id listed twice: {ids}"
            assert set(ids) == set(expected), f"{where}: {ids} instead of {sorted(expected)}"
            for seller_id, fields in hits:
                latest = expected[seller_id]
                want = {f: latest[f] if f != "version" else str(latest[f]) for f in FIELDS}
                assert fields == want, f"{where}: {seller_id} has {fields}, not {want}"
            assert total == len(expected), f"{where}: a total of {total}"
            grades = Counter(d["grade"] for d in expected.values())
            assert facets == {"grade": dict(grades)}, f"{where}: facets {facets}"

    @invariant()
    def every_document_once(self) -> None:
        # After every step, both searchers agree with the model on the query that finds all.
        self.search(EVERYONE, "both")

    def teardown(self) -> None:
        for process in self.processes:
            process.forget(self.path)
        shutil.rmtree(self.path.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def searcher_processes():
    processes = [SearcherProcess.start(), SearcherProcess.start()]
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()


def test_two_searcher_processes_see_each_write_once_and_latest(searcher_processes, tmp_path):
    TwoSearchers.processes = searcher_processes
    TwoSearchers.folder = tmp_path
    run_state_machine_as_test(
        TwoSearchers,
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
