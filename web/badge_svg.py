"""Render the embeddable trust badge as a standalone SVG string (pure: no Flask, no I/O).

What text is and how wide it is (clean_text, truncate) lives in ``badge_text``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from xml.sax.saxutils import escape

from .badge_text import char_width, clean_text, cut, truncate

SIZES = ("small", "medium", "large")
STATES = ("ok", "unverified", "sanctioned", "failing", "warning", "unknown", "neutral")
LANGS = ("zh", "en")

# (width, height) per size; fixed, so an embedding page never reflows when the state changes.
DIMENSIONS = {"small": (250, 22), "medium": (280, 60), "large": (360, 104)}

# Verdana-like metrics used to decide where to truncate, erring wide: a narrow glyph is about
# 0.62 em (0.7 em bold), a CJK glyph one em.
_NARROW_EM, _BOLD_NARROW_EM, _WIDE_EM = 0.62, 0.7, 1.05
_FONT = "Verdana,'DejaVu Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"
_INK = "#1f2328"
_MUTED = "#57606a"
_BRAND = "#24292f"


@dataclass(frozen=True)
class Palette:
    """Colours of one state: `accent` carries white text and icons, and is text on `background`."""

    accent: str
    background: str


# Every accent reaches WCAG AA (4.5:1) against white and against its own background.
PALETTE = {
    "ok": Palette("#1a7f37", "#ffffff"),
    "unverified": Palette("#57606a", "#ffffff"),
    "sanctioned": Palette("#b42318", "#fef3f2"),
    "failing": Palette("#b93815", "#ffffff"),
    "warning": Palette("#a15c07", "#fffaeb"),
    "unknown": Palette("#475467", "#ffffff"),
    # Where the badge is shown is not proven: no colour of approval, none of alarm.
    "neutral": Palette("#3e5573", "#f5f7fa"),
}

# (long label, short label) per state.
_LABELS = {
    "en": {
        "ok": ("Verified seller", "Verified"),
        "unverified": ("Unverified seller", "Unverified"),
        "sanctioned": ("Under active sanctions", "Sanctioned"),
        "failing": ("Failing grade", "Failing"),
        "warning": ("Not verified for this site", "Not this site"),
        "unknown": ("Not rated yet", "Not rated"),
        "neutral": ("Check at the registry", "Check seller"),
    },
    "zh": {
        "ok": ("已验证商家", "已验证"),
        "unverified": ("身份未经验证", "未验证"),
        "sanctioned": ("正在受到处罚", "已受处罚"),
        "failing": ("评级不合格", "不合格"),
        "warning": ("未经验证的网站", "非认证网站"),
        "unknown": ("暂无评级", "暂无评级"),
        "neutral": ("请到登记册核对此商家", "请到登记册核对"),
    },
}
# What the title and aria-label say where the label on the badge is cut to fit.
_SPOKEN = {
    "en": {"neutral": "Check this seller at the registry"},
    "zh": {},
}
# The large size's last line: a caution where one is due, otherwise where to click.
_NOTES = {
    "en": {
        "sanctioned": "Do not rely on this seller",
        "warning": "This badge may have been copied",
        "neutral": "Site not confirmed: click to check",
        None: "Click to check the registry record",
    },
    "zh": {
        "sanctioned": "请勿轻信此商家",
        "warning": "此标识可能被冒用",
        "neutral": "未能确认本网站，请点击核对",
        None: "点击查看登记记录",
    },
}
_GRADE_WORD = {"en": "grade", "zh": "评级"}
# A friendly grade next to these states would undo the warning (or, unproven, lend a copy the
# seller's standing).
_GRADELESS = frozenset({"sanctioned", "warning", "neutral"})

# Shield outline and inner marks, drawn on a 24x24 grid so no glyph depends on installed fonts.
_SHIELD = "M12 1.5 3.5 4.8v6.1c0 5.3 3.6 10.2 8.5 11.6 4.9-1.4 8.5-6.3 8.5-11.6V4.8Z"
_MARKS = {
    "ok": "M7.6 12.3l3 3 5.8-6.1",
    "unverified": "M9.6 9.3a2.5 2.5 0 1 1 3.4 2.3c-.7.3-1 .8-1 1.6M12 16.4v.2",
    "sanctioned": "M8.8 8.6l6.4 6.4M15.2 8.6l-6.4 6.4",
    "failing": "M12 7.4v5.4M12 16.3v.2",
    "warning": "M12 7.4v5.4M12 16.3v.2",
    "unknown": "M8.6 12h6.8",
    # A magnifying glass: look it up.
    "neutral": "M11.2 7.4a3.4 3.4 0 1 0 0 6.8 3.4 3.4 0 0 0 0-6.8ZM13.7 13.7l2.6 2.6",
}


def _fit(text: str, pixels: float, font_size: float, *, bold: bool = False) -> str:
    # A wide character is a double column: it costs one em where a narrow one costs ~0.6.
    costs = (0, font_size * (_BOLD_NARROW_EM if bold else _NARROW_EM), font_size * _WIDE_EM)
    edges = list(accumulate(map(costs.__getitem__, map(char_width, text))))
    return cut(text, edges, pixels, costs[char_width("…")])


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "'": "&apos;"})


_FONT_ATTR = _attr(_FONT)


@lru_cache(maxsize=1024)  # the registry's name and the labels recur in every badge
def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float,
    fill: str,
    bold: bool = False,
    anchor: str = "start",
    room: float | None = None,
) -> str:
    # The one place text enters the document: fitted to `room` pixels, then always escaped.
    if room is not None:
        content = _fit(content, room, size, bold=bold)
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{fill}"{weight}'
        f' text-anchor="{anchor}">{_attr(content)}</text>'
    )


@lru_cache(maxsize=256)
def _icon(state: str, x: float, y: float, size: float, *, shield: str, mark: str) -> str:
    scale = size / 24
    return (
        f'<g transform="translate({x:g} {y:g}) scale({scale:g})">'
        f'<path d="{_SHIELD}" fill="{shield}"/>'
        f'<path d="{_MARKS[state]}" fill="none" stroke="{mark}" stroke-width="2.4"'
        ' stroke-linecap="round" stroke-linejoin="round"/></g>'
    )


@dataclass(frozen=True)
class _Content:
    registry: str
    state: str
    label: str
    short: str
    grade: str | None
    note: str
    palette: Palette


@dataclass(frozen=True)
class _SellerLine:
    """Where the seller's name goes: the one text that differs between sellers' badges."""

    x: float
    y: float
    room: float
    size: float

    def render(self, seller: str) -> str:
        # Not through _text's cache: each seller's line is rendered once and kept whole.
        return _text.__wrapped__(
            self.x, self.y, seller, room=self.room, size=self.size, fill=_INK, bold=True
        )


_Piece = str | _SellerLine


def _small(c: _Content, width: int, height: int) -> list[_Piece]:
    split = 130
    right = c.short if c.grade in (None, "NR") else f"{c.short} {c.grade}"
    return [
        f'<rect width="{width}" height="{height}" rx="3" fill="{c.palette.accent}"/>',
        f'<rect width="{split}" height="{height}" rx="3" fill="{_BRAND}"/>',
        # Square off the dark segment's right edge where it meets the state colour.
        f'<rect x="{split - 4}" width="4" height="{height}" fill="{_BRAND}"/>',
        _icon(c.state, 4, 3, 16, shield="#ffffff", mark=_BRAND),
        _text(24, 15, c.registry, room=split - 28, size=11, fill="#ffffff"),
        _text(
            (split + width) / 2,
            15,
            right,
            room=width - split - 10,
            size=11,
            fill="#ffffff",
            bold=True,
            anchor="middle",
        ),
    ]


def _panel(c: _Content, width: int, height: int, band: int, radius: int) -> list[str]:
    accent = c.palette.accent
    return [
        (
            f'<rect x="0.75" y="0.75" width="{width - 1.5:g}" height="{height - 1.5:g}"'
            f' rx="{radius}" fill="{c.palette.background}" stroke="{accent}" stroke-width="1.5"/>'
        ),
        # The coloured band: rounded on the left only, so it sits flush inside the frame.
        (
            f'<path d="M{radius} 0H{band}V{height}H{radius}'
            f"A{radius} {radius} 0 0 1 0 {height - radius}V{radius}"
            f'A{radius} {radius} 0 0 1 {radius} 0Z" fill="{accent}"/>'
        ),
    ]


def _grade_box(c: _Content, x: float, y: float, box: int, font_size: int) -> list[str]:
    if c.grade is None:
        return []
    return [
        (
            f'<rect x="{x:g}" y="{y:g}" width="{box}" height="{box}" rx="{box // 6}"'
            f' fill="#ffffff" stroke="{c.palette.accent}" stroke-width="2"/>'
        ),
        _text(
            x + box / 2,
            y + box / 2 + font_size * 0.36,
            c.grade,
            size=font_size,
            fill=c.palette.accent,
            bold=True,
            anchor="middle",
        ),
    ]


def _medium(c: _Content, width: int, height: int) -> list[_Piece]:
    band, left = 50, 60
    text_room = width - left - (60 if c.grade else 12)
    return [
        *_panel(c, width, height, band, 6),
        _icon(c.state, 10, 14, 30, shield="#ffffff", mark=c.palette.accent),
        _text(left, 17, c.registry, room=text_room, size=10, fill=_MUTED),
        _SellerLine(left, 35, text_room, 13),
        _text(left, 51, c.label, room=text_room, size=11, fill=c.palette.accent, bold=True),
        *_grade_box(c, width - 46, 13, 34, 17),
    ]


def _large(c: _Content, width: int, height: int) -> list[_Piece]:
    band, left = 72, 86
    text_room = width - left - (76 if c.grade else 14)
    return [
        *_panel(c, width, height, band, 8),
        _icon(c.state, 14, 26, 44, shield="#ffffff", mark=c.palette.accent),
        _text(left, 22, c.registry, room=text_room, size=11, fill=_MUTED),
        _SellerLine(left, 45, text_room, 16),
        _text(left, 66, c.label, room=text_room, size=13, fill=c.palette.accent, bold=True),
        f'<line x1="{left}" y1="76" x2="{width - 12}" y2="76" stroke="#d0d7de" stroke-width="1"/>',
        _text(left, 92, c.note, room=width - left - 12, size=10, fill=_MUTED),
        *_grade_box(c, width - 62, 18, 48, 24),
    ]


_LAYOUTS = {"small": _small, "medium": _medium, "large": _large}


class _Title:
    """Where the seller's name goes in the title (escaped, never cut)."""

    def render(self, seller: str) -> str:
        return _attr(seller)


_TITLE = _Title()


@lru_cache(maxsize=512)
def _frame(
    registry_name: str, grade: str, verified: bool, state: str, lang: str, size: str
) -> tuple[str | _Title | _SellerLine, ...]:
    """Everything of a badge but the seller's name, as text around the places it goes."""
    if state not in STATES or lang not in LANGS or size not in SIZES:
        raise ValueError(f"unknown badge state/lang/size: {state!r}, {lang!r}, {size!r}")
    if state == "ok" and not verified:
        # Never show the friendly check for a seller whose identity is not verified.
        state = "unverified"
    registry = clean_text(registry_name) or "Merchant Registry"
    if state == "unknown":
        shown_grade: str | None = "NR"
    elif state in _GRADELESS:
        shown_grade = None
    else:
        shown_grade = truncate(clean_text(grade), 3) or "NR"
    label, short = _LABELS[lang][state]
    notes = _NOTES[lang]
    content = _Content(
        registry=registry,
        state=state,
        label=label,
        short=short,
        grade=shown_grade,
        note=notes.get(state, notes[None]),
        palette=PALETTE[state],
    )
    width, height = DIMENSIONS[size]
    separator = "：" if lang == "zh" else ": "
    # The title reads "<registry><separator><seller> — <label>[, grade <grade>]".
    before = _attr(f"{registry}{separator}")
    after = f" — {_SPOKEN[lang].get(state, label)}"
    if shown_grade is not None:
        after += f"{'，' if lang == 'zh' else ', '}{_GRADE_WORD[lang]} {shown_grade}"
    after = _attr(after)
    pieces: list[str | _Title | _SellerLine] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{before}',
        _TITLE,
        f'{after}" xml:lang="{lang}" font-family="{_FONT_ATTR}"><title>{before}',
        _TITLE,
        f"{after}</title>",
        *_LAYOUTS[size](content, width, height),
        "</svg>",
    ]
    # Join neighbouring texts, so that filling in a name joins only a handful of pieces.
    merged: list[str | _Title | _SellerLine] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return tuple(merged)


def render_badge(
    *,
    registry_name: str,
    seller_name: str,
    grade: str,
    verified: bool,
    state: str,
    lang: str,
    size: str,
) -> str:
    """Return the badge as a standalone, accessible SVG document."""
    frame = _frame(registry_name, grade, verified, state, lang, size)
    seller = clean_text(seller_name) or "—"
    return "".join(piece if isinstance(piece, str) else piece.render(seller) for piece in frame)
