"""The workers' garbage-collector settings of gunicorn.conf.py (``make run``, benchmarks)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_worker_freezes_the_app_and_collects_young_objects_less_often() -> None:
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    before = gc.get_threshold()
    try:
        conf["post_worker_init"](None)
        assert gc.get_threshold() == conf["GC_THRESHOLDS"]
        assert conf["GC_THRESHOLDS"][0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_make_and_gunicorn_take_the_file() -> None:
    """gunicorn's own loader takes the hook from the file the Makefile names."""
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    makefile = (ROOT / "Makefile").read_text()
    assert makefile.count("gunicorn -c gunicorn.conf.py") == 2  # run and serve
    app = Application.__new__(Application)  # no command line to parse
    app.cfg = Config()
    app.load_config_from_file(str(ROOT / "gunicorn.conf.py"))
    assert app.cfg.post_worker_init.__code__.co_filename.endswith("gunicorn.conf.py")
