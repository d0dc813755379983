"""A web site a consumer names: its host and its registrable domain (Public Suffix List).

Reports of sites nobody has identified are grouped per registrable domain: ``shop.example.co.uk``
and ``www.example.co.uk`` are one site, ``example.co.uk``; ``alice.github.io`` and
``bob.github.io`` are two (``github.io`` is a suffix under which anyone may publish, in the
list's private section). The host is folded by ``urls.normalize_domain``, the one rule of the
registry (schemes, credentials, ports, paths, ``www.``, IDNA and full-width dots).

The list is the snapshot the tldextract package ships, never fetched: the registry answers
the same offline, in CI and in production, and a newer list arrives with a package upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import tldextract

from .urls import normalize_domain

__all__ = ["MARKETPLACES", "Site", "site_of"]

#: the longest text taken for a site (a URL with a long query is cut before it is parsed)
MAX_SITE_TEXT = 2000

#: marketplaces whose shops share the marketplace's domain: a shop there is told by its store
#: id (registry.core.urls.normalize_store_url), never grouped under the marketplace's domain
MARKETPLACES = frozenset(
    {
        "taobao.com",
        "tmall.com",
        "tmall.hk",
        "jd.com",
        "jd.hk",
        "pinduoduo.com",
        "yangkeduo.com",
        "weidian.com",
    }
)


@dataclass(frozen=True)
class Site:
    """``host``: the site's host as normalized (punycode, no ``www.``); ``domain``: its
    registrable domain, the key reports are grouped by."""

    host: str
    domain: str


@lru_cache(maxsize=1)
def _extract() -> tldextract.TLDExtract:
    # No URLs and no cache folder: the bundled snapshot only, no network, nothing written.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def site_of(text: str) -> Site:
    """Return the site of a URL or domain; raise ValueError saying why it names none."""
    if not isinstance(text, str):
        raise ValueError("a site must be text")
    if len(text) > MAX_SITE_TEXT:
        raise ValueError(f"at most {MAX_SITE_TEXT} characters")
    host = normalize_domain(text)
    try:
        # A label written in punycode must decode: "xn--" followed by garbage names no site.
        host.encode("ascii").decode("idna")
    except UnicodeError:
        raise ValueError(f"not a valid international domain name: {host[:80]!r}") from None
    found = _extract()(host)
    if not found.suffix:
        raise ValueError(f"{host[:80]} is not under a public top-level domain")
    if not found.domain:
        raise ValueError(
            f"{host} is a public suffix under which many sites live; name the site itself "
            f"(such as shop.{host})"
        )
    return Site(host, f"{found.domain}.{found.suffix}")
