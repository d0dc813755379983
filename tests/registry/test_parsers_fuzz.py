"""Every parser a stranger's bytes reach, fuzzed: batch bodies (JSON, JSON Lines, CSV in
UTF-8 and GB18030), JSON objects, domains and shop URLs, identifiers and cleaned text. Each
either answers or refuses with the registry's own error (a 4xx), never anything else, and
what it gives back is stable (normalising twice changes nothing) and round-trips."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from registry.core.errors import RegistryError
from registry.core.identifiers import clean_text, normalize_identifier
from registry.core.payload import load_object
from registry.core.urls import normalize_domain, normalize_store_url
from registry.registration.importing import parse_batch

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMATS = st.sampled_from(["json", "jsonl", "csv"])
CHARSETS = st.sampled_from([None, "utf-8", "gb18030", "latin-1", "no-such-charset"])
# Text as people type it, Chinese included; and bytes as anyone sends them.
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@FUZZ
@given(st.binary(max_size=2000), FORMATS, CHARSETS, st.booleans())
def test_a_batch_body_is_records_or_a_registry_error(body, fmt, charset, canonical):
    try:
        records = list(parse_batch(body, fmt, charset, canonical=canonical))
    except RegistryError as exc:
        assert 400 <= exc.status < 500 and exc.message
        return
    for record in records:
        assert record.line >= 1
        assert isinstance(record.data, dict)
        assert record.error is None or isinstance(record.error, str)


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["uscc", "name", "x", "备注"]), WORDS), max_size=8))
def test_json_lines_and_csv_round_trip_what_was_sent(rows):
    assume(all(rows))
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    got = [r.data for r in parse_batch(lines, "jsonl", None, canonical=False) if not r.error]
    assert got == [r for r in rows if r]
    keys = sorted({k for r in rows for k in r})
    out = io.StringIO()
    writer = csv.DictWriter(out, keys, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    for charset in ("utf-8", "gb18030"):  # GB18030 encodes every character
        body = out.getvalue().encode(charset)
        try:
            parsed = list(parse_batch(body, "csv", charset, canonical=False))
        except RegistryError:
            continue  # a cell past the CSV limits is refused with the whole body
        # A blank cell is a field not given; a row of blank cells is skipped, as blank lines are.
        sent = [{k: v for k, v in r.items() if v.strip()} for r in rows]
        assert [r.data for r in parsed] == [row for row in sent if row]


@FUZZ
@given(st.text(max_size=3000))
def test_a_json_object_body_is_an_object_or_a_registry_error(text):
    try:
        value = load_object(text)
    except RegistryError as exc:
        assert 400 <= exc.status < 500
        return
    assert isinstance(value, dict)


HOSTS = st.one_of(
    st.text(max_size=300),
    st.from_regex(
        r"(https?://)?([a-z0-9-]{1,20}\.){1,4}(com|cn|中国|xn--fiqs8s|example)(:\d{1,5})?(/[^\s]{0,40})?",
        fullmatch=True,
    ),
    st.builds(
        lambda a, b: f"{a}。{b}．com",  # full-width and ideographic dots
        st.from_regex(r"[a-z]{1,10}", fullmatch=True),
        st.from_regex(r"[a-z]{1,10}", fullmatch=True),
    ),
)


@FUZZ
@given(HOSTS)
def test_a_domain_is_normalised_once_and_for_all_or_refused(text):
    try:
        domain = normalize_domain(text)
    except ValueError:
        return
    assert domain == normalize_domain(domain)
    assert domain.isascii() and domain == domain.lower() and len(domain) <= 253
    assert "/" not in domain and ":" not in domain and "@" not in domain


@FUZZ
@given(st.one_of(st.text(max_size=500), HOSTS))
def test_a_shop_url_is_a_store_key_or_nothing(text):
    key = normalize_store_url(text)
    if key is not None:
        assert key == normalize_store_url(text)


@FUZZ
@given(st.sampled_from(["cn_uscc", "eu_vat", "nope"]), st.text(max_size=60))
def test_an_identifier_is_normalised_once_or_refused(scheme, text):
    try:
        value = normalize_identifier(scheme, text)
    except (ValueError, RegistryError):
        return
    assert normalize_identifier(scheme, value) == value


@FUZZ
@given(st.text(max_size=500))
def test_cleaned_text_is_one_clean_line_and_stays_so(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()
    assert not any(ch in once for ch in "\x00\r\n\t\u200b\ufeff")
