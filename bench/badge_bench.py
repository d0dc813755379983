"""Serve badges under gunicorn, beside a trivial endpoint, and the 304 (If-None-Match) path.

Usage::

    python bench/badge_bench.py            # 100,000 sellers, 10 s runs (writes the JSON)
    python bench/badge_bench.py --quick    # 10,000 sellers, 5 s runs (JSON under /tmp/bench)

One gunicorn server (2 sync workers, as ``make serve``) runs the real app plus a trivial
route added by the benchmark; wrk (2 threads, 16 connections, on the same 2-core machine)
drives, each round: trivial, then ``/badge/<id>.svg`` (a half of them in another language
or size) four ways:

- cache miss: every request a seller no earlier request named, so the per-worker facts
  cache and the SVG cache never have it (a badge seen for the first time); these runs
  last as long as their unseen URLs do at 8,000 a second (2 s at 100,000 sellers);
- cache hit: a set of sellers asked for again and again, warmed in every worker first;
- 304, cache hit: that set revalidated with the ETag each URL returned (``If-None-Match``);
- 304, cache miss: unseen sellers revalidated with ETags fetched from another server
  instance beforehand (a browser revalidating what this worker never served);

and trivial once more at the end. Each run's ratio is to the mean of the trivial runs just
before and after it; the table shows medians over the rounds.
Target: every badge row >= 70 % of trivial, zero errors (and only 304s on the 304 rows).

``--database postgres`` serves a PostgreSQL copy of the same data set (copied before anything
is timed; ``BENCH_POSTGRES_URL``), and ``--search-backend postgres`` searches there too.
"""

from __future__ import annotations

import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

MISS, HIT = "badge, cache miss", "badge, cache hit"
HIT_304, MISS_304 = "badge 304, cache hit", "badge 304, cache miss"
TARGETS = {MISS: 0.70, HIT: 0.70, HIT_304: 0.70, MISS_304: 0.70}
#: badges a second the cache-miss runs are sized for: a run lasts while its unseen URLs do
MISS_RATE = 8_000
VARIANTS = ["", "", "", "", "?lang=en", "?size=small", "?size=large", "?lang=en&size=small"]


def badge_sets(data: common.Dataset, cached: int, runs: int) -> tuple[list[str], list, list]:
    """URLs of a repeated set, and per run one unseen chunk for 200s and one for 304s."""
    rng = random.Random(common.SEED + 5)
    paths = [f"/badge/{pid}.svg{rng.choice(VARIANTS)}" for pid in data.public_ids(data.sellers)]
    hit, rest = paths[:cached], paths[cached:]
    per = len(rest) // (2 * runs)
    chunks = [rest[i * per : (i + 1) * per] for i in range(2 * runs)]
    return hit, chunks[:runs], chunks[runs:]


def with_etags(server: common.Server, paths: list[str]) -> common.Requests:
    """Fetch each URL once and keep its ETag, as a browser's cache would."""

    def one(path: str) -> tuple[str, dict[str, str]]:
        status, headers, body = common.fetch(server, path)
        if status != 200 or "etag" not in headers:
            raise RuntimeError(f"GET {path} -> {status} without an ETag: {body[:200]!r}")
        return path, {"If-None-Match": headers["etag"]}

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, paths))


def main() -> None:
    args = common.arguments(__doc__, default_urls=2_000)
    data = common.dataset(args.sellers, rebuild=args.rebuild)
    deployed = common.deployment(args, data, "bench_badge")
    load = common.load_of(args)
    hit, unseen, unseen_304 = badge_sets(data, args.urls, args.rounds)
    # A run that outlasts its unseen URLs answers the second lap from the caches: a miss run
    # ends before its URLs do (about 16,000 at 100,000 sellers: 2 s at up to 8,000 a second).
    miss_seconds = max(2, min(args.seconds, len(unseen[0]) // MISS_RATE))
    common.log(
        f"{data.sellers} sellers; {len(hit)} cached badge URLs, "
        f"{len(unseen[0])} unseen per run for 200s and as many for 304s"
    )
    with common.serve(data, workers=args.workers, **deployed) as scout:
        common.log(f"  fetching {sum(map(len, unseen_304))} ETags from a scout server")
        etagged = [with_etags(scout, chunk) for chunk in unseen_304]
    with common.serve(data, workers=args.workers, **deployed) as server:
        cached = [(p, {}) for p in hit]
        common.check_urls(server, cached, 200)
        common.log(f"  pre-warming {len(hit)} badges in every worker")
        common.prewarm(server, cached)
        revalidated = with_etags(server, hit)
        common.check_urls(server, revalidated, 304)
        endpoints = [
            common.Endpoint(
                MISS,
                cached,
                fresh=common.fresh_runs([[(p, {}) for p in c] for c in unseen]),
                seconds=miss_seconds,
            ),
            common.Endpoint(HIT, cached),
            common.Endpoint(HIT_304, revalidated),
            common.Endpoint(
                MISS_304, revalidated, fresh=common.fresh_runs(etagged), seconds=miss_seconds
            ),
        ]
        measured = common.measure(server, load, endpoints, rounds=args.rounds)
    table = common.rows(measured, TARGETS)
    for row in table:
        # A 200 on the revalidation path is a miss that wrk would count as a success.
        if row["endpoint"] in (HIT_304, MISS_304) and set(row["statuses"]) - {"304"}:
            row["pass"] = False
    common.print_report(table, data.sellers, args.workers, args.rounds, load)
    profiles_out = common.profile_rows(
        data,
        args,
        table,
        endpoints,
        TARGETS,
        {MISS: [(p, {}) for p in unseen[-1]], MISS_304: etagged[-1]},
    )
    result = {
        **common.result_head("badge", args, data, load, miss_seconds=miss_seconds),
        "cached_badge_urls": len(hit),
        "unseen_badge_urls_per_run": len(unseen[0]),
        "unseen_revalidated_urls_per_run": len(unseen_304[0]),
        "variants": VARIANTS,
        "runs": table,
        "targets": TARGETS,
        "all_pass": all(r["pass"] for r in table if r["pass"] is not None),
        "profiles": profiles_out,
    }
    out = common.write_json(common.output_path(args, "badge_bench.json"), result)
    print(f"\nresult: {out}")


if __name__ == "__main__":
    main()
