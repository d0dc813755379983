"""Small server-rendered SVG charts: readable without JavaScript, printable, accessible."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 220, 44


def line_chart(
    points: list[tuple[datetime, float]],
    title: str,
    *,
    low: float = 0,
    high: float = 100,
    bands: tuple[tuple[float, str], ...] = (),
) -> Markup:
    """A time series (score history) with horizontal reference lines (grade boundaries)."""
    if not points:
        return Markup("")
    stamps = [t.timestamp() for t, _v in points]
    t0 = stamps[0]
    t1 = max(stamps[-1], t0 + 1)
    xs = [PAD + (WIDTH - 2 * PAD) * (t - t0) / (t1 - t0) for t in stamps]
    ys = [HEIGHT - PAD + (2 * PAD - HEIGHT) * (v - low) / (high - low) for _t, v in points]
    days = [t.date().isoformat() for t, _v in points]  # what f"{t:%Y-%m-%d}" gives, faster
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(zip(xs, ys))
    )
    if len(points) == 1:
        path += f" L{WIDTH - PAD:.1f},{ys[0]:.1f}"
    parts = [_line_frame(title, low, high, bands), f'<path d="{path}" class="series"/>']
    start = max(0, len(points) - 40)
    for i in range(start, len(points)):
        parts.append(
            f'<circle cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="3" class="dot">'
            f"<title>{days[i]}: {points[i][1]:.1f}</title></circle>"
        )
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 8}" class="tick">{days[0]}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" class="tick" text-anchor="end">'
        f"{days[-1]}</text></svg>"
    )
    return Markup("".join(parts))


@lru_cache(maxsize=256)
def _line_frame(title: str, low: float, high: float, bands: tuple[tuple[float, str], ...]) -> str:
    """The parts of a line chart that do not depend on its points (the same for many)."""

    def y(v: float) -> float:
        return HEIGHT - PAD + (2 * PAD - HEIGHT) * (v - low) / (high - low)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for value, label in bands:
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" class="ref"/>'
            f'<text x="{WIDTH - PAD + 4}" y="{y(value) + 4:.1f}" class="tick">'
            f"{escape(label)}</text>"
        )
    return "".join(parts)


def bar_rows(rows: list[tuple], title: str) -> Markup:
    """Horizontal bars: (label, value, css class[, threshold]); a threshold is drawn as a
    dashed line across its own bar."""
    if not rows:
        return Markup("")
    top = max([r[1] for r in rows] + [r[3] for r in rows if len(r) > 3] + [1e-9])
    row_h = 32
    # Room for the longest label (CJK characters are about twice as wide as Latin ones).
    label_w = min(360, max(80, max(_text_width(r[0]) for r in rows) + 16))
    height = row_h * len(rows) + 12
    span = WIDTH - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, css, *threshold) in enumerate(rows):
        y = 6 + i * row_h
        w = span * min(value, top) / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" class="label">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="22" '
            f'class="bar {escape(css)}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 20}" class="value">{value:g}</text>'
        )
        if threshold:
            mx = label_w + span * threshold[0] / top
            parts.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{y}" y2="{y + 30}" '
                f'class="ref"><title>{threshold[0]:g}</title></line>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


@lru_cache(maxsize=1024)  # labels repeat from chart to chart
def _text_width(text: str, size: float = 16.0) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)
