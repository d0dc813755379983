"""The hits and the filter choices of the search results page, written in Python.

In the template, every field of twenty hits and thirty filter choices was an expression
escaped into a new Markup object: rendering cost more than the search itself. Here each
row is one format string; the language's texts are translated and escaped once per
catalogue, and the few distinct places and grades once per worker. The row that needs it:
web_bench "search, cache miss"; tests/web/test_templating.py holds its links to url_for,
its formats to Babel's and its texts to the escaped translations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from registry.read import display

from .templating import _l, grade_class, highlight

TEXTS = {
    "grade": _l("Grade"),
    "verified": _l("Identity verified"),
    "unverified": _l("Unverified"),
    "score": _l("Score"),
    "stores": _l("Stores"),
    "pages": _l("Pages"),
    "previous": _l("Previous"),
    "next": _l("Next"),
    "not_rated": _l("Not rated yet: limited history"),
    "demo": _l("Demo data"),
}
PAGE_OF = _l("Page %(page)s of %(pages)s")
#: the risk flags of registry.read.display, as a card and the profile name them
FLAGS = {
    "fraud_finding": _l("Verified fraud finding"),
    "serious_illegal_list": _l("Serious illegal and dishonest list"),
    "licence_revoked": _l("Licence revoked"),
    "trading_ban": _l("Trading ban"),
    "sanction_major_fine": _l("Major fine"),
    "abnormal_operations": _l("Abnormal operations listing"),
    "registration_cancelled": _l("Registration cancelled"),
}

HIT = (
    '<li class="hit">\n'
    '<span class="grade grade-{grade_class}" title="{t[grade]}">{grade}</span>\n'
    "<div>\n"
    '<h3><a href="{url}">{name}</a></h3>\n'
    '<p class="meta">{pill}{place}{score}</p>\n'
    "{flags}"
    "{stores}"
    "</div>\n"
    "</li>\n"
)
VERIFIED = '<span class="pill ok">✔ {t[verified]}</span>\n'
UNVERIFIED = '<span class="pill warn">⚠ {t[unverified]}</span>\n'
PLACE = "<span>{province} {city}</span>\n"
SCORE = "<span>{t[score]} {score}</span>\n"
NOT_RATED = "<span>{t[not_rated]}</span>\n"
FLAG = '<span class="pill bad">⚠ {label}</span>\n'
DEMO = '<span class="pill demo">{t[demo]}</span>\n'
MARKS = '<p class="flags">{marks}</p>\n'
STORES = '<p class="stores">{t[stores]}: {stores}</p>\n'

PAGER = '<nav class="pager" aria-label="{t[pages]}">\n{prev}<span>{where}</span>\n{next}</nav>\n'
PREV = '<a rel="prev" href="{url}">← {t[previous]}</a>\n'
NEXT = '<a rel="next" href="{url}">{t[next]} →</a>\n'

BOX = "<fieldset>\n<legend>{label}</legend>\n{choices}</fieldset>\n"
CHOICE = (
    '<label><input type="radio" name="{facet}" value="{value}"{checked}>\n'
    '{shown} <span class="count">{count}</span></label>\n'
)


_MARK = "SELLERID0MARK"
_PATH_SAFE = "!$&'()*+,/:;=@"  # werkzeug.routing.BaseConverter.to_url


@lru_cache(maxsize=16)
def texts(catalogue: Any) -> dict[str, str]:
    """The row texts of *catalogue*, translated and escaped."""
    pills = {k: str(escape(catalogue.ugettext(v.msgid))) for k, v in TEXTS.items()}
    return {
        **pills,
        "page_of": str(escape(catalogue.ugettext(PAGE_OF.msgid))),
        "pill_true": VERIFIED.format(t=pills),
        "pill_false": UNVERIFIED.format(t=pills),
        "not_rated_html": NOT_RATED.format(t=pills),
        "demo_html": DEMO.format(t=pills),
        **{
            f"flag_{k}": FLAG.format(label=escape(catalogue.ugettext(v.msgid)))
            for k, v in FLAGS.items()
        },
    }


def flag_labels(flags: Iterable[str], catalogue: Any) -> list[str]:
    """The names of risk flags in the catalogue's language."""
    return [catalogue.ugettext(FLAGS[f].msgid) for f in flags if f in FLAGS]


def _marks(shown: display.Shown, t: dict[str, str]) -> str:
    if not shown.flags and not shown.demo:
        return ""
    html = "".join(t[f"flag_{f}"] for f in shown.flags)
    return MARKS.format(marks=html + (t["demo_html"] if shown.demo else ""))


@lru_cache(maxsize=4096)
def esc(value: str) -> str:
    """Escape a short value that repeats (a grade, a province, a city, a facet value)."""
    return str(escape(value))


def hits(
    results: Any, catalogue: Any, link: Callable[..., str], fmtnum: Callable[[Any], str]
) -> Markup:
    """The ``<li>`` of every hit of *results*, in order."""
    t = texts(catalogue)
    # One URL built; the others are it with another id (quoted as werkzeug's converter).
    head, _, tail = link("pages.seller", public_id=_MARK).partition(_MARK)
    out = []
    for hit in results.hits:
        fields = hit.fields
        shown = display.from_document(fields)  # grade or NR, the number or none, flags
        score, province = shown.score, fields.get("province")
        out.append(
            HIT.format(
                t=t,
                grade_class=grade_class(shown.grade),
                grade=esc(shown.grade),
                url=escape(head + quote(hit.seller_id, safe=_PATH_SAFE) + tail),
                name=highlight(hit, "legal_name"),
                pill=t["pill_true"] if shown.verified else t["pill_false"],
                place=PLACE.format(province=esc(province), city=esc(fields.get("city") or ""))
                if province
                else "",
                score=t["not_rated_html"]
                if score is None
                else SCORE.format(t=t, score=esc(fmtnum(score))),
                flags=_marks(shown, t),
                stores=STORES.format(t=t, stores=highlight(hit, "store_names"))
                if fields.get("store_names")
                else "",
            )
        )
    return Markup("".join(out))


def facets(boxes: Iterable[tuple[str, str, Iterable[tuple[str, str, str, bool]]]]) -> Markup:
    """A fieldset per (facet, label, choices), each choice (value, shown, count, checked)."""
    return Markup(
        "".join(
            BOX.format(
                label=esc(box_label),
                choices="".join(
                    CHOICE.format(
                        facet=esc(facet),
                        value=esc(value),
                        checked=" checked" if checked else "",
                        shown=esc(shown),
                        count=esc(count),
                    )
                    for value, shown, count, checked in choices
                ),
            )
            for facet, box_label, choices in boxes
        )
    )


def pager(
    results: Any, catalogue: Any, page_url: Callable[[int], str], fmtint: Callable[[Any], str]
) -> Markup:
    """Links to the previous and next page of *results*, and where this page is."""
    if results.pages <= 1:
        return Markup("")
    t = texts(catalogue)
    page, pages = results.page, results.pages
    return Markup(
        PAGER.format(
            t=t,
            prev=PREV.format(t=t, url=escape(page_url(page - 1))) if page > 1 else "",
            where=t["page_of"] % {"page": esc(fmtint(page)), "pages": esc(fmtint(pages))},
            next=NEXT.format(t=t, url=escape(page_url(page + 1))) if page < pages else "",
        )
    )
