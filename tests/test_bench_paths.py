"""The benchmarks name project files by path: a move of the code must not break them."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench_common():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("common")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_the_scores_stamp_reads_the_scoring_code_where_it_lives():
    assert len(_bench_common().scores_stamp()) == 16


def test_the_benchmarks_find_the_project_root():
    common = _bench_common()
    assert (common.ROOT / "wsgi.py").is_file()
    assert common.RESULTS == ROOT / "bench" / "results"
