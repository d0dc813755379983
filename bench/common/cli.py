"""The command line every HTTP benchmark shares."""

from __future__ import annotations

from pathlib import Path

from .load import Load
from .paths import RESULTS, cache_root


def arguments(description: str, default_urls: int):
    import argparse

    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sellers", type=int, help="data set size (default 100000; quick 10000)")
    parser.add_argument("--quick", action="store_true", help="10,000 sellers, 5 s runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached data set")
    parser.add_argument("--seconds", type=int, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per endpoint (default 3)")
    parser.add_argument(
        "--rounds", type=int, help="rounds of runs, medians reported (default 3; quick 1)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--urls",
        type=int,
        help=f"URLs in the cached (repeated) set (default {default_urls}; quick a fifth)",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="cProfile an endpoint in one process: when it misses its target (auto)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="before each run, wait up to this many seconds for other jobs to go quiet "
        "(default 30; quick 0)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="serve the data set from its SQLite file (default) or from a PostgreSQL copy "
        "(BENCH_POSTGRES_URL, default the local server)",
    )
    parser.add_argument(
        "--search-backend",
        choices=("whoosh", "postgres"),
        default="whoosh",
        help="SEARCH_BACKEND of the server (postgres needs --database postgres)",
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON result")
    args = parser.parse_args()
    args.sellers = args.sellers or (10_000 if args.quick else 100_000)
    args.seconds = args.seconds or (5 if args.quick else 10)
    args.warmup = args.warmup or (2 if args.quick else 3)
    args.rounds = args.rounds or (1 if args.quick else 3)
    if args.quiet_wait is None:
        args.quiet_wait = 0.0 if args.quick else 30.0
    args.urls = args.urls or (default_urls // 5 if args.quick else default_urls)
    if args.search_backend == "postgres" and args.database != "postgres":
        parser.error("--search-backend postgres needs --database postgres")
    return args


def deployment(args, data, name: str) -> dict:
    """``serve``'s keywords for the deployment ``args`` ask for: on PostgreSQL, a copy of the
    data set in database ``name`` (made here, before anything is timed)."""
    if args.database == "sqlite":
        return {}
    from .postgres import copy_to_postgres

    url = copy_to_postgres(data.db, name, search=args.search_backend == "postgres")
    return {"database_url": url, "search_backend": args.search_backend}


def load_of(args) -> Load:
    return Load(
        threads=args.threads,
        connections=args.connections,
        seconds=args.seconds,
        warmup=args.warmup,
        quiet_wait=args.quiet_wait,
    )


def output_path(args, name: str) -> Path:
    """Full runs write bench/results/<name>; quick checks never overwrite them."""
    if args.out:
        return args.out
    if args.quick or args.sellers != 100_000:
        return cache_root() / f"{Path(name).stem}.{args.sellers}.json"
    return RESULTS / name
