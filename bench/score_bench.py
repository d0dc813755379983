"""Full rescore of 1,000,000 sellers with 10,000,000 events from SQLite, and the floor.

Builds (once, cached under bench/.cache/) an SQLite registry with N sellers and M events
(mostly verified orders, some defects, complaints, fraud reports and sanctions), then in one
run measures:

- floor: the same computation (scoring.score_rows per seller) on in-memory rows;
- end to end: ``ScoreService.rescore_all(full=True)``: stream events from the database,
  score every seller, write every score (and history points), commit;
- incremental: one new event for one seller, then the rescore job's step
  (``rescore_changed``: change log, stored state brought forward, write, commit).

Targets: the full rescore under 2 minutes for 1M/10M on this 2-core machine; incremental
under 5 ms. Prints a table and writes bench/results/score_bench.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scoring
from registry.core.db import make_engine, session_factory, writer
from registry.core.migrate import upgrade
from registry.events.service import EventService
from registry.scores.service import ScoreService

NOW = datetime(2026, 11, 1, tzinfo=UTC)
DATA_VERSION = 1
KINDS = (
    ["order"] * 900
    + ["late_shipment"] * 30
    + ["seller_cancellation"] * 10
    + ["not_as_described_return"] * 8
    + ["chargeback"] * 5
    + ["dispute_lost"] * 5
    + ["complaint"] * 35
    + ["fraud_report"] * 4
    + ["sanction_minor_fine"] * 2
    + ["abnormal_operations"] * 1
)


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, sellers: int, events: int, seed: int = 7) -> None:
    """Write the data set with plain executemany (the schema comes from the migrations)."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    created = stamp(NOW.timestamp())
    verified = stamp((NOW - timedelta(days=100)).timestamp())
    expires = stamp((NOW + timedelta(days=265)).timestamp())
    conn.executemany(
        "INSERT INTO seller (id, public_id, legal_name, former_names, aliases, entity_type, "
        "status, version, created_at, updated_at) VALUES (?, ?, ?, '[]', '[]', 'company', "
        "'in_business', 1, ?, ?)",
        ((i, f"b-{i:010d}", f"基准测试商户{i}", created, created) for i in range(1, sellers + 1)),
    )
    conn.executemany(
        "INSERT INTO identity (id, seller_id, scheme, value, verified_by, verifier_role, "
        "verified_at, expires_at, created_at, updated_at) VALUES (?, ?, 'cn_uscc', ?, 'bench', "
        "'regulator', ?, ?, ?, ?)",
        (
            (i, i, f"B{i:017d}", verified, expires, created, created)
            for i in range(1, sellers + 1)
            if i % 10
        ),
    )  # one seller in ten is unverified
    now_ts = NOW.timestamp()
    span = 400 * 86400.0
    per_seller = events / sellers

    def rows():
        event_id = 0
        for sid in range(1, sellers + 1):
            # Volume varies a lot between sellers, as it does between shops.
            count = min(int(rng.expovariate(1 / per_seller)) + 1, 2000)
            for _k in range(count):
                event_id += 1
                if event_id > events:
                    return
                kind = rng.choice(KINDS)
                ts = now_ts - rng.random() * span
                complaint = kind == "complaint"
                sanction = kind in ("sanction_minor_fine", "abnormal_operations")
                yield (
                    event_id,
                    sid,
                    kind,
                    stamp(ts),
                    "minor",
                    "regulator" if sanction else "purchase" if complaint else "platform",
                    rng.choice(("resolved", "unresolved", "unanswered")) if complaint else None,
                    "bench",
                    f"o{rng.randint(1, count)}",
                    f"c{rng.randint(1, 10**6)}" if complaint else None,
                    f"u{rng.randint(1, 5 * count)}",
                    stamp(ts + 180 * 86400) if sanction else None,
                    created,
                )

    conn.executemany(
        "INSERT INTO event (id, seller_id, kind, occurred_at, severity, verification, "
        "resolution, source, order_ref, complainant_ref, buyer_ref, ends_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)


def load_rows(path: Path) -> tuple[dict[int, list[tuple]], set[int], int]:
    """Every event in memory, grouped by seller (not timed: the floor starts from arrays)."""
    conn = sqlite3.connect(path)
    cursor = conn.execute(
        "SELECT seller_id, kind, (julianday(occurred_at) - 2440587.5) * 86400.0, severity, "
        "verification, resolution, order_ref, complainant_ref, buyer_ref, id, "
        "(julianday(ends_at) - 2440587.5) * 86400.0, (julianday(lifted_at) - 2440587.5) * 86400.0 "
        "FROM event ORDER BY seller_id"
    )
    take = itemgetter(slice(1, None))
    grouped = {sid: [take(r) for r in g] for sid, g in groupby(cursor, key=itemgetter(0))}
    verified = {r[0] for r in conn.execute("SELECT seller_id FROM identity")}
    sellers = conn.execute("SELECT count(*) FROM seller").fetchone()[0]
    conn.close()
    return grouped, verified, sellers


def floor(grouped: dict[int, list[tuple]], verified: set[int], sellers: int) -> float:
    start = time.perf_counter()
    empty: list = []
    for sid in range(1, sellers + 1):
        scoring.score_rows(grouped.get(sid, empty), NOW, sid in verified)
    return time.perf_counter() - start


def end_to_end(path: Path) -> tuple[float, dict]:
    engine = make_engine(f"sqlite:///{path}")
    factory = session_factory(writer(engine))
    start = time.perf_counter()
    with factory() as session:
        summary = ScoreService(session, now=NOW).rescore_all(full=True)
        session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, {"sellers": summary.sellers, "changed": summary.changed}


def incremental(path: Path, samples: int) -> list[float]:
    """One new event, then one step of the rescore job, for sellers holding a state."""
    engine = make_engine(f"sqlite:///{path}")
    factory = session_factory(writer(engine))
    rng = random.Random(11)
    picks = rng.sample(range(1, 1000), samples)
    out = []
    with factory() as session:
        service = ScoreService(session, now=NOW)
        service.rescore(picks, full=picks)  # give these sellers a stored state first
        service.rescore_changed(limit=10**7)  # and drain the log so each step has one entry
        session.commit()
        for n, sid in enumerate(picks):
            list(
                EventService(session, "platform:bench", "platform", now=NOW).submit(
                    [
                        {
                            "seller": f"b-{sid:010d}",
                            "kind": "order",
                            "verification": "platform",
                            "occurred_at": NOW - timedelta(minutes=n),
                            "order_ref": f"inc{n}",
                            "buyer_ref": f"ib{n}",
                        }
                    ]
                )
            )
            session.commit()
            start = time.perf_counter()
            summary = service.rescore_changed()
            session.commit()
            out.append(time.perf_counter() - start)
            assert summary.incremental == 1, summary
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sellers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="100k sellers, 1M events")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    if args.quick:
        args.sellers, args.events = 100_000, 1_000_000
    cache = ROOT / "bench" / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"score-{args.sellers}-{args.events}-v{DATA_VERSION}.db"
    if args.rebuild or not path.exists():
        start = time.perf_counter()
        build(path, args.sellers, args.events)
        print(f"built {path.name} in {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    grouped, verified, sellers = load_rows(path)
    load_s = time.perf_counter() - start
    events = sum(len(v) for v in grouped.values())
    floor_s = floor(grouped, verified, sellers)
    del grouped
    full_s, summary = end_to_end(path)
    times = incremental(path, args.samples)
    inc_ms = sorted(t * 1000 for t in times)
    result = {
        "sellers": sellers,
        "events": events,
        "load_into_memory_s": round(load_s, 2),
        "floor_in_memory_s": round(floor_s, 2),
        "full_rescore_end_to_end_s": round(full_s, 2),
        "ratio_end_to_end_to_floor": round(full_s / floor_s, 2),
        "target_full_s": 120,
        "incremental_ms_median": round(statistics.median(inc_ms), 2),
        "incremental_ms_p95": round(inc_ms[int(0.95 * (len(inc_ms) - 1))], 2),
        "incremental_target_ms": 5,
        "scored": summary,
    }
    print(f"{'what':<44}{'value':>12}")
    print(f"{'sellers / events':<44}{sellers:>6,} / {events:,}")
    print(f"{'floor: score_rows on in-memory rows (s)':<44}{floor_s:>12.1f}")
    print(f"{'end to end: rescore --all --full (s)':<44}{full_s:>12.1f}")
    print(f"{'ratio end to end / floor':<44}{full_s / floor_s:>12.2f}")
    print(
        f"{'incremental: one event, one job step (ms)':<44}"
        f"{result['incremental_ms_median']:>6} p50 {result['incremental_ms_p95']} p95"
    )
    print(
        f"targets: full < 120 s -> {'PASS' if full_s < 120 else 'MISS'}; incremental "
        f"< 5 ms -> {'PASS' if result['incremental_ms_p95'] < 5 else 'MISS'}"
    )
    name = "score_bench.json" if not args.quick else "score_bench_quick.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
