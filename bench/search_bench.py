"""Benchmark the seller search (Whoosh, and PostgreSQL beside it) on a generated corpus.

Usage::

    python bench/search_bench.py                 # 100,000 sellers
    python bench/search_bench.py --sizes 100000,1000000 --queries 200
    python bench/search_bench.py 1000000 --backend both --out bench/results/search_bench_pg.json

Sellers are generated as city + brand + trade + legal suffix from the company-name
lexicon in ../shared/data (a small built-in word list when it is absent), with store
names, English names, domains and valid Unified Social Credit Codes. Writes a table to
stdout and bench/results/search_bench.json.

``--backend`` whoosh, postgres or both (the default when PostgreSQL answers at
``BENCH_POSTGRES_URL``, else whoosh): the PostgreSQL backend (SEARCH_BACKEND=postgres) is
measured on the same sellers and queries in a database of its own (``--pg-database``,
dropped and made again), with the top-10 overlap of the two; see bench/postgres_search.py.
SQLite FTS5 (an anchor) runs beside Whoosh unless ``--no-sqlite``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypinyin import lazy_pinyin

from search import QueryError, SellerIndex, SellerSearcher
from search import text as tx
from search.query import INSIDE_WORDS, TYPOS, parse, seller_query, wants_more

sys.path.insert(0, str(ROOT / "bench"))
import postgres_search as pgb

DATA = ROOT.parent / "shared" / "data"
LEXICON = DATA / "cn_company_name_lexicon"
RESULTS = ROOT / "bench" / "results" / "search_bench.json"

FALLBACK_PLACES = (
    "北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 苏州 义乌 温州 宁波 厦门 长沙".split()
)
FALLBACK_BRANDS = (
    "小米 华为 平安 腾达 美的 格力 海尔 联想 安踏 李宁 三只松鼠 良品铺子 百草味 森马 波司登".split()
)
FALLBACK_TRADES = (
    "科技 电子 服饰 食品 贸易 家居 化妆品 母婴 数码 茶叶 五金 玩具 箱包 鞋业 珠宝".split()
)
FALLBACK_SUFFIXES = ["有限公司", "有限责任公司", "商行", "贸易商行", "经营部", "旗舰店"]
STORE_SUFFIXES = ["官方旗舰店", "旗舰店", "专营店", "专卖店", "小店", "企业店", "工厂店"]
EN_TRADES = [
    "Technology",
    "Electronics",
    "Apparel",
    "Foods",
    "Trading",
    "Home",
    "Cosmetics",
    "Digital",
    "Tea",
    "Hardware",
    "Toys",
]
PROVINCES = ["广东", "浙江", "江苏", "北京", "上海", "山东", "福建", "四川", "湖北", "河南"]
CATEGORIES = ["服饰", "数码", "食品", "家居", "美妆", "母婴", "运动", "图书", "家电", "珠宝"]
GRADES = ["A+", "A", "B+", "B", "C", "D", "NR"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _words(name: str, fallback: list[str], minlen: int = 2, maxlen: int = 4) -> list[str]:
    path = LEXICON / name
    if not path.exists():
        return fallback
    words = {w.strip() for w in path.read_text(encoding="utf-8").splitlines()}
    return sorted(w for w in words if minlen <= len(w) <= maxlen and tx.has_han(w))


def _uscc(rng: random.Random) -> str:
    from stdnum.cn import uscc

    first = (
        "91"
        + f"{rng.randint(110000, 659000):06d}"
        + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    )
    return first + uscc.calc_check_digit(first)


def generate(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Return *n* realistic seller dicts."""
    rng = random.Random(seed)
    places = _words("china_place.txt", FALLBACK_PLACES)
    brands = _words("brand.txt", FALLBACK_BRANDS)
    trades = _words("trade.txt", FALLBACK_TRADES)
    suffixes = _words("suffix.txt", FALLBACK_SUFFIXES, 2, 6)
    legal_suffixes = [
        s for s in suffixes if "公司" in s or s.endswith(("商行", "经营部", "厂"))
    ] or suffixes
    docs = []
    for i in range(n):
        place, brand, trade = rng.choice(places), rng.choice(brands), rng.choice(trades)
        legal = f"{place}{brand}{trade}{rng.choice(legal_suffixes)}"
        brand_py = "".join(lazy_pinyin(brand)).capitalize()
        stores = [brand + rng.choice(STORE_SUFFIXES)]
        if rng.random() < 0.3:
            stores.append(brand + trade + rng.choice(STORE_SUFFIXES))
        score = None if rng.random() < 0.1 else round(rng.uniform(20, 99), 1)
        docs.append(
            {
                "id": f"s{i:07d}",
                "legal_name": legal,
                "former_names": [f"{place}{brand}{rng.choice(trades)}有限公司"]
                if rng.random() < 0.1
                else [],
                "aliases": [brand] if rng.random() < 0.2 else [],
                "store_names": stores,
                "english_name": f"{brand_py} {rng.choice(EN_TRADES)} Co., Ltd.",
                "domains": [f"{brand_py.lower()}{i}.{rng.choice(['com', 'cn', 'com.cn'])}"]
                if rng.random() < 0.5
                else [],
                "codes": [_uscc(rng)],
                "province": rng.choice(PROVINCES),
                "city": place,
                "category": rng.choice(CATEGORIES),
                "grade": rng.choice(GRADES),
                "verified": rng.random() < 0.4,
                "score": score,
                "store_urls": [f"https://shop{i}.taobao.com"] if rng.random() < 0.3 else [],
                "version": 1,
                "_brand": brand,
                "_trade": trade,
                "_brand_py": brand_py.lower(),
            }
        )
    return docs


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    ops = [
        word[:i] + word[i + 1 :],
        word[:i] + rng.choice("aeiou") + word[i:],
        word[:i] + rng.choice("xyz") + word[i + 1 :],
    ]
    return rng.choice(ops)


def query_set(
    docs: list[dict[str, Any]], per_type: int, seed: int = 11
) -> dict[str, list[tuple[str, str]]]:
    """Return {type: [(query, id of a seller it must find)]}."""
    rng = random.Random(seed)
    sample = rng.sample(docs, min(per_type, len(docs)))
    out: dict[str, list[tuple[str, str]]] = {
        k: []
        for k in (
            "exact",
            "sub2",
            "sub3_4",
            "word2",
            "brand",
            "english",
            "fuzzy",
            "pinyin",
            "initials",
            "domain",
            "code",
        )
    }
    for d in sample:
        name = d["legal_name"]
        out["exact"].append((name, d["id"]))
        i = rng.randrange(0, len(name) - 1)
        out["sub2"].append((name[i : i + 2], d["id"]))
        size = rng.choice([3, 4])
        j = rng.randrange(0, max(1, len(name) - size + 1))
        out["sub3_4"].append((name[j : j + size], d["id"]))
        out["word2"].append((d["_trade"][:2], d["id"]))
        out["brand"].append((d["_brand"], d["id"]))
        out["english"].append((d["_brand_py"], d["id"]))
        if len(d["_brand_py"]) >= 5:
            out["fuzzy"].append((_typo(d["_brand_py"], rng), d["id"]))
        out["pinyin"].append(("".join(lazy_pinyin(d["_brand"])), d["id"]))
        out["initials"].append(("".join(p[0] for p in lazy_pinyin(d["_brand"])), d["id"]))
        if d["domains"]:
            out["domain"].append(("https://www." + d["domains"][0] + "/index.html", d["id"]))
        out["code"].append((d["codes"][0], d["id"]))
    return out


def _pcts(times: list[float]) -> dict[str, float]:
    if not times:
        return {}
    qs = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "p50": round(qs[49], 3),
        "p95": round(qs[94], 3),
        "p99": round(qs[98], 3),
        "max": round(max(times), 3),
    }


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


# -- Whoosh -------------------------------------------------------------------------
def bench_whoosh(
    docs: list[dict[str, Any]],
    queries: dict[str, list[tuple[str, str]]],
    work: Path,
    reuse: bool = False,
    procs: int = 1,
    tops: pgb.Tops | None = None,
    visible_runs: int = pgb.VISIBLE_RUNS,
) -> dict[str, Any]:
    """Measure the Whoosh backend; fill *tops* with the first 10 ids of every query."""
    path = work / "whoosh"
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    if not (reuse and SellerIndex(path).exists()):
        size = -(-len(docs) // procs)
        parts = [
            lambda lo=lo: (_public(d) for d in docs[lo : lo + size])
            for lo in range(0, len(docs), size)
        ]
        SellerIndex(path, lock_timeout=5).rebuild_parts(parts, progress=_progress(len(docs)))
    build = time.perf_counter() - t0
    build_cpu = _cpu_seconds() - cpu0
    searcher = SellerSearcher(path, time_limit=2.0)
    t0 = time.perf_counter()
    searcher.search("预热")  # first open: reported apart
    open_ms = (time.perf_counter() - t0) * 1000
    raw = searcher.cache.searcher()
    live = SellerIndex(path).store.current_dir() or path
    out: dict[str, Any] = {
        "build_s": round(build, 1),
        "build_procs": None if reuse else procs,
        "docs_per_s": round(len(docs) / build),
        "docs_per_cpu_s": round(len(docs) / build_cpu) if build_cpu > 0 else None,
        "index_segments": len(searcher_segments(path)),
        "index_mb": round(_du(live) / 2**20, 1),
        "first_open_ms": round(open_ms, 1),
        "types": {},
    }
    for kind, items in queries.items():
        times, found, top, totals, errors = [], 0, 0, [], 0
        firsts: list[list[str] | None] = []
        for q, want in items:
            t0 = time.perf_counter()
            try:
                res = searcher.search(q, per_page=20)
            except QueryError:
                errors += 1
                firsts.append(None)
                continue
            times.append((time.perf_counter() - t0) * 1000)
            firsts.append(res.ids[:10])
            totals.append(res.total)
            top += want in res.ids
            found += _matches(raw, q, want)
        out["types"][kind] = {
            "n": len(items),
            **_pcts(times),
            "recall": round(found / max(1, len(items)), 4),
            "in_page1": round(top / max(1, len(items)), 4),
            "median_total": statistics.median(totals) if totals else 0,
            "query_errors": errors,
        }
        if tops is not None:
            tops[kind] = firsts
    for kind, cut in (("brand", 2), ("pinyin", 4)):
        times = []
        for q, _ in queries[kind][:100]:
            t0 = time.perf_counter()
            searcher.suggest(q[:cut])
            times.append((time.perf_counter() - t0) * 1000)
        out[f"suggest_{kind}_prefix"] = _pcts(times)
    out.update(_writes(docs, path, searcher))
    if tops is not None:  # beside the PostgreSQL backend's
        out["visible"] = _visible(docs, path, searcher, visible_runs)
    searcher.close()
    return out


def _visible(docs: list[dict[str, Any]], path: Path, searcher: Any, runs: int) -> dict[str, Any]:
    """Apply a renamed seller (as the change-log consumer does, one at a time) and time each
    apply until the first search that finds it; the consumer's poll interval comes on top."""
    picked = pgb.picked_for_changes(docs, runs)
    applies, times, missed = [], [], 0
    for i, doc in enumerate(picked):
        change = _public(pgb.renamed(doc, i))
        t0 = time.perf_counter()
        SellerIndex(path).apply([change], [], sequence=2 + i)
        applies.append((time.perf_counter() - t0) * 1000)
        while doc["id"] not in searcher.search(change["legal_name"], per_page=20).ids:
            if time.perf_counter() - t0 > pgb.VISIBLE_GIVE_UP_S:
                missed += 1
                break
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "runs": len(picked),
        "apply_ms": pgb._summary(applies),
        "apply_to_found_ms": pgb._summary(times),
        "not_found_within_s": {"s": pgb.VISIBLE_GIVE_UP_S, "count": missed},
    }


def _writes(docs: list[dict[str, Any]], path: Path, searcher: Any) -> dict[str, Any]:
    """Time one apply() of 1,000 changed sellers, and what a reader pays afterwards."""
    changed = [
        {**_public(d), "version": 2, "store_names": [*d["store_names"], "新店"]}
        for d in docs[:1000]
    ]
    t0 = time.perf_counter()
    SellerIndex(path).apply(changed[:990], [d["id"] for d in changed[990:]], sequence=1)
    apply_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    searcher.cache.searcher()  # sees the commit: refresh (reuses unchanged segments)
    refresh_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    for _ in range(100):
        searcher.cache.searcher()
    reuse_ms = (time.perf_counter() - t0) * 10
    fresh = SellerSearcher(path)
    t0 = time.perf_counter()
    fresh.cache.searcher()
    open_ms = (time.perf_counter() - t0) * 1000
    fresh.close()
    return {
        "apply_1000_s": round(apply_s, 2),
        "searcher_refresh_ms": round(refresh_ms, 1),
        "searcher_reuse_ms": round(reuse_ms, 3),
        "searcher_open_ms": round(open_ms, 1),
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the parts of a rebuild)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def searcher_segments(path: Path) -> list[Any]:
    ix, _ = SellerIndex(path).store.open()
    try:
        return list(ix._segments())
    finally:
        ix.close()


def _matches(raw: Any, text: str, want: str) -> bool:
    """Tell whether the seller is anywhere in the full result set (not only page 1)."""
    docnum = raw.document_number(id=want)
    parsed = parse(text)
    docs = set(seller_query(parsed, raw.reader()).docs(raw))
    for stage in (TYPOS, INSIDE_WORDS):  # the same later passes as search()
        if docs or not wants_more(parsed):
            break
        docs = set(seller_query(parsed, raw.reader(), stage).docs(raw))
    return docnum in docs


def _progress(total: int) -> Callable[[int], None]:
    def report(n: int) -> None:
        if n % 100000 == 0 or n == total:
            print(f"  indexed {n:,}/{total:,}", file=sys.stderr, flush=True)

    return report


# -- SQLite FTS5 (anchor) ---------------------------------------------------------------
def bench_sqlite(
    docs: list[dict[str, Any]], queries: dict[str, list[tuple[str, str]]], work: Path
) -> dict[str, Any]:
    path = work / "fts.sqlite"
    con = sqlite3.connect(path)
    t0 = time.perf_counter()
    con.execute("CREATE TABLE sellers(rid INTEGER PRIMARY KEY, id TEXT, names TEXT)")
    con.execute("CREATE TABLE locators(value TEXT, rid INTEGER)")
    con.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(names, content='sellers', content_rowid='rid',"
        " tokenize='trigram')"
    )
    rows, locs = [], []
    for rid, d in enumerate(docs, 1):
        names = " | ".join(
            [
                d["legal_name"],
                *d["store_names"],
                *d["aliases"],
                *d["former_names"],
                d["english_name"],
            ]
        )
        rows.append((rid, d["id"], names))
        locs.extend((v, rid) for v in [*d["domains"], *d["codes"]])
    con.executemany("INSERT INTO sellers VALUES (?,?,?)", rows)
    con.executemany("INSERT INTO locators VALUES (?,?)", locs)
    con.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    con.execute("CREATE INDEX locators_value ON locators(value)")
    con.commit()
    build = time.perf_counter() - t0
    out: dict[str, Any] = {
        "build_s": round(build, 1),
        "docs_per_s": round(len(docs) / build),
        "db_mb": round(path.stat().st_size / 2**20, 1),
        "types": {},
    }
    for kind, items in queries.items():
        times, found, top, how = [], 0, 0, "fts5 trigram MATCH, bm25"
        for q, want in items:
            t0 = time.perf_counter()
            ids, method = _sqlite_query(con, kind, q)
            times.append((time.perf_counter() - t0) * 1000)
            how = method
            top += want in ids
            found += _sqlite_matches(con, kind, q, want)
        out["types"][kind] = {
            "n": len(items),
            **_pcts(times),
            "recall": round(found / max(1, len(items)), 4),
            "in_page1": round(top / max(1, len(items)), 4),
            "method": how,
        }
    con.close()
    return out


def _sqlite_query(con: sqlite3.Connection, kind: str, q: str) -> tuple[list[str], str]:
    if kind in ("domain", "code"):
        value = q.replace("https://www.", "").replace("/index.html", "")
        rows = con.execute(
            "SELECT s.id FROM locators l JOIN sellers s ON s.rid = l.rid"
            " WHERE l.value = ? LIMIT 20",
            (value,),
        ).fetchall()
        return [r[0] for r in rows], "plain B-tree index on the value (what the app does)"
    if len(q) < 3:
        rows = con.execute(
            "SELECT id FROM sellers WHERE names LIKE ? LIMIT 20", (f"%{q}%",)
        ).fetchall()
        return [r[0] for r in rows], "LIKE full scan (trigram cannot match < 3 chars), no ranking"
    rows = con.execute(
        "SELECT s.id FROM fts JOIN sellers s ON s.rid = fts.rowid WHERE fts MATCH ?"
        " ORDER BY rank LIMIT 20",
        ('"' + q.replace('"', '""') + '"',),
    ).fetchall()
    return [r[0] for r in rows], "fts5 trigram MATCH, bm25"


def _sqlite_matches(con: sqlite3.Connection, kind: str, q: str, want: str) -> bool:
    if kind in ("domain", "code"):
        ids, _ = _sqlite_query(con, kind, q)
        return want in ids
    if len(q) < 3:
        row = con.execute(
            "SELECT 1 FROM sellers WHERE id = ? AND names LIKE ?", (want, f"%{q}%")
        ).fetchone()
    else:
        row = con.execute(
            "SELECT 1 FROM fts JOIN sellers s ON s.rid = fts.rowid WHERE fts MATCH ? AND s.id = ?",
            ('"' + q.replace('"', '""') + '"', want),
        ).fetchone()
    return row is not None


# -- report -------------------------------------------------------------------------------
def _row(stats: dict[str, Any]) -> str:
    if not stats:
        return ""
    cells = [stats.get(k, 0) for k in ("p50", "p95", "p99")]
    return (
        "".join(f"{c:>8.2f}" for c in cells) + f"{stats['recall']:>8.3f}{stats['in_page1']:>7.2f}"
    )


def table(result: dict[str, Any]) -> str:
    """Return the run as a text table (latencies in ms)."""
    w, s = result["whoosh"], result.get("sqlite", {})
    lines = [
        f"n={result['n']:,}  whoosh: build {w['build_s']} s ({w['docs_per_s']} docs/s,"
        f" {w['build_procs']} processes, {w['docs_per_cpu_s']} docs per CPU second),"
        f" {w['index_mb']} MB in {w['index_segments']} segments,"
        f" first open {w['first_open_ms']} ms",
    ]
    lines.append(
        f"  apply 1,000 changes {w['apply_1000_s']} s; searcher open {w['searcher_open_ms']} ms,"
        f" refresh {w['searcher_refresh_ms']} ms, reuse {w['searcher_reuse_ms']} ms;"
        f" suggest p95 {w['suggest_brand_prefix']['p95']} ms (2 characters),"
        f" {w['suggest_pinyin_prefix']['p95']} ms (4 letters of pinyin)"
    )
    if s:
        lines.append(f"  sqlite fts5 trigram: build {s['build_s']} s, {s['db_mb']} MB")
    head = "".join(f"{h:>8}" for h in ("p50", "p95", "p99", "recall")) + f"{'page1':>7}"
    lines.append(f"{'type':<9}{'n':>4}{'total':>7} | whoosh{head[6:]} | fts5{head[4:]}")
    for kind, stats in w["types"].items():
        other = s.get("types", {}).get(kind, {})
        lines.append(
            f"{kind:<9}{stats['n']:>4}{stats['median_total']:>7} |{_row(stats)} |{_row(other)}"
        )
    return "\n".join(lines)


def _cells(stats: dict[str, Any], recall: bool = True) -> str:
    if not stats:
        return f"{'':>{8 * (5 if recall else 4)}}"
    cells = "".join(f"{stats.get(k, 0):>8.2f}" for k in ("p50", "p95", "p99", "max"))
    return cells + (f"{stats['recall']:>8.3f}" if recall else "")


def _visible_ms(stats: dict[str, Any], key: str) -> str:
    found = stats.get(key) or {}
    return f"p50 {found.get('p50')} ms, p95 {found.get('p95')} ms, max {found.get('max')} ms"


def pair_table(result: dict[str, Any]) -> str:
    """Return the run with both backends side by side, one row per query type (ms)."""
    w, p = result.get("whoosh", {}), result["postgres"]
    per_m = 1e6 / result["n"]
    lines = [f"n={result['n']:,}"]
    if w:
        lines.append(
            f"  whoosh:   build {w['build_s']} s ({w['docs_per_s']} docs/s,"
            f" {w['build_procs']} processes), index {w['index_mb']} MB"
            f" ({round(w['index_mb'] * per_m, 1)} MB per million sellers),"
            f" apply 1,000 changes {w['apply_1000_s']} s"
        )
    lines.append(
        f"  postgres: rebuild {p['build_s']} s ({p['docs_per_s']} docs/s; COPY {p['copy_s']} s,"
        f" index and swap {p['index_and_swap_s']} s, {p['python_cpu_s']} s CPU in Python),"
        f" tables {p['index_mb']} MB ({p['index_mb_per_million']} MB per million sellers),"
        f" apply 1,000 changes {p['apply_1000_s']} s"
    )
    v = p["visible"]
    lines.append(
        f"  postgres: commit -> first search that finds it ({v['runs']} changes):"
        f" {_visible_ms(v, 'commit_to_found_ms')};"
        f" not found within {v['not_found_within_s']['s']} s: {v['not_found_within_s']['count']}"
    )
    if w.get("visible"):
        lines.append(
            f"  whoosh:   apply -> first search that finds it ({w['visible']['runs']} changes):"
            f" {_visible_ms(w['visible'], 'apply_to_found_ms')} (+ the consumer's poll);"
            f" the apply alone p50 {w['visible']['apply_ms'].get('p50')} ms,"
            f" p95 {w['visible']['apply_ms'].get('p95')} ms"
        )
    pending = p.get("gin_pending_after_writes")
    if pending:
        lines.append(
            f"  postgres: after 1,000 + {v['runs']} writes the GIN pending list holds"
            f" {pending['rows']} rows in {pending['pages']} pages (the last column)"
        )
    head = "".join(f"{h:>8}" for h in ("p50", "p95", "p99", "max", "recall"))
    lines.append(f"{'':<20} | {'whoosh':<40}| {'postgres':<40}|{'top10':>8}|{'pg p95':>8}")
    lines.append(f"{'type':<16}{'n':>4} |{head} |{head} |{'overlap':>8}|{'1k wr.':>8}")
    overlap = p.get("overlap", {})
    for kind, stats in p["types"].items():
        both = overlap.get("types", {}).get(kind, {}).get("mean")
        after = p.get("types_after_writes", {}).get(kind, {}).get("p95")
        lines.append(
            f"{kind:<16}{stats['n']:>4} |{_cells(w.get('types', {}).get(kind, {}))}"
            f" |{_cells(stats)} |{'' if both is None else f'{both:>8.2f}':>8}"
            f"|{'' if after is None else f'{after:>8.2f}':>8}"
        )
    for kind in ("brand", "pinyin"):
        key = f"suggest_{kind}_prefix"
        lines.append(
            f"{'suggest_' + kind:<16}{'':>4} |{_cells(w.get(key, {}), False)}{'':>8}"
            f" |{_cells(p[key], False)}{'':>8} |"
        )
    if overlap:
        lines.append(f"{'total':<16}{'':>4} |{'':>40} |{'':>40} |{overlap['total']:>8.2f}")
    return "\n".join(lines)


def _backend(choice: str | None) -> str:
    if choice is not None:
        return choice
    if pgb.reachable():
        return "both"
    print(f"PostgreSQL does not answer at {pgb.PG_URL}: Whoosh only", file=sys.stderr)
    return "whoosh"


def _run(
    args: argparse.Namespace, backend: str, n: int, docs: list[dict[str, Any]], work: Path
) -> dict[str, Any]:
    queries = query_set(docs, args.queries)
    gc.collect()
    gc.freeze()  # a web worker does not hold the corpus: keep its GC out of the timings
    result: dict[str, Any] = {"n": n}
    tops: pgb.Tops | None = {} if backend == "both" else None
    if backend in ("whoosh", "both"):
        result["whoosh"] = bench_whoosh(docs, queries, work, args.reuse, args.procs, tops)
        if not args.no_sqlite:
            result["sqlite"] = bench_sqlite(docs, queries, work)
    if backend in ("postgres", "both"):
        from registry.core.db import make_engine

        engine = make_engine(pgb.fresh_database(args.pg_database))
        try:
            result["postgres_server"] = pgb.server_settings(engine)
            result["postgres"] = pgb.bench_postgres(
                docs, queries, engine, public=_public, pcts=_pcts, whoosh_tops=tops
            )
        finally:
            engine.dispose()
            if args.keep is None:
                pgb.drop_database(args.pg_database)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, default=None)
    parser.add_argument(
        "--sizes", default=None, help="comma-separated corpus sizes (default 100000)"
    )
    parser.add_argument("--queries", type=int, default=200, help="queries per type")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--procs", type=int, default=os.cpu_count(), help="processes of the rebuild (parts)"
    )
    parser.add_argument(
        "--backend",
        choices=("whoosh", "postgres", "both"),
        default=None,
        help="default: both when PostgreSQL answers at BENCH_POSTGRES_URL, else whoosh",
    )
    parser.add_argument(
        "--pg-database",
        default=pgb.DATABASE,
        help="the database the postgres backend is measured in (dropped and made again)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--keep", type=Path, default=None, help="build under this directory and keep it"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: query an index built before"
    )
    parser.add_argument(
        "--variant",
        default=None,
        help="MAX_GRAM,PINYIN_WINDOW,INITIALS_GRAM to compare analysis choices",
    )
    args = parser.parse_args(argv)
    backend = _backend(args.backend)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.size or 100000]
    if args.variant:
        tx.MAX_GRAM, tx.PINYIN_WINDOW, tx.INITIALS_GRAM = (int(v) for v in args.variant.split(","))

    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        },
        "lexicon": LEXICON.exists(),
        "analysis": {
            "name_grams": [tx.MIN_GRAM, tx.MAX_GRAM],
            "pinyin_window": tx.PINYIN_WINDOW,
            "initials_grams": [2, tx.INITIALS_GRAM],
        },
        "runs": [],
    }
    for n in sizes:
        work = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            t0 = time.perf_counter()
            docs = generate(n)
            gen_s = time.perf_counter() - t0
            result = {"generate_s": round(gen_s, 1), **_run(args, backend, n, docs, work)}
            report["runs"].append(result)
            if "whoosh" in result:
                print(table(result), flush=True)
            if "postgres" in result:
                print(pair_table(result), flush=True)
            gc.unfreeze()
            del docs
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
    report["notes"] = [
        "recall: the seller the query was made from is in the full result set (all pages)",
        "page1: it is among the first 20 results",
        "domain and code: the app answers them from the database's own index first;"
        " the full-text index path is shown",
        "fts5 trigram cannot match queries under 3 characters: LIKE '%q%'"
        " (full scan, unranked) stands in",
        "fts5 has no pinyin and no typo tolerance: its recall there is what it is",
    ]
    if backend != "whoosh":
        report["notes"] += [
            "postgres: the same sellers and queries; rebuild = PostgresSellerIndex.rebuild"
            " (COPY into a new table, CREATE INDEX, swap), as flask reindex does it, from"
            " the generated documents (reading them from the registry's tables not included,"
            " nor for Whoosh)",
            "postgres tables_mb: pg_total_relation_size (table, indexes, TOAST) of each table",
            "overlap: mean of |top10_whoosh & top10_postgres| / max(1, min(len)) per query"
            " (a query both answer with nothing counts 0); total over every query",
            "postgres visible: a renamed seller written as web/search_rows.py does (SAVEPOINT,"
            " write, RELEASE) and committed; from commit() to the first search, on another"
            " connection, that finds it by its new name",
            "pg p95 1k wr.: the same queries again after 1,000 + 50 writes since the rebuild:"
            " rows written wait in the GIN index's pending list (fastupdate), which every"
            " search reads through until (auto)vacuum merges it",
            "whoosh visible: SellerIndex.apply of one renamed seller until a search finds it;"
            " the change-log consumer's poll interval (2 s) comes on top",
        ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
