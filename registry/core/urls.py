"""Normalize domains and marketplace shop URLs (pure: stdlib only, no project imports)."""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = ["StoreKey", "normalize_domain", "normalize_store_url"]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DIGITS = re.compile(r"^\d{1,20}$")
_SHOP_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

#: subdomains of taobao.com / tmall.com that are the marketplace's own pages, not shops
_RESERVED = frozenset(
    """www m h5 wap item detail s list search login passport i shop store world buyertrade trade
    cart ai market pages chaoshi global help rule service jubao consumerservice bbs open err
    favorite mall login-m""".split()
)


class StoreKey(NamedTuple):
    """A shop on a marketplace: ``("taobao", "shop123")``, ``("jd", "1000")``..."""

    platform: str
    shop_id: str


def _split(text: str) -> tuple[str, str, str]:
    """Return (host, path, query) of a URL or bare domain; raise ValueError if none."""
    if not isinstance(text, str):
        raise ValueError("a domain must be text")
    text = text.strip()
    if not text:
        raise ValueError("the domain is empty")
    if any(c.isspace() for c in text) or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"not a domain name: {text[:80]!r}")
    if text.startswith("//"):
        text = text[2:]
    parts = urlsplit(text if _SCHEME.match(text) else "//" + text)
    host = parts.hostname or ""
    return host, parts.path, parts.query


def _to_ascii(host: str, original: str) -> str:
    host = host.rstrip(".").rstrip("\u3002\uff0e\uff61")
    if not host:
        raise ValueError(f"no host name in {original[:80]!r}")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(f"an IP address is not a domain name: {host}")
    try:
        # The stdlib IDNA 2003 codec: nameprep folds case and full-width forms, and it
        # splits on the ideographic full stop too. The search index uses the same codec.
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"not a valid international domain name: {host[:80]!r}") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a domain name: {original[:80]!r}")
    if not _TLD.match(labels[-1]):
        raise ValueError(f"not a top-level domain: {labels[-1]!r}")
    return ascii_host


def normalize_domain(text: str) -> str:
    """Return the bare, lower-case, punycode domain of a URL or domain; ValueError for garbage.

    >>> normalize_domain("HTTPS://www.Example.COM:8443/path?q=1#top")
    'example.com'
    """
    host, _, _ = _split(text)
    ascii_host = _to_ascii(host, text)
    if ascii_host.startswith("www.") and ascii_host.count(".") >= 2:
        ascii_host = ascii_host[4:]
    return ascii_host


def _params(query: str) -> dict[str, str]:
    return {k.lower(): v.strip() for k, v in parse_qsl(query, keep_blank_values=False)}


def normalize_store_url(url: str) -> StoreKey | None:
    """Return the marketplace and shop id of a shop URL, or None when it names no shop."""
    try:
        host, path, query = _split(url)
        host = _to_ascii(host, url)
    except ValueError:
        return None
    params = _params(query)
    labels = host.split(".")
    for finder in (_taobao, _tmall, _jd, _pinduoduo, _weidian):
        key = finder(host, labels, path, params)
        if key is not None:
            return key
    return None


def _subdomain_shop(labels: list[str], domain: str) -> str | None:
    tail = domain.split(".")
    if labels[-len(tail) :] != tail or len(labels) < len(tail) + 1:
        return None
    shop = labels[0]
    if (
        labels[1 : -len(tail)] not in ([], ["m"])
        or shop in _RESERVED
        or not _SHOP_LABEL.match(shop)
    ):
        return None
    return shop


def _taobao(host: str, labels: list[str], path: str, params: dict[str, str]) -> StoreKey | None:
    if not (host == "taobao.com" or host.endswith(".taobao.com")):
        return None
    shop_id = params.get("shop_id") or params.get("shopid")
    if shop_id and _DIGITS.match(shop_id):
        return StoreKey("taobao", f"shop{shop_id}")
    shop = _subdomain_shop(labels, "taobao.com")
    return StoreKey("taobao", shop) if shop else None


def _tmall(host: str, labels: list[str], path: str, params: dict[str, str]) -> StoreKey | None:
    for domain in ("tmall.com", "tmall.hk"):
        if host.endswith("." + domain):
            shop = _subdomain_shop(labels, domain)
            return StoreKey("tmall", shop) if shop else None
    return None


_JD_INDEX = re.compile(r"^/index-(\d{1,20})\.html?$", re.IGNORECASE)
_JD_HOSTS = ("jd.com", "jd.hk")


def _jd(host: str, labels: list[str], path: str, params: dict[str, str]) -> StoreKey | None:
    if not any(host == d or host.endswith("." + d) for d in _JD_HOSTS):
        return None
    shop_id = params.get("shopid") or params.get("shop_id")
    if shop_id and _DIGITS.match(shop_id):
        return StoreKey("jd", shop_id)
    match = _JD_INDEX.match(path)
    if match and labels[0] in ("mall", "shop", "m", "shop.m"):
        return StoreKey("jd", match.group(1))
    return None


_PDD_HOSTS = ("pinduoduo.com", "yangkeduo.com")


def _pinduoduo(host: str, labels: list[str], path: str, params: dict[str, str]) -> StoreKey | None:
    if not any(host == d or host.endswith("." + d) for d in _PDD_HOSTS):
        return None
    mall_id = params.get("mall_id") or params.get("mallid")
    return StoreKey("pinduoduo", mall_id) if mall_id and _DIGITS.match(mall_id) else None


_WEIDIAN_PATH = re.compile(r"^/s/(\d{1,20})/?$")


def _weidian(host: str, labels: list[str], path: str, params: dict[str, str]) -> StoreKey | None:
    if not (host == "weidian.com" or host.endswith(".weidian.com")):
        return None
    user_id = params.get("userid") or params.get("user_id") or params.get("shopid")
    if user_id and _DIGITS.match(user_id):
        return StoreKey("weidian", user_id)
    match = _WEIDIAN_PATH.match(path)
    return StoreKey("weidian", match.group(1)) if match else None
