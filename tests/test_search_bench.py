"""bench/search_bench.py on a few hundred sellers: both backends measured side by side, and
the Whoosh-only run as it was."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.search.test_backend_contract import _postgres_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("search_bench")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_overlap_counts_shared_ids_over_the_shorter_list(bench: Any) -> None:
    pgb = bench.pgb
    assert pgb.overlap(["a", "b", "c"], ["c", "a"]) == 1.0
    assert pgb.overlap(["a", "b"], ["b", "x"]) == 0.5
    assert pgb.overlap([], []) == 0.0
    found = pgb.overlaps({"exact": [["a"], None, ["b"]]}, {"exact": [["a"], ["z"], []]})
    assert found["types"]["exact"] == {
        "mean": 0.5,
        "compared": 2,
        "empty_whoosh": 0,
        "empty_postgres": 1,
    }


def test_a_whoosh_only_run_reports_as_before(
    bench: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "whoosh.json"
    args = ["300", "--backend", "whoosh", "--queries", "5", "--no-sqlite", "--procs", "1"]
    assert bench.main([*args, "--out", str(out)]) == 0
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    assert "whoosh" in run and "postgres" not in run
    assert "n=300  whoosh: build" in capsys.readouterr().out


@pytest.mark.postgres
def test_both_backends_answer_the_same_queries_side_by_side(bench: Any, tmp_path: Path) -> None:
    docs = bench.generate(1200)
    queries = bench.query_set(docs, 8)
    tops: dict[str, Any] = {}
    whoosh = bench.bench_whoosh(docs, queries, tmp_path, tops=tops, visible_runs=3)
    for engine in _postgres_engine():
        pg = bench.pgb.bench_postgres(
            docs,
            queries,
            engine,
            public=bench._public,
            pcts=bench._pcts,
            whoosh_tops=tops,
            visible_runs=3,
        )
    assert pg["types"].keys() == whoosh["types"].keys() == pg["overlap"]["types"].keys()
    assert pg["types"]["exact"]["recall"] == pg["types"]["code"]["recall"] == 1.0
    assert pg["overlap"]["types"]["exact"]["mean"] == 1.0
    assert pg["tables_mb"]["search_seller"] > 0
    assert pg["visible"]["runs"] == 3 and pg["visible"]["not_found_within_s"]["count"] == 0
    printed = bench.pair_table({"n": len(docs), "whoosh": whoosh, "postgres": pg})
    assert sum(line.startswith(tuple(queries)) for line in printed.splitlines()) == len(queries)
