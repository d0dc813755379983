"""Where a badge is shown: the embedding page's origin, as the visitor's browser names it.

A browser writes the Referer itself, from the page that asked for the badge; no page can make
it name another origin. A query parameter, or anything a script on the page says, is only what
that page claims. So the Referer's origin, and nothing else, decides whether a badge is shown
on one of its seller's bound domains (see docs/BADGE.md). A client that is not a browser can
send any Referer, but it only deceives itself: it is the one looking at the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ..core.urls import normalize_domain
from ..registration.domains import within

#: an origin on a bound domain, served over https on its standard port
BOUND = "bound"
#: an origin on a bound domain, but over plain http or on another port: not what was proven
NOT_SECURE = "not_secure"
#: an origin on any other host
FOREIGN = "foreign"

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Referers parsed once and remembered (a shop's pages send the same origin again and again);
#: longer ones, which browsers send only to the same site, are parsed every time
_REMEMBERED_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Origin:
    """The scheme, host and port of a web page."""

    scheme: str
    host: str  # lower-case, as the URL writes it (browsers write IDNs in punycode)
    port: int | None  # None: the scheme's standard port
    domain: str | None  # the host as a normalized domain name; None for an IP address
    authority: str  # host[:port], as a Host header writes it

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}"

    @property
    def secure(self) -> bool:
        """https on the standard port, or a loopback name (only the visitor's own machine
        serves ``localhost`` names, which browsers treat as secure)."""
        if self.scheme == "https" and self.port is None:
            return True
        return self.domain is not None and self.domain.endswith(".localhost")

    def standing(self, domains: Iterable[str]) -> str:
        """BOUND, NOT_SECURE or FOREIGN for a seller with these bound ``domains``."""
        if self.domain is None or not within(self.domain, domains):
            return FOREIGN
        return BOUND if self.secure else NOT_SECURE


def parse_origin(url: str) -> Origin | None:
    """The origin of an http(s) URL; None for anything else (never raises)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme  # urlsplit lower-cases it
        host = parts.hostname  # lower-cased, without IPv6 brackets
        if scheme not in _DEFAULT_PORTS or not host:
            return None  # data:, about:, file:, android-app:, or no host at all
        port = parts.port  # ValueError for a port that is not a number in range
    except ValueError:
        return None
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    try:
        domain: str | None = normalize_domain(host)
    except ValueError:
        domain = None
    bracketed = f"[{host}]" if ":" in host else host
    authority = bracketed if port is None else f"{bracketed}:{port}"
    return Origin(scheme, host, port, domain, authority)


_remembered_origin = lru_cache(maxsize=4096)(parse_origin)


def embedding_origin(referrer: str | None, own_authority: Callable[[], str]) -> Origin | None:
    """The page a badge is shown on, from the request's Referer; None when the Referer is
    absent, is not an http(s) URL, or is this registry itself (``own_authority()``, the
    request's Host). Another port on the registry's host is another site."""
    if not referrer:
        return None
    if len(referrer) <= _REMEMBERED_LENGTH:
        origin = _remembered_origin(referrer)
    else:
        origin = parse_origin(referrer)
    if origin is None or origin.authority == own_authority().lower():
        return None
    return origin


def claimed_domain(text: str | None) -> str | None:
    """The domain a link claims its page is on (``?from=``): an origin, a URL or a bare host;
    None when it names none. Only a claim: nothing a page says of itself proves it."""
    if not text:
        return None
    origin = parse_origin(text) if "://" in text else None
    if origin is not None:
        return origin.domain
    try:
        return normalize_domain(text[:300])
    except ValueError:
        return None
