"""The two Whoosh schemas, and the analyzer of report narratives (jieba).

Seller names are analysed in Python before they reach Whoosh (search.documents, search.text):
the seller fields are plain space-separated KEYWORD fields, so no project class is pickled
into the index and a renamed module can never make an index unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh import fields
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer

from search.documents import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "JiebaTokenizer",
    "chinese_analyzer",
    "narrative_schema",
    "seller_schema",
]

#: English stop words, and the commonest Chinese particles (as jieba's ChineseAnalyzer)
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the this"
    " to us we when will with yet you your 的 了 和".split()
)
_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]+")


def _keywords(scorable: bool = False) -> fields.KEYWORD:
    return fields.KEYWORD(lowercase=False, commas=False, scorable=scorable)


def seller_schema() -> fields.Schema:
    """Return the schema of the seller index."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        version=fields.STORED,
        # analysed name tokens (see search.text)
        exact=_keywords(scorable=True),
        grams=_keywords(scorable=True),
        py=_keywords(scorable=True),  # full pinyin, runs of 1..3 syllables
        pyi=_keywords(scorable=True),  # pinyin initials, letter 2..3-grams
        words=_keywords(scorable=True),
        locators=_keywords(),
        # filters and facets
        verified=fields.ID(stored=True, sortable=True),  # "true" / "false"
        grade=fields.ID(stored=True, sortable=True),
        province=fields.ID(stored=True, sortable=True),
        city=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        rank=fields.NUMERIC(int, bits=32, sortable=True),  # score x 100; -1 when unscored
        # shown in result lists and used for highlights
        legal_name=fields.STORED,
        english_name=fields.STORED,
        former_names=fields.STORED,
        aliases=fields.STORED,
        store_names=fields.STORED,
        domains=fields.STORED,
        score=fields.STORED,
        flags=fields.STORED,  # risk flags and the NR and demo marks a result card shows
        readings=fields.STORED,  # {normalized name: text.pack_syllables()}, for highlights
    )


class JiebaTokenizer(Tokenizer):  # type: ignore[misc]
    """Cut Chinese prose into words with jieba's search mode (jieba's ChineseTokenizer).

    Importing ``jieba.analyse`` for its analyzer would load a TF-IDF table and leave its
    file open (a ResourceWarning); this is the same tokenizer without that.
    """

    # The narrative index's table of contents holds its schema pickled, this class by its
    # module and name: the name it has always had, so every index on disk stays readable.
    __module__ = "search.schema"

    def __call__(self, text: str, **kwargs: Any) -> Iterator[Token]:
        import jieba

        token = Token(
            **{
                k: v
                for k, v in kwargs.items()
                if k in ("positions", "chars", "removestops", "mode")
            }
        )
        for word, start, end in jieba.tokenize(text, mode="search"):
            if len(word) <= 1 and not _HAN_WORD.match(word):
                continue  # single latin letters, digits, spaces and punctuation
            token.original = token.text = word
            token.pos = start
            token.startchar, token.endchar = start, end
            token.boost = 1.0
            token.stopped = False
            yield token


def chinese_analyzer() -> Any:
    """Return jieba words, lower-cased, English stop words removed, English stemmed."""
    return (
        JiebaTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter()
    )


def narrative_schema() -> fields.Schema:
    """Return the schema of the complaint and fraud-report index (prose, jieba)."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        version=fields.STORED,
        seller_id=fields.ID(stored=True, sortable=True),
        kind=fields.ID(stored=True, sortable=True),
        text=fields.TEXT(analyzer=chinese_analyzer(), stored=True),
        created_at=fields.STORED,
    )
