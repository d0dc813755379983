"""Normalisation of domains and marketplace shop URLs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.core.urls import (
    StoreKey,
    normalize_domain,
    normalize_store_url,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("www.example.com", "example.com"),
        ("https://www.example.com", "example.com"),
        ("http://example.com/", "example.com"),
        ("HTTPS://www.Example.COM:8443/path?q=1#top", "example.com"),
        ("example.com:8080", "example.com"),
        ("example.com.", "example.com"),
        ("https://example.com./a", "example.com"),
        ("//cdn.example.com/x.js", "cdn.example.com"),
        ("  shop.example.com.cn  ", "shop.example.com.cn"),
        ("https://user:secret@shop.example.co.uk/login", "shop.example.co.uk"),
        ("example.com?utm_source=x", "example.com"),
        ("example.com#fragment", "example.com"),
        ("www.com", "www.com"),
        ("sub.www.example.com", "sub.www.example.com"),
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("https://www.例子.中国/路径", "xn--fsqu00a.xn--fiqs8s"),
        ("例子。中国", "xn--fsqu00a.xn--fiqs8s"),
        ("xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        ("ＷＷＷ．ＥＸＡＭＰＬＥ．ＣＯＭ", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("ftp://files.example.org/pub", "files.example.org"),
        ("my-shop.taobao.com", "my-shop.taobao.com"),
    ],
)
def test_normalize_domain(text: str, expected: str) -> None:
    assert normalize_domain(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "平安银行",
        "localhost",
        "3.5",
        "192.168.0.1",
        "http://10.0.0.1/admin",
        "[::1]",
        "a..b.com",
        "-bad.com",
        "bad-.com",
        "exa mple.com",
        "http://",
        "https:///path",
        "example.c0m",
        "x" * 64 + ".com",
        ".".join(["abcdefghij"] * 25) + ".com",
        "example.com\x00",
        "A+",
    ],
)
def test_normalize_domain_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        normalize_domain(text)


def test_normalize_domain_rejects_non_text() -> None:
    with pytest.raises(ValueError):
        normalize_domain(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://shop123.taobao.com/", StoreKey("taobao", "shop123")),
        ("https://shop123.taobao.com/index.htm?spm=a1z10.1-c.0.0", StoreKey("taobao", "shop123")),
        ("shop123.taobao.com", StoreKey("taobao", "shop123")),
        ("https://SHOP123.TAOBAO.COM/search.htm", StoreKey("taobao", "shop123")),
        ("https://shop123.m.taobao.com/", StoreKey("taobao", "shop123")),
        (
            "https://shop.m.taobao.com/shop/shop_index.htm?shop_id=123",
            StoreKey("taobao", "shop123"),
        ),
        ("https://xxx.tmall.com", StoreKey("tmall", "xxx")),
        ("https://xxx.tmall.com/shop/view_shop.htm?spm=x", StoreKey("tmall", "xxx")),
        ("https://xxx.m.tmall.com/", StoreKey("tmall", "xxx")),
        ("https://xxx.tmall.hk/", StoreKey("tmall", "xxx")),
        ("https://mall.jd.com/index-1000.html", StoreKey("jd", "1000")),
        ("https://mall.jd.com/index-1000.html?from=pc", StoreKey("jd", "1000")),
        ("https://shop.jd.com/?shopId=1000", StoreKey("jd", "1000")),
        ("https://shop.m.jd.com/?shopId=1000&utm=x", StoreKey("jd", "1000")),
        ("https://mall.jd.hk/index-77.html", StoreKey("jd", "77")),
        ("https://shop.pinduoduo.com/mall?mall_id=123", StoreKey("pinduoduo", "123")),
        ("mobile.yangkeduo.com/mall_page.html?mall_id=123", StoreKey("pinduoduo", "123")),
        (
            "https://mobile.yangkeduo.com/mall_page.html?refer_page_name=x&mall_id=456",
            StoreKey("pinduoduo", "456"),
        ),
        ("https://weidian.com/?userid=1630563", StoreKey("weidian", "1630563")),
        ("https://weidian.com/s/1630563", StoreKey("weidian", "1630563")),
        ("https://shop1630563.v.weidian.com/?userid=1630563", StoreKey("weidian", "1630563")),
    ],
)
def test_normalize_store_url(url: str, expected: StoreKey) -> None:
    assert normalize_store_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.taobao.com/",
        "https://item.taobao.com/item.htm?id=1",
        "https://s.taobao.com/search?q=x",
        "https://detail.tmall.com/item.htm?id=2",
        "https://www.tmall.com",
        "https://item.jd.com/1000.html",
        "https://mall.jd.com/",
        "https://shop.jd.com/?shopId=abc",
        "https://mobile.yangkeduo.com/goods.html?goods_id=9",
        "https://weidian.com/item.html?itemID=5",
        "https://example.com/index-1000.html",
        "https://nottaobao.com/",
        "https://taobao.com.evil.example/?shop_id=1",
        "not a url",
        "",
        "平安银行",
    ],
)
def test_normalize_store_url_returns_none_for_non_shops(url: str) -> None:
    assert normalize_store_url(url) is None


@given(st.text(max_size=200))
def test_garbage_never_escapes_as_another_error(text: str) -> None:
    try:
        result = normalize_domain(text)
    except ValueError:
        pass
    else:
        assert result == result.lower() and result.isascii() and "." in result
        assert normalize_domain(result) == result
    key = normalize_store_url(text)
    assert key is None or isinstance(key, StoreKey)
