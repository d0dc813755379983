"""Shared helpers for the HTTP benchmarks: a cached data set, a gunicorn server, wrk runs.

The data set (sellers, a few thousand with events, scores, the search index) is built once per
size, data version and schema head under ``$BENCH_CACHE`` (default ``/tmp/bench``) and reused.
The server is the real app from ``web.create_app`` plus one benchmark-only route,
``/_bench/trivial``, added to that app instance here (never to the application code), so the
anchor goes through the same middleware, hooks and server in the same run.

One module per stage of a benchmark, in the order a run uses them: ``paths`` (where things
are), ``dataset``, ``postgres`` (a PostgreSQL copy of it), ``server``, ``load``, ``measure``,
``report``, ``profile`` and ``cli`` (the shared command line). The benchmarks import this
package as ``common`` and use the names below.
"""

from __future__ import annotations

from .cli import arguments, deployment, load_of, output_path
from .dataset import Dataset, dataset, scores_stamp
from .load import Load, Run
from .measure import Endpoint, Measured, Requests, check_urls, fresh_runs, measure, prewarm
from .paths import RESULTS, ROOT, SEED, cache_root, log
from .postgres import copy_to_postgres
from .profile import profile_rows
from .report import machine, print_report, result_head, rows, write_json
from .server import Server, bench_app, fetch, serve

__all__ = [
    "RESULTS",
    "ROOT",
    "SEED",
    "Dataset",
    "Endpoint",
    "Load",
    "Measured",
    "Requests",
    "Run",
    "Server",
    "arguments",
    "bench_app",
    "cache_root",
    "check_urls",
    "copy_to_postgres",
    "dataset",
    "deployment",
    "fetch",
    "fresh_runs",
    "load_of",
    "log",
    "machine",
    "measure",
    "output_path",
    "prewarm",
    "print_report",
    "profile_rows",
    "result_head",
    "rows",
    "scores_stamp",
    "serve",
    "write_json",
]
