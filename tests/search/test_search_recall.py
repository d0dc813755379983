"""Recall on real Chinese company short names: every 2-4 character substring finds its owner."""

from __future__ import annotations

import random

import pytest

from search import SellerSearcher
from search import text as tx

from .conftest import all_ids

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
