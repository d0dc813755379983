"""The Chinese catalogue covers every user-facing string and is compiled."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted() -> set:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_has_a_chinese_translation():
    with (CATALOG / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else m.string[0])
    }
    missing = sorted(extracted() - translated)
    assert not missing, f"untranslated (run `make translations`): {missing[:10]}"


def test_compiled_catalogue_matches_the_po_file():
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with (CATALOG / "messages.po").open("rb") as fh:
        po = {plain(m.id): plain(m.string) for m in read_po(fh) if m.id}
    with (CATALOG / "messages.mo").open("rb") as fh:
        mo = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "messages.mo is stale: run `make translations`"


def test_no_stray_percent_sign_breaks_formatting():
    import re

    with (CATALOG / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    stray = re.compile(r"%(?![(%])")
    bad = [
        m.id
        for m in catalog
        if m.id
        for text in ([m.id, m.string] if isinstance(m.id, str) else [*m.id, *m.string])
        if text and stray.search(text)
    ]
    assert not bad, f"a lone % breaks newstyle gettext: {bad}"
