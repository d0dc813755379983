"""Where the benchmarks find the project, their results, their tools."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
DATA_VERSION = "1"  # bump when the generated data set changes shape
TRIVIAL_PATH = "/_bench/trivial"
SEED = 20261129
VENV_BIN = Path(sys.executable).parent
# BENCH_NO_WRK=1 forces the (slower, less exact) Python load generator, to test it.
WRK = None if os.environ.get("BENCH_NO_WRK") else shutil.which("wrk")
GUNICORN = shutil.which("gunicorn", path=str(VENV_BIN)) or shutil.which("gunicorn")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_root() -> Path:
    return Path(os.environ.get("BENCH_CACHE") or Path(tempfile.gettempdir()) / "bench")
