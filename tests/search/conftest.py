"""Fixtures of the search tests: sellers as plain dicts, indexes in temporary directories."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from search import SellerIndex, SellerSearcher

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def make_seller(seller_id: str, legal_name: str, **overrides: Any) -> dict[str, Any]:
    """Return a seller document with sensible defaults."""
    doc: dict[str, Any] = {
        "id": seller_id,
        "legal_name": legal_name,
        "former_names": [],
        "aliases": [],
        "store_names": [],
        "english_name": None,
        "domains": [],
        "codes": [],
        "province": None,
        "city": None,
        "category": None,
        "grade": "NR",
        "verified": False,
        "score": None,
        "store_urls": [],
        "version": 1,
    }
    doc.update(overrides)
    return doc


SAMPLE = [
    make_seller(
        "s1",
        "平安银行股份有限公司",
        store_names=["平安银行官方旗舰店"],
        english_name="Ping An Bank Co., Ltd.",
        domains=["https://www.pingan.com/"],
        codes=["91440300190346175T"],
        province="广东",
        city="深圳",
        category="金融",
        grade="A+",
        verified=True,
        score=92.5,
        version=3,
    ),
    make_seller(
        "s2",
        "小米科技有限责任公司",
        store_names=["小米官方旗舰店"],
        english_name="Xiaomi Inc.",
        domains=["mi.com"],
        province="北京",
        city="北京",
        category="数码",
        grade="A",
        verified=True,
        score=88.0,
        store_urls=["https://xiaomi.tmall.com/"],
    ),
    make_seller(
        "s3",
        "平安",
        store_names=["平安小店"],
        grade="B",
        score=40.0,
        province="广东",
        city="广州",
        category="百货",
    ),
    make_seller(
        "s4",
        "杭州三只松鼠电子商务有限公司",
        store_names=["三只松鼠旗舰店"],
        english_name="Three Squirrels E-commerce",
        province="浙江",
        city="杭州",
        category="食品",
        grade="B",
        verified=True,
        score=70.0,
        store_urls=["https://shop123.taobao.com/index.htm", "https://mall.jd.com/index-1000.html"],
    ),
    make_seller(
        "s5",
        "深圳市华强北数码商行",
        store_names=["华强北数码"],
        english_name="Huaqiangbei Digital",
        province="广东",
        city="深圳",
        category="数码",
        grade="C",
        score=30.0,
    ),
]


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "sellers"


@pytest.fixture
def sample_index(index_path: Path) -> Path:
    SellerIndex(index_path).apply(SAMPLE)
    return index_path


@pytest.fixture
def searcher(sample_index: Path):
    s = SellerSearcher(sample_index)
    yield s
    s.close()


def all_ids(searcher: SellerSearcher, text: str, **kwargs: Any) -> list[str]:
    """Page through every result of a search and return the ids in order."""
    ids: list[str] = []
    page = 1
    while True:
        res = searcher.search(text, page=page, per_page=100, **kwargs)
        ids.extend(res.ids)
        if page >= res.pages or not res.hits:
            return ids
        page += 1


def stock_rows() -> list[tuple[str, str]]:
    """Return (code, short name) of the A-share list, or skip when the data is absent."""
    path = DATA / "cn_a_share_stock_list_adata.csv"
    if not path.exists():
        pytest.skip("shared/data/cn_a_share_stock_list_adata.csv is absent")
    with path.open(encoding="utf-8") as fh:
        return [(row["stock_code"], row["short_name"]) for row in csv.DictReader(fh)]


@pytest.fixture(scope="session")
def stock_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Index every real A-share short name once per session (about 5,600 sellers)."""
    rows = stock_rows()
    rng = random.Random(3)
    docs = [
        make_seller(
            f"a{code}", name, score=round(rng.uniform(0, 100), 1), grade=rng.choice(["A", "B", "C"])
        )
        for code, name in rows
    ]
    path = tmp_path_factory.mktemp("stock") / "index"
    SellerIndex(path).rebuild(docs)
    return path, docs


Factory = Callable[..., dict[str, Any]]


def review_rows(name: str = "zh_online_shopping_10_cats_sample.csv") -> list[str]:
    """Return the real negative reviews of a shared data file, or skip when it is absent."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared/data/{name} is absent")
    with path.open(encoding="utf-8") as fh:
        return [
            row["review"]
            for row in csv.DictReader(fh)
            if row["label"] == "0" and row["review"].strip()
        ]


HANDMADE_REPORTS = [
    {
        "id": "h1",
        "seller_id": "s1",
        "kind": "fraud",
        "text": "交了500元定金以后商家就不见了，定金也不退。",
    },
    {"id": "h2", "seller_id": "s1", "kind": "complaint", "text": "说好定金可退，结果拖了三个月。"},
    {
        "id": "h3",
        "seller_id": "s2",
        "kind": "complaint",
        "text": "The seller kept my deposit and never shipped.",
    },
    {
        "id": "h4",
        "seller_id": "s2",
        "kind": "fraud",
        "text": "Deposits are not refunded, they ignore every message.",
    },
    {"id": "h5", "seller_id": "s3", "kind": "complaint", "text": "发货太慢，客服态度差。"},
]


@pytest.fixture
def narrative_index(tmp_path: Path) -> Path:
    from search import NarrativeIndex

    path = tmp_path / "narratives"
    NarrativeIndex(path).apply(HANDMADE_REPORTS)
    return path
