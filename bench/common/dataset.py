"""The cached data set: sellers, events, scores and the search index, built once per size."""

from __future__ import annotations

import fcntl
import json
import random
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .paths import DATA_VERSION, ROOT, SEED, cache_root, log


@dataclass
class Dataset:
    path: Path
    sellers: int
    event_sellers: list[str]  # public ids of the sellers given events
    events: int
    build_seconds: float

    @property
    def db(self) -> Path:
        return self.path / "registry.db"

    @property
    def index_dir(self) -> Path:
        return self.path / "index"

    def public_ids(self, count: int, seed: int = SEED) -> list[str]:
        """A random sample of ``count`` public ids out of every seller."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            ids = [r[0] for r in conn.execute("SELECT public_id FROM seller ORDER BY id")]
        finally:
            conn.close()
        return random.Random(seed).sample(ids, min(count, len(ids)))


def schema_head() -> str:
    """The newest migration revision: a schema change makes a new cache entry."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from registry.core.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return "+".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def dataset(sellers: int, rebuild: bool = False) -> Dataset:
    """Return the cached data set of ``sellers`` sellers, building it when absent."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"registry-{sellers}-v{DATA_VERSION}-{schema_head()}"
    manifest = path / "manifest.json"
    # One builder at a time: the web and badge benchmarks may be started together.
    with (root / f"{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild and path.exists():
            shutil.rmtree(path)
        if not manifest.exists():
            building = root / f"{path.name}.building"
            shutil.rmtree(building, ignore_errors=True)
            _build(building, sellers)
            shutil.rmtree(path, ignore_errors=True)
            building.rename(path)
        else:
            log(f"reusing cached data set {path}")
            _refresh_scores(path)
            _refresh_index(path)
            _analyze(path)
    data = json.loads(manifest.read_text())
    return Dataset(
        path, data["sellers"], data["event_sellers"], data["events"], data["build_seconds"]
    )


def _analyze(path: Path) -> None:
    """The planner's statistics, as ``flask prepare`` leaves them before serving."""
    from registry.core.db import analyze, make_engine

    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    analyze(engine)
    engine.dispose()


def scores_stamp() -> str:
    """A digest of the scoring code: stored scores are recomputed when it changes."""
    import hashlib

    digest = hashlib.sha256()
    for file in sorted(
        [*(ROOT / "scoring").glob("*.py"), *(ROOT / "registry" / "scores").glob("*.py")]
    ):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _refresh_scores(path: Path) -> None:
    """Recompute every stored score when the scoring code changed since the data was built.

    Rebuilding the whole data set takes minutes (the search index most of them); the stored
    scores are what code that changes often reads back, and take well under a minute.
    """
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    stamp = scores_stamp()
    if manifest.get("scores_stamp") == stamp:
        return
    from registry.core.db import make_engine, session_factory, writer
    from registry.scores.service import ScoreService

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    with session_factory(writer(engine))() as session:
        ScoreService(session).rescore_all(full=True)
        session.commit()
    engine.dispose()
    manifest["scores_stamp"] = stamp
    manifest_path.write_text(json.dumps(manifest))
    log(f"  scoring code changed: scores recomputed in {time.perf_counter() - started:.1f}s")


def _build_index(path: Path, engine) -> None:
    """Build both search indexes of the data set at *path* from its database."""
    from registry.core.db import session_factory
    from web.indexing import rebuild

    index = path / "index"
    with session_factory(engine)() as session:
        rebuild(session, (index / "sellers", index / "narratives"))


def _refresh_index(path: Path) -> None:
    """Rebuild the search index when the search schema changed since the data was built
    (the app would not open it; the database is the same)."""
    from search import SellerSearcher

    if SellerSearcher(path / "index" / "sellers").store.exists():
        return
    from registry.core.db import make_engine

    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{path / 'registry.db'}")
    _build_index(path, engine)
    engine.dispose()
    log(f"  search schema changed: index rebuilt in {time.perf_counter() - started:.1f}s")


def _event_count(sellers: int) -> int:
    # "A few thousand" at 100,000: 3 % of sellers, at least 100.
    return max(100, min(sellers, sellers * 3 // 100))


MAX_ORDERS = 300  # per seller: enough for rates and charts, cheap enough to generate


def _build(path: Path, count: int) -> None:
    from sqlalchemy import select

    from registry.core.db import make_engine, session_factory, writer
    from registry.core.migrate import upgrade
    from registry.demo import generate as demo
    from registry.events.service import EventService
    from registry.registration.models import Seller
    from registry.scores.service import ScoreService

    started = time.perf_counter()
    path.mkdir(parents=True)
    db = path / "registry.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    Session = session_factory(writer(engine))
    now = demo.today()
    t = time.perf_counter()
    with Session() as session:
        results = demo.register(session, count, now)
        session.commit()
    created = [r.seller_id for r in results if r.status == "created"]
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        raise RuntimeError(f"{len(rejected)} registrations rejected, e.g. {rejected[:2]}")
    log(f"  {len(created)} sellers registered in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    rng = random.Random(SEED + 1)
    chosen = sorted(rng.sample(range(len(created)), _event_count(len(created))))
    texts = demo.narratives(None)
    platform_events: list[dict] = []
    regulator_events: list[dict] = []
    for i in chosen:
        p, r = demo.events_for(rng, created[i], texts, now)
        orders = [e for e in p if e["kind"] == "order"][:MAX_ORDERS]
        platform_events += orders + [e for e in p if e["kind"] != "order"]
        regulator_events += r
    with Session() as session:
        ev = list(
            EventService(session, "platform:演示电商平台", "platform", now=now).submit(
                platform_events
            )
        )
        ev += list(
            EventService(session, "regulator:演示监管部门", "regulator", now=now).submit(
                regulator_events
            )
        )
        session.commit()
    bad = [r for r in ev if r.status == "rejected"]
    if bad:
        raise RuntimeError(f"{len(bad)} events rejected, e.g. {bad[:2]}")
    log(f"  {len(ev)} events for {len(chosen)} sellers in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    with Session() as session:
        ScoreService(session, now=now).rescore_all()
        # A year of monthly history for the sellers with events, so their charts have a line.
        ids = list(
            session.execute(
                select(Seller.id).where(Seller.public_id.in_([created[i] for i in chosen]))
            ).scalars()
        )
        from datetime import timedelta

        ScoreService(session, now=now).backfill_history(
            ids, [now - timedelta(days=30 * k) for k in range(12, 0, -1)]
        )
        session.commit()
    log(f"  scores computed in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    _build_index(path, engine)
    log(f"  search index built in {time.perf_counter() - t:.1f}s")
    engine.dispose()
    _analyze(path)
    manifest = {
        "sellers": len(created),
        "event_sellers": [created[i] for i in chosen],
        "events": len(ev),
        "data_version": DATA_VERSION,
        "built_on": now.isoformat(),
        "build_seconds": round(time.perf_counter() - started, 1),
        "scores_stamp": scores_stamp(),
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
