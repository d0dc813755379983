"""The comparison against the anchor, the printed table, the machine, the JSON result."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .load import Load, generator_name
from .measure import Measured


def rows(measured: list[Measured], targets: dict[str, float]) -> list[dict[str, Any]]:
    """One row per endpoint: medians over its runs, errors and statuses summed."""
    out = []
    for m in measured:
        runs = m.runs
        target = targets.get(m.name)
        ratios = [run.rps / anchor for run, anchor in zip(runs, m.anchors)]
        ratio = statistics.median(ratios) if ratios else None
        errors = sum(run.errors for run in runs)
        passed = None if target is None else bool(ratio >= target and errors == 0)
        statuses: dict[str, int] = {}
        socket_errors: dict[str, int] = {}
        for run in runs:
            for k, v in run.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
            for k, v in run.socket_errors.items():
                socket_errors[k] = socket_errors.get(k, 0) + v
        other = [run.other_cpu for run in runs if run.other_cpu is not None]
        out.append(
            {
                "endpoint": m.name,
                "urls": runs[0].urls,
                "runs": len(runs),
                "requests": sum(run.requests for run in runs),
                "rps": round(statistics.median(run.rps for run in runs), 1),
                "p50_ms": _median(run.p50_ms for run in runs),
                "p90_ms": _median(run.p90_ms for run in runs),
                "p99_ms": _median(run.p99_ms for run in runs),
                "errors": errors,
                "socket_errors": socket_errors,
                "statuses": dict(sorted(statuses.items())),
                "other_cpu_cores": round(statistics.mean(other), 2) if other else None,
                "repeated_urls": sum(run.reused for run in runs),
                "ratio_to_trivial": None if ratio is None else round(ratio, 3),
                "target_ratio": target,
                "pass": passed,
                "each_run": [
                    {
                        "rps": round(run.rps, 1),
                        "p50_ms": _round(run.p50_ms),
                        "p99_ms": _round(run.p99_ms),
                        "errors": run.errors,
                        "other_cpu_cores": run.other_cpu,
                        **({"trivial_rps_around": round(a, 1)} if m.anchors else {}),
                    }
                    for run, a in zip(runs, m.anchors or [0.0] * len(runs))
                ],
            }
        )
    return out


def _median(values) -> float | None:
    present = [v for v in values if v is not None]
    return _round(statistics.median(present)) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def print_report(table, sellers: int, workers: int, rounds: int, load) -> None:
    """Print the set-up line, the table and its notes (shared by the web and badge runs)."""
    print(
        f"\n{sellers} sellers, gunicorn {workers} sync workers, "
        f"{generator_name()} -t{load.threads} -c{load.connections} -d{load.seconds}s; "
        f"medians of {rounds} round(s)"
    )
    print_table(table)
    print_notes(table)


def print_table(table: list[dict[str, Any]]) -> None:
    head = (
        f"{'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'ratio':>8}{'target':>8}{'other CPU':>11}  result"
    )
    print(head)
    print("-" * len(head))
    for r in table:
        target = "" if r["target_ratio"] is None else f">={r['target_ratio']:.2f}"
        result = "" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL")
        print(
            f"{r['endpoint']:<22}{r['rps']:>9.1f}{_fmt(r['p50_ms']):>9}{_fmt(r['p99_ms']):>9}"
            f"{r['errors']:>8}{_fmt(r['ratio_to_trivial'], 3):>8}{target:>8}"
            f"{_fmt(r['other_cpu_cores'], 2):>11}  {result}"
        )


def print_notes(table: list[dict[str, Any]]) -> None:
    for r in table:
        if r.get("repeated_urls"):
            print(
                f"note: {r['endpoint']}: {r['repeated_urls']} of {r['requests']} requests "
                "repeated a URL (the unseen pool ran out), so part of that row is cache hits"
            )


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def machine() -> dict[str, Any]:
    import gunicorn

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn.__version__,
        "load_generator": generator_name(),
    }


def write_json(out: Path, result: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return out


def result_head(kind: str, args, data: Dataset, load: Load, **load_extra: Any) -> dict[str, Any]:
    """The first keys of a web-style benchmark's JSON: what ran, on what, under which load."""
    return {
        "benchmark": kind,
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "sellers": data.sellers,
        "data_set": str(data.path),
        "server": {"gunicorn_workers": args.workers, "worker_class": "sync"},
        "database": getattr(args, "database", "sqlite"),
        "search_backend": getattr(args, "search_backend", "whoosh"),
        "load": {
            "threads": load.threads,
            "connections": load.connections,
            "seconds": load.seconds,
            "warmup_seconds": load.warmup,
            "timeout": load.timeout,
            "rounds": args.rounds,
            "quiet_wait_seconds": load.quiet_wait,
            **load_extra,
        },
    }
