"""The seller search table in PostgreSQL, and a seller document as one row of it.

One row per seller: a ``tsvector`` of the tokens the Whoosh backend indexes (the same
:func:`search.documents.seller_document`, each token prefixed by its field: ``g:云帆``),
the filter and facet columns, and the stored fields a result card shows (``doc``). A
lexicon of the English words of names (``search_word``) is indexed by ``pg_trgm`` for
typo tolerance. ``search_meta`` holds one row: the generation (a rebuild swaps in a new
table), a version bumped by every write (a cache key) and the change-log sequence applied.

migrations/versions/0017_search_postgres.py creates the same tables (a frozen copy).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from search.documents import seller_document

TABLE = "search_seller"
WORDS = "search_word"
META = "search_meta"
#: the field of each token, as the prefix of its lexeme
PREFIXES = {
    "exact": "e",
    "grams": "g",
    "py": "p",
    "pyi": "i",
    "words": "w",
    "locators": "l",
}
#: PostgreSQL refuses lexemes of 2 KB or more; a token that long is no name anyone types
MAX_LEXEME_BYTES = 2000
#: the stored fields of a Whoosh document that are not columns of their own
_NOT_STORED = ("id", *PREFIXES, "rank")
COLUMNS = (
    "id",
    "version",
    "tokens",
    "verified",
    "grade",
    "province",
    "city",
    "category",
    "rank",
    "touched",
    "doc",
)


def table_ddl(name: str) -> list[str]:
    """The statements that create an empty seller table called *name* (no indexes)."""
    return [
        # Each row whole in its page, its tokens neither compressed nor moved out to TOAST
        # (toast_tuple_target): a search checks the tokens of every row it reads, and
        # tokens kept apart cost a lookup in the TOAST index and its pages for each row.
        f"""CREATE TABLE {name} (
            id text NOT NULL,
            version text,
            tokens tsvector NOT NULL,
            verified boolean NOT NULL DEFAULT false,
            grade text,
            province text,
            city text,
            category text,
            rank integer NOT NULL DEFAULT -1,
            touched bigint NOT NULL DEFAULT 0,
            doc jsonb NOT NULL
        ) WITH (toast_tuple_target = 8160)""",
        # The planner's estimate decides whether a short text is counted: with the default
        # statistics it puts every lexeme it holds none of in ~1% of the rows.
        f"ALTER TABLE {name} ALTER COLUMN tokens SET STATISTICS 1000",
    ]


def index_ddl(table: str, prefix: str = TABLE) -> list[str]:
    """The primary key and indexes of a seller table; their names start with *prefix*."""
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {prefix}_pkey PRIMARY KEY (id)",
        # fastupdate off: a row written in a seller's transaction goes straight into the
        # index, not into a pending list that every search reads through until vacuum.
        f"CREATE INDEX {prefix}_tokens ON {table} USING gin (tokens) WITH (fastupdate = off)",
        f"CREATE INDEX {prefix}_touched ON {table} (touched)",
        # Best sellers first: a text in most names is walked down this index, a few rows
        # each checked against the text, where the GIN index would list them all first.
        f"CREATE INDEX {prefix}_rank ON {table} (rank DESC, id)",
    ]


def words_ddl(table: str, prefix: str = WORDS) -> list[str]:
    """The lexicon of English words (no trigram index)."""
    return [
        f"CREATE TABLE {table} (word text NOT NULL, CONSTRAINT {prefix}_pkey PRIMARY KEY (word))",
    ]


def words_index_ddl(table: str, trgm: str, prefix: str = WORDS) -> list[str]:
    """The lexicon's trigram index (*trgm*: pg_trgm's schema)."""
    return [
        f"CREATE INDEX {prefix}_trgm ON {table} USING gin (word {trgm}.gin_trgm_ops)"
        " WITH (fastupdate = off)",
    ]


META_DDL = [
    f"""CREATE TABLE {META} (
        id integer PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT 0,
        sequence bigint
    )""",
    f"INSERT INTO {META} (id) VALUES (1)",
]


def lexeme(field: str, token: str) -> str:
    """The lexeme of *token* of index field *field*."""
    return f"{PREFIXES[field]}:{token}"


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) < MAX_LEXEME_BYTES


def lexemes(fields: Mapping[str, Any]) -> list[str]:
    """Every lexeme of a converted document (search.documents.seller_document)."""
    out: list[str] = []
    for field in PREFIXES:
        for token in fields.get(field) or ():
            item = lexeme(field, token)
            if _fits(item):
                out.append(item)
    return out


def tsvector_text(items: Iterable[str]) -> str:
    """*items* as tsvector input: each lexeme quoted, quotes and backslashes doubled."""
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in items)


def row(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A plain seller dict as the values of one row (``tokens`` as a list of lexemes,
    ``doc`` as JSON text); raise ValueError for a bad document, as the Whoosh backend does."""
    fields = seller_document(doc)
    stored = {k: v for k, v in fields.items() if k not in _NOT_STORED}
    return {
        "id": fields["id"],
        "version": fields["version"],
        "tokens": lexemes(fields),
        "verified": fields["verified"] == "true",
        "grade": fields.get("grade"),
        "province": fields.get("province"),
        "city": fields.get("city"),
        "category": fields.get("category"),
        "rank": fields["rank"],
        "doc": json.dumps(stored, ensure_ascii=False),
        "words": fields["words"],
    }


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def copy_line(doc: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A plain seller dict as one line of ``COPY ... FROM STDIN`` text (the columns of
    COLUMNS, ``touched`` 0), and the English words of its names."""
    r = row(doc)
    values = {**r, "tokens": tsvector_text(r["tokens"]), "touched": 0}
    return "\t".join(_copy_field(values[c]) for c in COLUMNS) + "\n", r["words"]
