"""The badge SVG: well-formed whatever the names, honest about its state, readable."""

from __future__ import annotations

import itertools
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web.badge_svg import (
    DIMENSIONS,
    PALETTE,
    SIZES,
    STATES,
    render_badge,
)
from web.badge_text import clean_text, display_width, truncate

SVG = "{http://www.w3.org/2000/svg}"
LANGS = ("zh", "en")


def badge(**overrides) -> str:
    arguments = {
        "registry_name": "Open Merchant Registry",
        "seller_name": "Good Shop",
        "grade": "A",
        "verified": True,
        "state": "ok",
        "lang": "en",
        "size": "medium",
    }
    return render_badge(**{**arguments, **overrides})


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def title_of(svg: str) -> str:
    return parse(svg).find(f"{SVG}title").text or ""


def visible_text(svg: str) -> list[str]:
    return [el.text or "" for el in parse(svg).iter(f"{SVG}text")]


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- hostile names ---------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><svg onload="alert(1)">',
    "Tom & Jerry's",
    "]]><script>x</script>",
    "<![CDATA[x]]>",
    "&amp; &#x3c; &lt;",
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_seller_name_stays_text(name, size):
    svg = badge(seller_name=name, size=size)
    root = parse(svg)
    assert all(not el.tag.endswith("script") for el in root.iter())
    assert all(not attr.lower().startswith("on") for el in root.iter() for attr in el.attrib)
    assert name in title_of(svg)  # the name survives, as text


def test_hostile_name_is_escaped_in_the_source():
    svg = badge(seller_name="<script>alert(1)</script>")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_quotes_are_escaped_in_attributes():
    svg = badge(seller_name="a\"b'c")
    assert parse(svg).get("aria-label").endswith("grade A")
    assert "a&quot;b&apos;c" in svg


def test_hostile_registry_name_stays_text():
    svg = badge(registry_name="</title><script>alert(1)</script>", size="small")
    assert all(not el.tag.endswith("script") for el in parse(svg).iter())


def test_control_characters_are_stripped():
    svg = badge(seller_name="Go\x00od\x07 \x1bSh\x7fop\x85\ufffe\u202e", size="large")
    assert "Good Shop" in title_of(svg)
    assert "Good Shop" in visible_text(svg)


def test_newlines_and_tabs_become_single_spaces():
    assert clean_text("  Good\n\tShop\r\n ") == "Good Shop"


def test_lone_surrogates_are_stripped():
    assert clean_text("ab\ud800c") == "abc"


def clean_text_per_character(text: str) -> str:
    """clean_text's rule spelled out one character at a time (no fast path)."""
    invisible = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF}
    kept = []
    for char in text:
        code = ord(char)
        if code in invisible:
            continue
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or (code & 0xFFFE) == 0xFFFE:
            continue
        elif 0xFDD0 <= code <= 0xFDEF:
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def truncate_char_by_char(text: str, max_width: float, char_width) -> str:
    if sum(char_width(char) for char in text) <= max_width:
        return text
    room, used, kept = max_width - char_width("…"), 0.0, []
    for char in text:
        if used + char_width(char) > room:
            break
        kept.append(char)
        used += char_width(char)
    return "".join(kept).rstrip() + "…"


WEIRD = st.sampled_from(
    list(" \t\n\u3000\xa0\x00\x1f\x85\u202e\ufeff\ud800\ufffe\ufdd0\U0001fffe\u0301\u200b深a")
)


@given(st.text(max_size=40) | st.lists(WEIRD | st.characters(), max_size=40).map("".join))
def test_clean_text_agrees_with_the_per_character_rule(text):
    assert clean_text(text) == clean_text_per_character(text)


@given(
    st.text(alphabet=st.sampled_from("ab 深圳\u0301…"), max_size=30),
    st.integers(min_value=0, max_value=70),
)
def test_truncate_agrees_with_a_character_by_character_cut(text, width):
    assert truncate(text, width) == truncate_char_by_char(text, width, display_width)
    pixels = width * 3.7  # the badge measures in pixels: fractional widths per character
    in_pixels = lambda char: (0, 6.82, 11.55)[display_width(char)]  # noqa: E731
    assert truncate(text, pixels, char_width=in_pixels) == truncate_char_by_char(
        text, pixels, in_pixels
    )


@given(
    seller=st.text(max_size=80),
    registry=st.text(max_size=40),
    grade=st.text(max_size=4),
)
def test_any_text_gives_well_formed_xml(seller, registry, grade):
    svg = badge(seller_name=seller, registry_name=registry, grade=grade, size="large")
    root = parse(svg)
    assert all(not el.tag.endswith("script") for el in root.iter())


# --- every combination ---------------------------------------------------------------------


@pytest.mark.parametrize(("size", "state", "lang"), list(itertools.product(SIZES, STATES, LANGS)))
def test_every_combination_is_an_accessible_standalone_svg(size, state, lang):
    svg = badge(size=size, state=state, lang=lang, seller_name="示例商店 Example")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title" and root[0].text
    assert (int(root.get("width")), int(root.get("height"))) == DIMENSIONS[size]
    # Self-contained: nothing is fetched, so embedding pages leak nothing and cannot be broken.
    assert "href" not in svg and "url(" not in svg and "<image" not in svg


def test_width_differs_by_size():
    widths = {parse(badge(size=size)).get("width") for size in SIZES}
    assert len(widths) == len(SIZES)


def test_larger_sizes_say_more():
    counts = [len(visible_text(badge(size=size))) for size in SIZES]
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_unknown_arguments_are_refused():
    for bad in ({"state": "great"}, {"lang": "fr"}, {"size": "huge"}):
        with pytest.raises(ValueError):
            badge(**bad)


# --- honesty of each state --------------------------------------------------------------------


@pytest.mark.parametrize(("size", "lang"), list(itertools.product(SIZES, LANGS)))
def test_sanctioned_badge_is_never_friendly(size, lang):
    svg = badge(state="sanctioned", grade="A+", verified=True, size=size, lang=lang)
    assert "verified" not in svg.lower() and "已验证" not in svg
    assert "A+" not in svg  # a good grade beside a sanction would undo the warning
    assert ("sanction" in svg.lower()) if lang == "en" else ("处罚" in svg)
    assert PALETTE["sanctioned"].accent in svg and PALETTE["ok"].accent not in svg


@pytest.mark.parametrize(
    ("lang", "wording"),
    [("en", "Not verified for this site"), ("zh", "未经验证的网站")],
)
def test_warning_badge_says_the_site_is_not_verified(lang, wording):
    svg = badge(state="warning", lang=lang, size="medium")
    assert wording in visible_text(svg)
    assert wording in title_of(svg)
    assert "A" not in visible_text(svg)


@pytest.mark.parametrize(("size", "lang"), list(itertools.product(SIZES, LANGS)))
def test_neutral_badge_names_the_seller_and_sends_the_visitor_to_check(size, lang):
    """Where the page is not proven: no approval, no grade, the seller's name, and the ask."""
    svg = badge(state="neutral", grade="A+", size=size, lang=lang, seller_name="真店 Real Shop")
    spoken = "Check this seller at the registry" if lang == "en" else "请到登记册核对此商家"
    assert spoken in title_of(svg) and "真店 Real Shop" in title_of(svg)
    assert "A+" not in svg and "Verified" not in svg and "已验证" not in svg
    shown = " ".join(visible_text(svg))
    assert ("Check" in shown) if lang == "en" else ("核对" in shown)
    assert PALETTE["neutral"].accent in svg and PALETTE["ok"].accent not in svg


def test_ok_without_verification_is_shown_as_unverified():
    svg = badge(state="ok", verified=False)
    assert "Unverified seller" in visible_text(svg)
    assert "Verified seller" not in visible_text(svg)


def test_unknown_state_shows_not_rated():
    assert "NR" in visible_text(badge(state="unknown", grade="A"))


def test_failing_state_shows_its_grade():
    svg = badge(state="failing", grade="F", lang="zh")
    assert "F" in visible_text(svg) and "评级不合格" in visible_text(svg)


def test_language_changes_the_wording():
    assert "已验证商家" in visible_text(badge(lang="zh"))
    assert "Verified seller" in visible_text(badge(lang="en"))


# --- truncation and contrast -------------------------------------------------------------------


def test_display_width_counts_cjk_double():
    assert display_width("ab深圳") == 6


def test_truncate_cuts_by_display_width_with_an_ellipsis():
    assert truncate("深圳市示例", 6) == "深圳…"
    assert truncate("abcdefgh", 6) == "abcde…"
    assert truncate("short", 6) == "short"


def test_long_names_are_truncated_on_the_badge_but_whole_in_the_title():
    name = "深圳市示例电子科技有限公司第一分公司华南区域旗舰店"
    svg = badge(seller_name=name, size="medium")
    shown = [t for t in visible_text(svg) if t.startswith("深圳")]
    assert shown and shown[0].endswith("…") and len(shown[0]) < len(name)
    assert name in title_of(svg)


@pytest.mark.parametrize("state", STATES)
def test_state_colours_meet_wcag_aa(state):
    palette = PALETTE[state]
    assert contrast(palette.accent, "#ffffff") >= 4.5  # white icon and small-size text on accent
    assert contrast(palette.accent, palette.background) >= 4.5  # label text on the panel


def test_a_badge_carries_only_its_own_sellers_name():
    first = badge(seller_name="Alpha Trading", size="large")
    second = badge(seller_name="Beta Goods", size="large")
    assert "Alpha" not in second and "Beta Goods" in title_of(second)
    assert "Beta Goods" in visible_text(second)
    assert badge(seller_name="Alpha Trading", size="large") == first
