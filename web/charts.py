"""Small server-rendered SVG charts: readable without JavaScript, printable, accessible."""

from __future__ import annotations

from datetime import datetime

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
    t0 = points[0][0].timestamp()
    t1 = max(points[-1][0].timestamp(), t0 + 1)

    def x(t: datetime) -> float:
        return PAD + (WIDTH - 2 * PAD) * (t.timestamp() - t0) / (t1 - t0)

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
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(v):.1f}" for i, (t, v) in enumerate(points)
    )
    if len(points) == 1:
        path += f" L{WIDTH - PAD:.1f},{y(points[0][1]):.1f}"
    parts.append(f'<path d="{path}" class="series"/>')
    for t, v in points[-40:]:
        parts.append(
            f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" class="dot">'
            f"<title>{t:%Y-%m-%d}: {v:.1f}</title></circle>"
        )
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 8}" class="tick">{points[0][0]:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" class="tick" text-anchor="end">'
        f"{points[-1][0]:%Y-%m-%d}</text></svg>"
    )
    return Markup("".join(parts))


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


def _text_width(text: str, size: float = 16.0) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)
