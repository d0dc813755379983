"""Recall on real Chinese company short names: every 2-4 character substring finds its owner."""

from __future__ import annotations

import csv
import random

import pytest

from search import SellerIndex, SellerSearcher
from search import text as tx

from .conftest import DATA, all_ids, make_seller, stock_rows

SAMPLED = 200


@pytest.fixture(scope="module")
def stock(stock_index):
    path, docs = stock_index
    searcher = SellerSearcher(path)
    yield searcher, docs
    searcher.close()


def _sample(docs: list[dict], n: int, seed: int) -> list[dict]:
    return random.Random(seed).sample(docs, min(n, len(docs)))


def test_the_whole_list_is_indexed(stock) -> None:
    searcher, docs = stock
    assert len(docs) > 5000
    assert searcher.cache.searcher().doc_count() == len(docs)


def test_every_substring_of_two_to_four_characters_finds_its_seller(stock) -> None:
    searcher, docs = stock
    missed: list[tuple[str, str]] = []
    queries = 0
    for doc in _sample(docs, SAMPLED, seed=1):
        name = doc["legal_name"]
        for size in (2, 3, 4):
            for start in range(len(name) - size + 1):
                query = name[start : start + size]
                if len(tx.normalize(query)) < 2:
                    continue  # "万  " is one character once spaces go
                queries += 1
                first = searcher.search(query, per_page=100)
                if doc["id"] in first.ids:
                    continue
                if doc["id"] not in all_ids(searcher, query):
                    missed.append((query, name))
    assert queries > 1000
    assert missed == []


def test_exact_names_rank_first(stock) -> None:
    searcher, docs = stock
    wrong = []
    for doc in _sample(docs, 200, seed=2):
        ids = searcher.search(doc["legal_name"]).ids
        names = {d["legal_name"] for d in docs if d["id"] in ids[:1]}
        if tx.normalize(doc["legal_name"]) not in {tx.normalize(n) for n in names}:
            wrong.append(doc["legal_name"])
    assert wrong == []


def test_full_pinyin_and_initials_find_the_seller(stock) -> None:
    searcher, docs = stock
    # Names written in Chinese characters only (pinyin typed for "ST东北高" is not segmentable).
    chinese = [d for d in docs if all(tx.has_han(c) for c in tx.normalize(d["legal_name"]))]
    missed = []
    for doc in _sample(chinese, 60, seed=3):
        full, initials = tx.pinyin_parts(tx.normalize(doc["legal_name"]))
        for query in ("".join(full), "".join(initials)):
            if doc["id"] not in all_ids(searcher, query):
                missed.append((query, doc["legal_name"]))
    assert missed == []


# -- real place names, trade words and legal suffixes ----------------------------
def _lexicon(name: str) -> list[str]:
    path = DATA / "cn_company_name_lexicon" / name
    if not path.exists():
        pytest.skip(f"shared/data/cn_company_name_lexicon/{name} is absent")
    return [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line]


def _divisions() -> list[str]:
    """Current county- and city-level names whose suffix is one character of 市/县/区."""
    path = DATA / "cn_admin_division_codes_stdnum.csv"
    if not path.exists():
        pytest.skip("shared/data/cn_admin_division_codes_stdnum.csv is absent")
    with path.open(encoding="utf-8") as fh:
        names = {
            row["name"]
            for row in csv.DictReader(fh)
            if not row["valid_until_year"] and row["name"][-1:] in ("市", "县", "区")
        }
    return sorted(
        n for n in names if len(n) >= 3 and "," not in n and "辖" not in n and n[-2] not in "新治地"
    )


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory):
    """300 sellers named 临海市<brand><trade>有限公司 or <brand>（临海）<trade>有限公司,
    on 40 places, so that many names share each place; each searched first as 临海<brand>."""
    rng = random.Random(7)
    places = rng.sample(_divisions(), 40)
    brands = [b for b in _lexicon("brand.txt") if 2 <= len(b) <= 4 and tx.has_han(b)]
    trades = [t for t in _lexicon("trade.txt") if 2 <= len(t) <= 4]
    docs, cases = [], []
    for i, brand in enumerate(rng.sample(brands, 300)):
        place, trade = rng.choice(places), rng.choice(trades)
        short = place[:-1]
        if i % 2:
            name = f"{place}{brand}{trade}有限公司"
            queries = [f"{short}{brand}", f"{short}{brand}{trade}"]
        else:
            name = f"{brand}（{short}）{trade}有限公司"
            queries = [f"{short}{brand}", f"{brand}{trade}"]
        docs.append(make_seller(f"p{i}", name, score=round(rng.uniform(0, 100), 1)))
        cases.append((f"p{i}", name, brand, queries))
    path = tmp_path_factory.mktemp("placed") / "index"
    SellerIndex(path).rebuild(docs)
    searcher = SellerSearcher(path)
    yield searcher, docs, cases
    searcher.close()


def test_real_names_are_found_without_region_or_suffix(placed) -> None:
    searcher, _, cases = placed
    missed = [
        (query, name)
        for seller, name, _, queries in cases
        for query in queries
        if seller not in all_ids(searcher, query)
    ]
    assert missed == []


def test_real_names_are_found_by_the_pinyin_of_their_shorter_forms(placed) -> None:
    searcher, _, cases = placed
    missed = []
    for seller, name, _, queries in cases:
        # <place without suffix><brand> only: long typed pinyin is cut into syllables
        # ambiguously (lu neng / lun eng), and only the first few ways are tried.
        full, initials = tx.pinyin_parts(tx.normalize(queries[0]))
        for query in ("".join(full), "".join(initials)):
            if query.isalpha() and seller not in all_ids(searcher, query):
                missed.append((query, name))
    assert missed == []


def test_the_exact_name_ranks_first_among_names_sharing_its_place(placed) -> None:
    searcher, _, cases = placed
    wrong = [name for seller, name, _, _ in cases if searcher.search(name).ids[:1] != [seller]]
    assert wrong == []


def test_shorter_forms_are_marked_on_the_stored_name(placed) -> None:
    searcher, _, cases = placed
    wrong = []
    for seller, name, brand, queries in cases:
        [hit] = [h for h in searcher.search(queries[0], per_page=100).hits if h.seller_id == seller]
        marked = hit.highlights["legal_name"]
        if f"<mark>{brand}" not in marked and f"{brand}</mark>" not in marked:
            wrong.append(marked)
        if marked.replace("<mark>", "").replace("</mark>", "") != name:
            wrong.append(marked)
    assert wrong == []


# -- traditional characters --------------------------------------------------------
@pytest.fixture(scope="module")
def traditional(tmp_path_factory: pytest.TempPathFactory):
    """The A-share short names written in traditional characters (OpenCC s2t)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    rows = [(code, name, s2t.convert(name)) for code, name in stock_rows()]
    rows = [row for row in rows if row[1] != row[2]]
    path = tmp_path_factory.mktemp("traditional") / "index"
    SellerIndex(path).rebuild([make_seller(f"t{code}", trad) for code, _, trad in rows])
    searcher = SellerSearcher(path)
    yield searcher, rows, s2t
    searcher.close()


def test_simplified_text_finds_traditional_names(traditional) -> None:
    searcher, rows, _ = traditional
    missed = []
    for code, simple, _ in random.Random(4).sample(rows, 150):
        for size in (2, 3, 4):
            query = simple[:size]
            if len(tx.normalize(query)) >= 2 and f"t{code}" not in all_ids(searcher, query):
                missed.append((query, simple))
    assert missed == []


def test_traditional_text_finds_simplified_names(stock) -> None:
    import opencc

    searcher, docs = stock
    s2t = opencc.OpenCC("s2t")
    missed = []
    for doc in _sample(docs, 150, seed=5):
        query = s2t.convert(doc["legal_name"])
        if doc["id"] not in all_ids(searcher, query):
            missed.append((query, doc["legal_name"]))
    assert missed == []


def test_traditional_names_have_the_pinyin_of_their_simplified_form(traditional) -> None:
    searcher, rows, _ = traditional
    missed = []
    for code, simple, _ in random.Random(6).sample(rows, 60):
        if not all(tx.has_han(c) for c in tx.normalize(simple)):
            continue
        full, initials = tx.pinyin_parts(tx.normalize(simple))
        for query in ("".join(full), "".join(initials)):
            if f"t{code}" not in all_ids(searcher, query):
                missed.append((query, simple))
    assert missed == []


def test_traditional_names_are_marked_where_the_query_matched(traditional) -> None:
    searcher, rows, _ = traditional
    wrong = []
    for code, simple, trad in random.Random(8).sample(rows, 60):
        norm, where = tx.normalize_with_map(trad)
        if len(norm) < 2 or where[:2] != (0, 1):
            continue
        [hit] = [
            h for h in searcher.search(simple[:2], per_page=100).hits if h.seller_id == f"t{code}"
        ]
        if not hit.highlights["legal_name"].startswith(f"<mark>{trad[:2]}"):
            wrong.append((simple[:2], hit.highlights["legal_name"]))
    assert wrong == []
