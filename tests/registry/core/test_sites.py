"""A site's registrable domain, from the Public Suffix List snapshot, on hostile input."""

from __future__ import annotations

import pytest

from registry.core.sites import site_of


@pytest.mark.parametrize(
    ("text", "host", "domain"),
    [
        (
            "https://www.Shop.Example.co.uk:8443/item/1?x=1#top",
            "shop.example.co.uk",
            "example.co.uk",
        ),
        ("www.example.cn", "example.cn", "example.cn"),
        ("HTTP://user:secret@evil-shop.com.cn/pay", "evil-shop.com.cn", "evil-shop.com.cn"),
        # full-width and ideographic full stops, as a Chinese keyboard types them
        ("ｓｈｏｐ．ｅｘａｍｐｌｅ。ｃｎ", "shop.example.cn", "example.cn"),
        ("shop｡example｡cn", "shop.example.cn", "example.cn"),
        # an international name is kept as punycode, the form that cannot pass for another
        ("https://例子.中国/店", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        # a private suffix (anyone publishes under github.io): each site is its own
        ("https://alice.github.io/shop", "alice.github.io", "alice.github.io"),
        ("a.b.alice.github.io", "a.b.alice.github.io", "alice.github.io"),
    ],
)
def test_site_host_and_registrable_domain(text, host, domain):
    site = site_of(text)
    assert (site.host, site.domain) == (host, domain)


def test_a_homograph_is_not_the_brand_it_imitates():
    # "аpple.com" with a Cyrillic а: another domain, grouped and shown as its punycode
    site = site_of("https://www.\u0430pple.com/")
    assert site.domain == "xn--pple-43d.com" and site.domain != site_of("apple.com").domain


@pytest.mark.parametrize(
    "text",
    [
        "github.io",  # a public suffix itself
        "co.uk",
        "com.cn",
        "localhost",
        "http://localhost:5000/",
        "shop.localhost",
        "127.0.0.1",
        "http://[::1]/",
        "http://10.0.0.1:8080/pay",
        "a" * 64 + ".com",  # a label of more than 63 characters
        ".".join(["a" * 60] * 5) + ".com",  # a host of more than 253 characters
        "x" * 3000,
        "shop.notatld",
        "shop.example.invalid",
        "xn--zz.com",  # punycode that decodes to nothing
        "",
        "   ",
        "http://",
        "shop example.com",
        "shop.example.com\x00",
    ],
)
def test_no_site_is_a_value_error(text):
    with pytest.raises(ValueError):
        site_of(text)


def test_the_list_is_the_bundled_snapshot(monkeypatch):
    """No fetch: a socket opened while extracting fails the test."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the suffix list must not be fetched")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    from registry.core import sites

    sites._extract.cache_clear()
    assert site_of("shop.example.com.cn").domain == "example.com.cn"
