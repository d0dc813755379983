"""Plain seller and report dicts converted into the fields of the two indexes.

All analysis of seller names happens here in Python (see :mod:`search.text`); the index
schemas that receive these fields are in :mod:`search.engine.schema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from search import forms
from search import text as tx

#: bumped when the schema or the analysis changes: an index of another version needs a rebuild
SCHEMA_VERSION = 4

NAME_FIELDS = ("legal_name", "store_names", "aliases", "former_names", "english_name")
FACET_FIELDS = ("grade", "province", "city", "category", "verified")
_LIST_FIELDS = ("former_names", "aliases", "store_names", "domains", "codes", "store_urls")
_STORED_LISTS = ("former_names", "aliases", "store_names", "domains")
_TEXT_FIELDS = ("legal_name", "english_name", "province", "city", "category", "grade")
#: at most this many names of one seller are analysed (a bad row must not bloat the index)
MAX_NAMES = 32


def _version(doc: Mapping[str, Any]) -> str | None:
    value = doc.get("version", doc.get("updated_at"))
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _doc_id(doc: Mapping[str, Any]) -> str:
    if not isinstance(doc, Mapping):
        raise ValueError(f"a document must be a dict, not {type(doc).__name__}")
    doc_id = doc.get("id")
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValueError(f"a document needs a non-empty string 'id', got {doc_id!r}")
    return doc_id


def _strings(doc: Mapping[str, Any], key: str) -> list[str]:
    value = doc.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise ValueError(f"{key} of seller {doc.get('id')!r} must hold strings")
    return [v for v in items if v.strip()]


def _string(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} of seller {doc.get('id')!r} must be a string")
    return value


def seller_names(doc: Mapping[str, Any]) -> list[str]:
    """Return every name of a seller document, legal name first."""
    names: list[str] = []
    for key in NAME_FIELDS:
        names.extend(_strings(doc, key))
    return names[:MAX_NAMES]


def _add_pinyin(parts: list[tuple[str, int]], py: list[str], pyi: list[str]) -> None:
    """Add the full-pinyin runs and the initials grams of the syllables *parts*."""
    full, initials = tx.full_and_initials(parts)
    py.extend(tx.syllable_runs(full))
    pyi.extend(tx.initial_grams("".join(initials)))


def seller_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a plain seller dict into the fields of the seller index."""
    seller_id = _doc_id(doc)
    lists = {key: _strings(doc, key) for key in _LIST_FIELDS}
    scalars = {key: _string(doc, key) for key in _TEXT_FIELDS}
    score = doc.get("score")
    if score is not None and not isinstance(score, (int, float)):
        raise ValueError(f"score of seller {seller_id!r} must be a number or None")

    names = seller_names(doc)
    norms: list[str] = []
    grams: list[str] = []
    py: list[str] = []
    pyi: list[str] = []
    readings: dict[str, str] = {}
    syllables: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        norm, said = tx.normalize_and_spoken(name)
        if not norm:
            continue
        norms.append(norm)
        grams.extend(tx.name_grams(norm))
        if not tx.has_han(norm):
            continue
        parts = syllables.get(norm)
        if parts is None:
            parts = syllables[norm] = tx.syllables(said)[: tx.MAX_PINYIN_SYLLABLES]
            readings[norm] = tx.pack_syllables(parts)
            _add_pinyin(parts, py, pyi)
        for form in forms.shorter_forms(name, norm):
            norms.append(forms.form_text(norm, form))
            form_grams, form_py, form_pyi = forms.form_tokens(norm, form, parts)
            grams.extend(form_grams)
            py.extend(form_py)
            pyi.extend(form_pyi)
    words: list[str] = []
    for name in names:
        words.extend(tx.latin_words(name))
    locators: list[str] = []
    for domain in lists["domains"]:
        locators.extend(tx.locator_tokens(domain))
    for url in lists["store_urls"]:
        locators.extend(tx.locator_tokens(url))
    locators.extend(tx.code_token(code) for code in lists["codes"])

    out: dict[str, Any] = {
        "id": seller_id,
        "version": _version(doc),
        "exact": tx.unique_tokens(norms),
        "grams": tx.unique_tokens(grams),
        "py": tx.unique_tokens(py),
        "pyi": tx.unique_tokens(pyi),
        "words": tx.unique_tokens(words),
        "locators": tx.unique_tokens(locators),
        "verified": "true" if doc.get("verified") else "false",
        "rank": round(float(score) * 100) if score is not None else -1,
        "score": None if score is None else float(score),
        "readings": readings,
    }
    for key, value in scalars.items():
        if value is not None:
            out[key] = value
    # Tuples, not lists: stored documents are kept decoded in memory (search.reading), and
    # a tuple of strings is one object fewer for the garbage collector to walk again and again.
    # Codes and shop URLs are found through "locators" and shown from the database only.
    out.update((key, tuple(value)) for key, value in lists.items() if key in _STORED_LISTS)
    out["flags"] = tuple(_strings(doc, "flags"))
    return out


def narrative_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a plain complaint or report dict into the fields of the narrative index."""
    doc_id = _doc_id(doc)
    text = doc.get("text")
    if not isinstance(text, str):
        raise ValueError(f"report {doc_id!r} needs a string 'text'")
    seller_id = doc.get("seller_id")
    if not isinstance(seller_id, str) or not seller_id:
        raise ValueError(f"report {doc_id!r} needs a string 'seller_id'")
    created = doc.get("created_at")
    out: dict[str, Any] = {
        "id": doc_id,
        "version": _version(doc),
        "seller_id": seller_id,
        "text": text,
        "created_at": created.isoformat() if isinstance(created, (datetime, date)) else created,
    }
    kind = doc.get("kind")
    if kind:
        out["kind"] = str(kind)
    return out
