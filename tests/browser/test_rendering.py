"""What only a browser can tell: glyph widths, line breaks and text clipped by a chart."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# Text elements of the profile's charts that stick out of their SVG's viewBox (and are clipped).
CLIPPED_CHART_TEXT = """() => [...document.querySelectorAll('.charts svg.chart')].flatMap(svg => {
  const width = svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')]
    .map(t => [t.textContent, t.getBBox()])
    .filter(([, b]) => b.x < -0.5 || b.x + b.width > width + 0.5)
    .map(([text, b]) =>
      `${text} (x ${Math.round(b.x)} to ${Math.round(b.x + b.width)} of ${width})`);
})"""

# Width of every U+2019 in the page's headings and notices, relative to its font size.
APOSTROPHE_WIDTHS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf('\\u2019');
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    out.push([node.textContent.trim(), range.getBoundingClientRect().width / size]);
  }
  return out;
}"""

CODE_LINES = """() => {
  const code = document.querySelector('section[aria-labelledby=identity-h] dd code');
  const range = document.createRange();
  range.selectNodeContents(code);
  return [code.textContent, range.getClientRects().length];
}"""


@pytest.mark.parametrize(
    "lang",
    [
        "zh",
        pytest.param("en"),
    ],
)
def test_chart_labels_fit_inside_the_charts(page, registry, lang):
    page.goto(f"{registry.base}/sellers/{registry.chart_seller}?lang={lang}")
    assert page.locator("svg.chart").count() >= 2
    assert page.locator("svg.chart .label").count() >= 2
    assert page.evaluate(CLIPPED_CHART_TEXT) == []


def test_english_pages_do_not_draw_punctuation_full_width(page, registry):
    page.goto(f"{registry.base}/verify/{registry.seller.public_id}?lang=en")
    widths = page.evaluate(APOSTROPHE_WIDTHS)
    assert widths, "the verification page has no apostrophe to measure any more"
    assert [text for text, em in widths if em > 0.5] == []


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param(DESKTOP, id="desktop"),
        pytest.param(PHONE, id="phone"),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_credit_code_stays_on_one_line(context, registry, viewport, lang):
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(f"{registry.base}/sellers/{registry.seller.public_id}?lang={lang}")
    assert page.evaluate(CODE_LINES) == [registry.seller.credit_code, 1]
