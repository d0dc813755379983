"""Real names on the search page and the search API: an 18-character name, a name without
its bracketed region or the 市 of its leading place, traditional characters."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from registry.core.identifiers import looks_like_uscc
from web.finder import find

from ..factories import make_seller, new_code
from .helpers import settle

EIGHTEEN = "象山蓝鲸海洋文化创意传播发展有限公司"

CASES = [
    # (query, the legal name it must find, how the page marks it)
    (EIGHTEEN, EIGHTEEN, f"<mark>{EIGHTEEN}</mark>"),
    ("云帆文化", "云帆（杭州）文化创意有限公司", "<mark>云帆</mark>（杭州）<mark>文化</mark>创意"),
    ("临海星禾", "临海市星禾服饰有限公司", "<mark>临海</mark>市<mark>星禾</mark>服饰"),
    ("雲帆", "杭州云帆数码科技有限公司", "杭州<mark>云帆</mark>数码"),
]


@pytest.fixture
def named(app, session):
    for _, name, _ in CASES:
        make_seller(session, legal_name=name)
    make_seller(session, legal_name="宁波橙屿服饰有限公司")
    settle(app)


@pytest.mark.parametrize(("query", "name", "marked"), CASES)
def test_the_search_page_finds_the_name(client, named, query, name, marked):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert marked in html
    assert "校验位不对" not in html and "橙屿" not in html


@pytest.mark.parametrize(("query", "name", "marked"), CASES)
def test_the_search_api_finds_the_name(client, named, query, name, marked):
    body = client.get("/api/v1/sellers", query_string={"q": query}).json
    assert body["meta"]["route"] == "text"
    assert name in [hit["legal_name"] for hit in body["data"]]
    assert "橙屿" not in str(body["data"])


def test_a_code_with_a_wrong_check_digit_still_warns(client, named):
    html = client.get("/search", query_string={"q": "91110000600037341A"}).get_data(as_text=True)
    assert "校验位不对" in html
    body = client.get("/api/v1/sellers", query_string={"q": "91110000600037341a"}).json
    assert body["meta"]["route"] == "code" and body["meta"]["note"] == "invalid_code"


DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _data(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared/data/{name} is absent")
    return path


def _words(name: str) -> list[str]:
    text = _data(f"cn_company_name_lexicon/{name}").read_text(encoding="utf-8")
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def test_real_eighteen_character_names_are_names_and_codes_are_codes():
    rng = random.Random(18)
    places, brands, trades = _words("china_place.txt"), _words("brand.txt"), _words("trade.txt")
    suffixes = _words("suffix.txt")
    names = set()
    while len(names) < 300:
        name = "".join(rng.choice(words) for words in (places, brands, trades, suffixes))
        if len(name) == 18:
            names.add(name)
    assert [n for n in names if looks_like_uscc(n)] == []
    with _data("cn_uscc_stdnum_vectors.csv").open(encoding="utf-8") as fh:
        codes = [row["number"] for row in csv.DictReader(fh)]
    shaped = [c for c in codes if len(c.replace(" ", "")) == 18]
    assert len(shaped) > 100
    assert [c for c in shaped if not looks_like_uscc(c)] == []
    assert [c for c in shaped if not looks_like_uscc(c.lower())] == []


def test_find_sends_an_eighteen_character_name_to_full_text(app, session, named):
    with app.app_context():
        finding = find(session, EIGHTEEN)
    assert finding.route == "text" and finding.note is None
    assert finding.results.hits[0].fields["legal_name"] == EIGHTEEN


@pytest.mark.parametrize(
    "typed", ["lanjing.example.cn", "LANJING。example。cn", "lanjing．example．cn"]
)
def test_find_looks_a_domain_up_however_its_dots_are_typed(app, session, typed):
    seller = make_seller(session, legal_name="宁波蓝鲸文具有限公司", domains=["lanjing.example.cn"])
    settle(app)
    with app.app_context():
        finding = find(session, typed)
    assert finding.route == "domain" and finding.exact.id == seller.id


@pytest.mark.parametrize(
    "grouping", [lambda c: c, lambda c: f"{c[:4]} {c[4:10]} {c[10:]}", lambda c: f"{c[:8]}-{c[8:]}"]
)
def test_find_looks_a_credit_code_up_however_it_is_grouped(app, session, grouping):
    code = new_code()
    seller = make_seller(session, identifier=code, legal_name="宁波蓝鲸文具有限公司")
    with app.app_context():
        finding = find(session, grouping(code))
    assert finding.route == "code" and finding.exact.id == seller.id
