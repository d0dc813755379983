"""Serve the seller profile page and the search page under gunicorn, beside a trivial endpoint.

Usage::

    python bench/web_bench.py            # 100,000 sellers, 3 rounds of 10 s runs (writes JSON)
    python bench/web_bench.py --quick    # 10,000 sellers, 1 round of 5 s runs (JSON in /tmp/bench)

One gunicorn server (2 sync workers, as ``make serve``) runs the real app plus a trivial
route added by the benchmark; wrk (2 threads, 16 connections, on the same 2-core machine)
drives, each round: trivial, then

- profile, cache miss: ``/sellers/<id>`` of sellers no earlier request named (the page is
  rendered: the per-worker page cache cannot have it), a fifth of them with events; its runs
  are as long as their unseen URLs last at 2,400 a second (2 s at 100,000 sellers);
- profile, cache hit: 500 sellers (a fifth with events) asked again and again, warmed first;
- search, cache miss: ``/search?q=`` with queries never asked before (fragments of names,
  brand + trade, city + brand, pinyin and initials, English names); its runs last as long
  as their unseen queries do at 1,000 a second (2 s);
- search, cache hit: 88 queries of the same kinds asked again and again, warmed first;

and trivial once more at the end. Before the rounds, each cache-miss row is warmed up on
URLs none of its runs asks (other sellers; other fragments of names, their pinyin and
initials, English names), so that the server is as one that has answered such requests for
a while (decoded postings, file pages in memory) while no measured answer is in a cache.
Each run's ratio is to the mean of the trivial runs just before and after it; the table
shows medians over the rounds.
Targets: profile >= 30 % of trivial, search >= 15 %, zero errors (on every row).

``--database postgres`` serves a PostgreSQL copy of the same data set (copied before anything
is timed; ``BENCH_POSTGRES_URL``), and ``--search-backend postgres`` searches there too.
"""

from __future__ import annotations

import random
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGETS = {
    "profile, cache miss": 0.30,
    "profile, cache hit": 0.30,
    "search, cache miss": 0.15,
    "search, cache hit": 0.15,
}
# Unseen queries, shared out among the rounds; a search cache-miss run lasts while its share
# does at SEARCH_MISS_RATE a second (faster runs would ask some of them twice, from the caches).
SEARCH_UNSEEN = 12_000
SEARCH_MISS_RATE = 1000
MISS_RATE = 2_400  # profile pages a second the cache-miss runs are sized for (URLs per run)


def search_queries(seed: int = common.SEED) -> list[str]:
    """What visitors type: 2-character name fragments, brand + trade, city + brand, pinyin,
    English names and store names, from the same vocabulary as the generated sellers."""
    from registry.demo import words

    rng = random.Random(seed)
    cities = [city for _, city in words.AREAS]
    queries = []
    for brand in words.BRANDS:
        trade = rng.choice(words.TRADES)
        queries += [
            brand[:2],  # 云帆, 木棉 (a fragment of 木棉湾) ...
            brand + trade[0],  # 云帆数码
            words.PINYIN[brand],  # yunfan
        ]
    for _ in range(10):
        brand, trade = rng.choice(words.BRANDS), rng.choice(words.TRADES)
        queries += [
            rng.choice(cities) + brand,  # 杭州云帆
            f"{words.PINYIN[brand].title()} {trade[2]}",  # Yunfan Digital
            f"{brand}{trade[0]}旗舰店",  # a store name
        ]
    return list(dict.fromkeys(queries))


def profile_sets(
    data: common.Dataset, cached: int, runs: int
) -> tuple[common.Requests, list[common.Requests], common.Requests, dict]:
    """Profile URLs: a set asked for again and again (cache hits once warm), one unseen
    chunk per measured run (cache misses), a fifth of each sellers with events; and a
    warm-up chunk of other sellers (without events: the data set has no more of those)."""
    rng = random.Random(common.SEED + 3)
    events = rng.sample(data.event_sellers, len(data.event_sellers))
    have = set(events)
    plain = [pid for pid in data.public_ids(data.sellers) if pid not in have]
    n_events = cached // 5
    hit = events[:n_events] + plain[: cached - n_events]
    events, plain = events[n_events:], plain[cached - n_events :]
    per_run = len(events) // runs  # sellers with events per chunk; four times as many without
    chunks = []
    for r in range(runs):
        chunk = (
            events[r * per_run : (r + 1) * per_run] + plain[r * 4 * per_run : (r + 1) * 4 * per_run]
        )
        rng.shuffle(chunk)
        chunks.append([(f"/sellers/{pid}", {}) for pid in chunk])
    spare = plain[runs * 4 * per_run :]
    warm = [(f"/sellers/{pid}", {}) for pid in spare[: 5 * per_run]]
    composition = {
        "cached_urls": len(hit),
        "cached_with_events": n_events,
        "unseen_urls_per_run": len(chunks[0]),
        "unseen_with_events_per_run": per_run,
    }
    composition["warm_up_urls"] = len(warm)
    return [(f"/sellers/{pid}", {}) for pid in hit], chunks, warm, composition


def search_requests(queries: list[str]) -> common.Requests:
    return [(f"/search?q={quote(q)}", {}) for q in queries]


@lru_cache(maxsize=1)
def typed_names() -> list[str]:
    """Legal names of the generated sellers as people type them: without the generator's
    de-duplicating marks (甲乙丙...), which nobody types."""
    from registry.demo import generate as demo

    names = sorted({r["legal_name"] for r in demo.registrations(20_000, seed=common.SEED)})
    return [n.translate({ord(c): None for c in "甲乙丙丁戊己庚辛"}) for n in names]


def unseen_queries(known: list[str], runs: int, per_run: int) -> list[list[str]]:
    """Queries no earlier request asked, in about the mix of ``search_queries``: a fifth
    2-character fragments of names, nearly half other Chinese (3-4 character fragments, brand
    + trade, city + brand (+ trade), store names), a fifth pinyin (full or initials), a tenth
    English; when a kind runs out, more of the others."""
    from pypinyin import lazy_pinyin

    from registry.demo import words

    rng = random.Random(common.SEED + 7)
    names = typed_names()
    cities = [city for _, city in words.AREAS]
    brands, trades = words.BRANDS, words.TRADES

    def py(text: str) -> str:
        return "".join(lazy_pinyin(text))

    def initials(text: str) -> str:
        return "".join(p[0] for p in lazy_pinyin(text))

    pools = {
        "fragment": {n[i : i + 2] for n in names for i in range(len(n) - 1)},
        "chinese": {n[i : i + 3] for n in names for i in range(len(n) - 2)}
        | {n[i : i + 4] for n in names for i in range(len(n) - 3)}
        | {b + t[0] for b in brands for t in trades}
        | {c + b for c in cities for b in brands}
        | {c + b + t[0] for c in cities for b in brands for t in trades}
        | {f"{b}{t[0]}旗舰店" for b in brands for t in trades},
        "pinyin": {py(b + t[0]) for b in brands for t in trades}
        | {py(c + b) for c in cities for b in brands}
        | {initials(c + b) for c in cities for b in brands}
        | {initials(b + t[0]) for b in brands for t in trades},
        "english": {f"{words.PINYIN[b].title()} {t[2]}" for b in brands for t in trades},
    }
    share = {"fragment": 0.22, "chinese": 0.45, "pinyin": 0.22, "english": 0.11}
    seen = set(known)
    shuffled = {k: rng.sample(sorted(v - seen), len(v - seen)) for k, v in pools.items()}
    # The same number of each kind in every run (a kind too small for its share gives what it
    # has, split evenly; Chinese, the largest, makes up the rest), so the rounds compare.
    quota = {k: min(round(per_run * share[k]), len(v) // runs) for k, v in shuffled.items()}
    quota["chinese"] = min(
        per_run - sum(quota.values()) + quota["chinese"], len(shuffled["chinese"]) // runs
    )
    chunks = []
    for r in range(runs):
        chunk = [q for k, n in quota.items() for q in shuffled[k][r * n : (r + 1) * n]]
        rng.shuffle(chunk)
        chunks.append(chunk)
    return chunks


def warm_up_queries(asked: list[str], count: int = 3000) -> list[str]:
    """Queries for the search cache-miss row's warm-up (common.Endpoint.warm), none of them
    a query any run asks, in the runs' mix of kinds: five-character fragments of the same
    names, the pinyin and initials of three- and four-character fragments, English names
    with "Co" after them."""
    from pypinyin import lazy_pinyin

    from registry.demo import words

    rng = random.Random(common.SEED + 11)
    names = typed_names()
    fragments = {n[i : i + k] for n in names for k in (3, 4) for i in range(len(n) - k + 1)}
    picked = rng.sample(sorted(fragments), 600)
    pools = {
        "chinese": {n[i : i + 5] for n in names for i in range(len(n) - 4)},
        "pinyin": {"".join(lazy_pinyin(f)) for f in picked}
        | {"".join(p[0] for p in lazy_pinyin(f)) for f in picked},
        "english": {
            f"{words.PINYIN[b].title()} {t[2]} Co" for b in words.BRANDS for t in words.TRADES
        },
    }
    share = {"chinese": 0.67, "pinyin": 0.22, "english": 0.11}
    out: list[str] = []
    for kind, pool in pools.items():
        left = sorted(pool - set(asked))
        out += rng.sample(left, min(round(count * share[kind]), len(left)))
    rng.shuffle(out)
    return out


def main() -> None:
    args = common.arguments(__doc__, default_urls=500)
    data = common.dataset(args.sellers, rebuild=args.rebuild)
    deployed = common.deployment(args, data, "bench_web")
    load = common.load_of(args)
    cached, unseen, warm_profiles, composition = profile_sets(data, args.urls, args.rounds)
    queries = search_queries()
    searches = search_requests(queries)
    per_run = SEARCH_UNSEEN // args.rounds
    unseen_q = unseen_queries(queries, args.rounds, per_run)
    warm_q = warm_up_queries([*queries, *(q for chunk in unseen_q for q in chunk)])
    common.log(
        f"{data.sellers} sellers ({len(data.event_sellers)} with {data.events} events); "
        f"profile URLs: {composition}; {len(queries)} search queries"
    )
    # A fifth of the unseen sellers have events, and the data set has only so many: a run
    # lasts while its URLs do at up to MISS_RATE requests a second, so that none is asked twice.
    miss_seconds = max(2, min(args.seconds, composition["unseen_urls_per_run"] // MISS_RATE))
    search_miss_seconds = max(2, min(args.seconds, len(unseen_q[0]) // SEARCH_MISS_RATE))
    endpoints = [
        common.Endpoint(
            "profile, cache miss",
            cached,
            fresh=common.fresh_runs(unseen),
            warm=warm_profiles,
            seconds=miss_seconds,
        ),
        common.Endpoint("profile, cache hit", cached),
        common.Endpoint(
            "search, cache miss",
            searches,
            fresh=common.fresh_runs([search_requests(c) for c in unseen_q]),
            warm=search_requests(warm_q),
            seconds=search_miss_seconds,
        ),
        common.Endpoint("search, cache hit", searches),
    ]
    with common.serve(data, workers=args.workers, **deployed) as server:
        common.check_urls(server, cached, 200)
        common.check_urls(server, searches, 200, sample=len(searches))
        common.log(f"  pre-warming {len(cached)} profile pages in every worker")
        common.prewarm(server, cached)
        common.log(f"  pre-warming {len(searches)} searches in every worker")
        common.prewarm(server, searches)
        measured = common.measure(server, load, endpoints, rounds=args.rounds)
    table = common.rows(measured, TARGETS)
    common.print_report(table, data.sellers, args.workers, args.rounds, load)
    profiles_out = common.profile_rows(
        data,
        args,
        table,
        endpoints,
        TARGETS,
        {"profile, cache miss": unseen[-1], "search, cache miss": search_requests(unseen_q[-1])},
    )
    result = {
        **common.result_head(
            "web",
            args,
            data,
            load,
            profile_miss_seconds=miss_seconds,
            search_miss_seconds=search_miss_seconds,
        ),
        "sellers_with_events": len(data.event_sellers),
        "events": data.events,
        "profile_urls": composition,
        "profile_page_cache": "per worker (registry/core/cache.py SellerCache), warmed for the "
        "cache-hit row; the cache-miss row asks only for sellers no earlier request named",
        "search_queries_cached": queries,
        "search_queries_unseen_per_run": per_run,
        "search_queries_warm_up": len(warm_q),
        "search_queries_unseen_first_run_sample": unseen_q[0][:40],
        "runs": table,
        "targets": TARGETS,
        "all_pass": all(r["pass"] for r in table if r["pass"] is not None),
        "profiles": profiles_out,
    }
    out = common.write_json(common.output_path(args, "web_bench.json"), result)
    print(f"\nresult: {out}")


if __name__ == "__main__":
    main()
