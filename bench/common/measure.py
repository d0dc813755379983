"""Measured endpoints: the URLs checked, the runs against the anchor, fresh URL sets, warm-up."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from .load import Load, Run, run_load
from .paths import SEED, TRIVIAL_PATH, log
from .server import Server, fetch, wait_for_quiet


def check_urls(
    server: Server, requests: list[tuple[str, dict[str, str]]], expect: int, sample: int = 20
) -> None:
    """Fail early when the endpoint does not answer as the benchmark assumes."""
    for path, headers in random.Random(SEED).sample(requests, min(sample, len(requests))):
        status, _, body = fetch(server, path, headers)
        if status != expect:
            raise RuntimeError(f"GET {path} -> {status} (expected {expect}): {body[:300]!r}")


Requests = list[tuple[str, dict[str, str]]]


@dataclass
class Endpoint:
    """What one row of the table measures.

    ``requests`` are picked at random; with ``fresh`` set instead, each measured run walks a
    list of URLs that no earlier run asked for (``fresh()`` hands out the next one), so a
    per-worker cache never has the answer: every request is a miss. ``warm`` are other
    URLs of the same kind, walked once before the rounds: what a server that has answered
    such requests for a while has in memory (decoded postings, file pages), and none of the
    measured answers.
    """

    name: str
    requests: Requests
    fresh: Callable[[], Requests] | None = None
    warm: Requests | None = None
    # Seconds per measured run when shorter than the load's: a cache-miss run must end before
    # its unseen URLs do, or it would ask some twice.
    seconds: int | None = None


@dataclass
class Measured:
    """Every run of one endpoint, each with the trivial rate measured around it."""

    name: str
    runs: list[Run]
    anchors: list[float]  # the trivial rate around each run (mean of before and after)


def measure(
    server: Server, load: Load, endpoints: list[Endpoint], rounds: int = 1
) -> list[Measured]:
    """Warm every endpoint up, then ``rounds`` times: trivial, each endpoint; trivial last.

    Each endpoint run is compared with the mean of the trivial runs just before and after
    it, so that drift in the machine's load does not favour either side.
    """
    trivial = Endpoint("trivial", [(TRIVIAL_PATH, {})])
    for e in [trivial, *endpoints]:
        if e.fresh is None:
            log(f"  warm-up {e.name} ({load.warmup}s)")
            run_load(server, e.name, e.requests, load, seconds=load.warmup)
        elif e.warm:  # URLs no measured run asks for, each once
            log(f"  warm-up {e.name}: {len(e.warm)} other unseen URLs ({load.warmup}s at most)")
            run_load(server, e.name, e.warm, load, seconds=load.warmup, sequential=True)
    sequence: list[Run] = []
    for r in range(rounds):
        for e in [trivial, *endpoints]:
            log(f"  round {r + 1}/{rounds}: {e.name} ({e.seconds or load.seconds}s)")
            if e.fresh is None:
                sequence.append(run_load(server, e.name, e.requests, load))
            else:
                if e.seconds and load.quiet_wait > 0:  # run_load waits only for full runs
                    wait_for_quiet(load.quiet_wait)
                run = run_load(server, e.name, e.fresh(), load, e.seconds, sequential=True)
                sequence.append(run)
    log(f"  last: trivial ({load.seconds}s)")
    sequence.append(run_load(server, "trivial", trivial.requests, load))
    trivial_at = [i for i, run in enumerate(sequence) if run.name == "trivial"]
    out = [Measured("trivial", [sequence[i] for i in trivial_at], [])]
    for e in endpoints:
        measured = Measured(e.name, [], [])
        for i, run in enumerate(sequence):
            if run.name != e.name:
                continue
            before = max(j for j in trivial_at if j < i)
            after = min(j for j in trivial_at if j > i)
            measured.runs.append(run)
            measured.anchors.append((sequence[before].rps + sequence[after].rps) / 2)
        out.append(measured)
    return out


def fresh_runs(chunks: list[Requests]) -> Callable[[], Requests]:
    """Hand out one chunk per measured run (disjoint chunks: nothing is asked twice)."""
    pending = iter(chunks)

    def next_chunk() -> Requests:
        chunk = next(pending, None)
        if not chunk:
            raise RuntimeError("no unseen URLs left for this run")
        return chunk

    return next_chunk


def prewarm(server: Server, requests: Requests, times: int = 8, threads: int = 8) -> float:
    """Ask for every URL ``times`` times (concurrently, so every worker sees each of them
    with high probability): afterwards a per-worker cache answers them. Returns seconds."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    order = [r for _ in range(times) for r in random.Random(SEED).sample(requests, len(requests))]
    with ThreadPoolExecutor(threads) as pool:
        for status, _, _ in pool.map(lambda r: fetch(server, r[0], r[1]), order):
            if status >= 400:
                raise RuntimeError(f"pre-warming got HTTP {status}")
    return time.perf_counter() - started
