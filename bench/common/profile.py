"""cProfile of an endpoint in one process, summed by package, when it misses its target."""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import time
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .measure import Endpoint, Requests
from .paths import ROOT, SEED
from .server import app_environment, bench_app


def profile_requests(
    data: Dataset,
    requests: list[tuple[str, dict[str, str]]],
    count: int = 300,
    top: int = 25,
    warm_all: bool = False,
) -> dict[str, Any]:
    """cProfile ``count`` GETs through the WSGI app in this process (one worker's view).

    Returns the functions with the most own time and the project functions with the most
    cumulative time, each as ``file:line:function`` with its share of the profiled time.
    """
    os.environ.update(
        {k: v for k, v in app_environment(data).items() if k.startswith(("BENCH_", "REGISTRY_"))}
    )
    app = bench_app()
    client = app.test_client()
    rng = random.Random(SEED)
    # Warm templates and searchers; with warm_all, fill the app's caches with every URL too.
    for path, headers in requests if warm_all else requests[:20]:
        client.get(path, headers=headers)
    chosen = [rng.choice(requests) for _ in range(count)]
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for path, headers in chosen:
        client.get(path, headers=headers)
    profiler.disable()
    elapsed = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append((_short(filename), line, func, nc, tt, ct))

    def fmt(e: tuple) -> dict[str, Any]:
        return {
            "function": f"{e[0]}:{e[1]}:{e[2]}",
            "calls_per_request": round(e[3] / count, 2),
            "own_share": round(e[4] / total, 3),
            "cumulative_share": round(e[5] / total, 3),
        }

    own = sorted(entries, key=lambda e: -e[4])[:top]
    project = sorted(
        (e for e in entries if e[0].startswith(("web/", "registry/", "search/", "scoring/"))),
        key=lambda e: -e[5],
    )[:top]
    return {
        "requests": count,
        "ms_per_request": round(1000 * elapsed / count, 2),
        "top_own_time": [fmt(e) for e in own],
        "top_project_cumulative": [fmt(e) for e in project],
        "by_package": _by_package(entries, total),
    }


def profile_rows(
    data: Dataset,
    args,
    table: list[dict[str, Any]],
    endpoints: list[Endpoint],
    targets: dict[str, float],
    unseen: dict[str, Requests],
) -> dict[str, Any]:
    """Profile in one process each target row that failed (every one with ``--profile
    always``): a cache-miss row with its last run's unseen requests, a repeated row warmed
    first; print each and return them by row."""
    out: dict[str, Any] = {}
    for row in table:
        name = row["endpoint"]
        if name not in targets:
            continue
        if args.profile == "always" or (args.profile == "auto" and row["pass"] is False):
            if name in unseen:
                out[name] = profile_requests(data, unseen[name])
            else:
                endpoint = next(e for e in endpoints if e.name == name)
                out[name] = profile_requests(data, endpoint.requests, warm_all=True)
            print_profile(name, out[name])
    return out


def _by_package(entries: list[tuple], total: float) -> dict[str, float]:
    """Own time grouped by top-level package (where the time is actually spent)."""
    shares: dict[str, float] = {}
    for filename, _line, _func, _nc, tt, _ct in entries:
        key = filename.split("/")[0] if "/" in filename else filename
        shares[key] = shares.get(key, 0.0) + tt / total
    return {k: round(v, 3) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])[:15]}


def _short(filename: str) -> str:
    """``web/pages.py`` for project files, ``sqlalchemy/orm/query.py`` for libraries."""
    if filename.startswith(str(ROOT) + os.sep) and "site-packages" not in filename:
        return os.path.relpath(filename, ROOT)
    if "site-packages" in filename:
        return filename.split("site-packages" + os.sep, 1)[1]
    if filename.startswith("<"):
        return filename
    parts = Path(filename).parts
    return "/".join(parts[-2:]) if len(parts) >= 2 else filename


def print_profile(name: str, profile: dict[str, Any], lines: int = 12) -> None:
    print(f"\nprofile of {name}: {profile['ms_per_request']} ms/request in one process (cProfile)")
    print(
        "  own time by package: "
        + ", ".join(f"{k} {v:.0%}" for k, v in profile["by_package"].items())
    )
    print("  project functions by cumulative share:")
    for e in profile["top_project_cumulative"][:lines]:
        print(f"    {e['cumulative_share']:>6.1%}  {e['function']}  ({e['calls_per_request']}/req)")
    print("  functions by own share:")
    for e in profile["top_own_time"][:lines]:
        print(f"    {e['own_share']:>6.1%}  {e['function']}  ({e['calls_per_request']}/req)")
