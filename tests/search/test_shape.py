"""One rule tells an identifier or a URL from words: the search page routes by it and the
seller query matches by it (search.shape_of)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import QueryError, shape_of
from search.query import parse


@pytest.mark.parametrize(
    ("text", "locator", "code", "exact_only"),
    [
        ("example.com", True, False, True),
        ("https://shop123.taobao.com/?spm=1", True, False, True),
        ("www.例子.中国", True, False, False),
        ("例子。中国", True, False, False),  # full stops as a Chinese keyboard types them
        ("例子．中国", True, False, False),
        ("云帆.com/shop", True, False, True),
        ("91310000MA1FL5LX3X", False, True, True),
        ("平安银行", False, False, False),
        ("pingan", False, False, False),
        ("A+", False, False, False),
        ("3.5", False, False, False),
        ("", False, False, False),
        ("小米 官方旗舰店", False, False, False),
        ("iphone 15 pro 256gb", False, False, False),
    ],
)
def test_the_shape_of_typed_text(text, locator, code, exact_only):
    shape = shape_of(text)
    assert bool(shape.locators) is locator
    assert (shape.code is not None) is code
    assert shape.exact_only is exact_only


@given(st.text(st.sampled_from("ab1-:/云帆.\u3002\uff0e\uff61 \t"), max_size=24))
def test_the_seller_query_follows_the_shape(text):
    shape = shape_of(text)
    try:
        parsed = parse(text)
    except QueryError:
        return
    assert parsed.url_like is shape.exact_only
    assert set(parsed.locators) == {*shape.locators, *([shape.code] if shape.code else [])}


@given(st.one_of(st.text(max_size=80), st.none(), st.integers()))
def test_shape_of_never_raises(text):
    shape_of(text)
