"""The one outbound HTTP adapter: timeouts, size limits, same-host redirects, no private targets."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from .deadline import Deadline, current_deadline

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: tuple[float, float] = (3.0, 5.0)
DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_REDIRECTS = 3
DEFAULT_USER_AGENT = "merchant-registry/0.1 (+domain verification)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 8192


class OutboundError(Exception):
    """Base of every failure of an outbound call; `code` is stable, `message` is for humans."""

    code = "outbound_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Timeout(OutboundError):
    """The remote end did not connect or answer in time."""

    code = "timeout"


class TooLarge(OutboundError):
    """The response body exceeded the size limit."""

    code = "too_large"


class ForbiddenAddress(OutboundError):
    """The host resolves to an address we refuse to contact."""

    code = "forbidden_address"


class RedirectRefused(OutboundError):
    """A redirect left the host, downgraded the scheme, or there were too many."""

    code = "redirect_refused"


class HttpStatus(OutboundError):
    """The server answered with a status other than 2xx."""

    code = "http_status"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ConnectionFailed(OutboundError):
    """The name did not resolve, the connection or TLS failed, or the stream broke."""

    code = "connection_failed"


@dataclass(frozen=True)
class HttpResponse:
    """A fully read, size-limited response."""

    url: str
    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def text(self) -> str:
        """Decode the body as UTF-8, replacing what is not."""
        return self.body.decode("utf-8", errors="replace")


def is_forbidden_address(address: str) -> bool:
    """Tell whether an IP address is one the registry must never contact."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:127.0.0.1 reaches 127.0.0.1, and Python 3.11 does not call it loopback.
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        # Catches what the flags above miss, e.g. 100.64.0.0/10 (carrier-grade NAT).
        or not ip.is_global
    )


def resolve_allowed(
    host: str, port: int, *, allow_private: bool = False, resolve: Mapping[str, str] | None = None
) -> list[tuple[int, int, int, Any]]:
    """Resolve a host and return its addresses, refusing the host if any one is forbidden.

    ``resolve`` answers some host names from a fixed map first (like curl's --resolve), for
    staging set-ups and tests; the answer still goes through the address guard.
    """
    if resolve and host in resolve:
        host = resolve[host]
    # getaddrinfo takes no timeout: a slow resolver can stall a job beyond `timeout`. Jobs run
    # off the request path, so this is bounded by the system resolver's own limits.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConnectionFailed(f"could not resolve {host!r}: {exc}") from exc
    if not infos:
        raise ConnectionFailed(f"{host!r} has no address")
    if not allow_private:
        for *_, sockaddr in infos:
            if is_forbidden_address(str(sockaddr[0])):
                # Refuse the whole host, not just that address: the OS may pick any of them.
                raise ForbiddenAddress(f"{host!r} resolves to a forbidden address ({sockaddr[0]})")
    return [(family, socktype, proto, sockaddr) for family, socktype, proto, _, sockaddr in infos]


class _CheckedConnectMixin:
    """Connect only to addresses that passed the guard, leaving no DNS-rebinding window."""

    # Overriding urllib3's _new_conn pins the checked addresses (no DNS-rebinding window between
    # "resolve and check" and "connect") while TLS still verifies the certificate against the
    # hostname. It relies on urllib3 2.x calling _new_conn() from connect(); the test suite
    # notices if that ever changes, because the forbidden-address tests would start connecting.
    allow_private = False
    resolve: Mapping[str, str] | None = None
    host: str
    port: int
    timeout: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        last_error: Exception | None = None
        for family, socktype, proto, sockaddr in resolve_allowed(
            self.host, self.port, allow_private=self.allow_private, resolve=self.resolve
        ):
            sock = socket.socket(family, socktype, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, (int, float)):
                    sock.settimeout(self.timeout)
                sock.connect(sockaddr)
                deadline = current_deadline()
                if deadline is not None:
                    deadline.watch(sock)
                return sock
            except TimeoutError as exc:
                sock.close()
                last_error = ConnectTimeoutError(
                    self,
                    f"connection to {self.host} timed out (connect timeout={self.timeout})",
                )
                last_error.__cause__ = exc
            except OSError as exc:
                sock.close()
                last_error = NewConnectionError(
                    cast(HTTPConnection, self),
                    f"failed to connect to {self.host}: {exc}",
                )
        if last_error is None:  # unreachable: resolve_allowed never returns an empty list
            raise ConnectionFailed(f"{self.host!r} has no address")
        raise last_error


def _guarded_pool_classes(
    allow_private: bool, resolve: Mapping[str, str] | None = None
) -> dict[str, type[HTTPConnectionPool]]:
    """Build urllib3 pool classes whose connections go through the address guard."""
    attrs = {"allow_private": allow_private, "resolve": dict(resolve or {})}
    http_conn = type("GuardedHTTPConnection", (_CheckedConnectMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_CheckedConnectMixin, HTTPSConnection), attrs)
    http_pool = type(
        "GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}
    )
    https_pool = type(
        "GuardedHTTPSConnectionPool",
        (HTTPSConnectionPool,),
        {"ConnectionCls": https_conn},
    )
    return {"http": http_pool, "https": https_pool}


class _GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections are address-checked at connect time."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Mapping[str, str] | None = None,
        max_retries: Retry | int = 0,
    ) -> None:
        # Set before super().__init__, which calls init_poolmanager.
        self._pool_classes = _guarded_pool_classes(allow_private, resolve)
        super().__init__(max_retries=max_retries)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes  # type: ignore[assignment]


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").rstrip(".").lower()


class HttpClient:
    """GET small documents from merchant hosts, safely; one Session, reused."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        allow_private: bool = False,
        resolve: Mapping[str, str] | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        retries: Retry | int = 0,
    ) -> None:
        """``retries``: urllib3's Retry (back-off, jitter, statuses) for idempotent GETs."""
        if allow_private:
            log.warning("outbound HTTP may reach private and loopback addresses (test set-up)")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.session = requests.Session()
        # No proxies or .netrc from the environment: a proxy would make the address guard moot.
        self.session.trust_env = False
        adapter = _GuardedAdapter(allow_private=allow_private, resolve=resolve, max_retries=retries)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            # Identity encoding: we fetch tiny text files, and it keeps compression bombs out.
            {
                "User-Agent": user_agent,
                "Accept-Encoding": "identity",
                "Accept": "text/plain, */*",
            }
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def get(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        timeout: tuple[float, float] | None = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> HttpResponse:
        """GET a URL, following same-host redirects, and return the whole (limited) body.

        ``headers``: conditional ones (``If-None-Match``...) make a 304 an answer, with no
        body. ``deadline``: seconds for the whole call, retries and body included.
        """
        if deadline is None:
            return self._get(url, max_bytes, timeout, headers)
        with Deadline(deadline) as watch:
            try:
                return self._get(url, max_bytes, timeout, headers)
            except OutboundError:
                if watch.expired:
                    raise Timeout(f"{url} took longer than {deadline:g} s in all") from None
                raise

    def _get(
        self,
        url: str,
        max_bytes: int | None,
        timeout: tuple[float, float] | None,
        headers: Mapping[str, str] | None,
    ) -> HttpResponse:
        limit = self.max_bytes if max_bytes is None else max_bytes
        timeouts = self.timeout if timeout is None else timeout
        _check_url(url)
        current = url
        for _ in range(self.max_redirects + 1):
            response = self._send(current, timeouts, headers)
            try:
                if response.status_code == 304 and headers:
                    return HttpResponse(current, 304, dict(response.headers), b"")
                if response.status_code in REDIRECT_STATUSES:
                    current = self._redirect_target(current, response)
                    continue
                if not 200 <= response.status_code < 300:
                    raise HttpStatus(
                        f"{current} answered HTTP {response.status_code}",
                        response.status_code,
                    )
                body = _read_limited(response, limit, deadline=time.monotonic() + sum(timeouts))
                return HttpResponse(
                    url=current,
                    status=response.status_code,
                    headers=dict(response.headers),
                    body=body,
                )
            finally:
                response.close()
        raise RedirectRefused(f"more than {self.max_redirects} redirects from {url}")

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: tuple[float, float] | None = None,
        max_bytes: int = 65_536,
    ) -> HttpResponse:
        """POST ``body`` once and return the (limited) answer, whatever its status, within
        the connect and read timeouts together in all (a receiver that drips its answer is
        cut off there, see ``registry.core.deadline``).

        No redirect is followed: a webhook that moved says so with its status, and following
        it would send the signed body to a host nobody subscribed.
        """
        _check_url(url)
        timeouts = self.timeout if timeout is None else timeout
        total = sum(timeouts)
        with Deadline(total) as watch:
            try:
                return self._post(url, body, headers, timeouts, max_bytes)
            except OutboundError:
                if watch.expired:
                    raise Timeout(f"{url} took longer than {total:g} s in all") from None
                raise

    def _post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        timeouts: tuple[float, float],
        max_bytes: int,
    ) -> HttpResponse:
        deadline = time.monotonic() + sum(timeouts)
        try:
            response = self.session.post(
                url,
                data=body,
                headers=dict(headers),
                timeout=timeouts,
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as exc:
            raise Timeout(f"{url} did not answer in time") from exc
        except requests.RequestException as exc:
            raise ConnectionFailed(f"could not post to {url}: {exc}") from exc
        try:
            answer = _read_limited(response, max_bytes, deadline=deadline)
            return HttpResponse(url, response.status_code, dict(response.headers), answer)
        finally:
            response.close()

    def _send(
        self, url: str, timeouts: tuple[float, float], headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        try:
            return self.session.get(
                url, timeout=timeouts, allow_redirects=False, stream=True, headers=headers
            )
        except requests.Timeout as exc:
            raise Timeout(f"{url} did not answer in time") from exc
        except requests.exceptions.RetryError as exc:
            raise ConnectionFailed(f"{url} kept failing: {exc}") from exc
        except requests.exceptions.SSLError as exc:
            raise ConnectionFailed(f"TLS failed for {url}: {exc}") from exc
        except requests.RequestException as exc:
            raise ConnectionFailed(f"could not fetch {url}: {exc}") from exc

    def _redirect_target(self, current: str, response: requests.Response) -> str:
        location = response.headers.get("Location")
        if not location:
            raise HttpStatus(f"{current} redirected without a Location", response.status_code)
        target = urljoin(current, location)
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise RedirectRefused(f"redirect to a {parts.scheme!r} URL refused")
        here = urlsplit(current)
        if parts.scheme != here.scheme:
            raise RedirectRefused(f"redirect from {here.scheme} to {parts.scheme} refused")
        if parts.username is not None or parts.password is not None:
            raise RedirectRefused("redirect to a URL with credentials refused")
        if _host_of(target) != _host_of(current):
            # A proof must be served by the host itself; another host proves nothing.
            raise RedirectRefused(
                f"redirect from {_host_of(current)} to {_host_of(target)} refused"
            )
        if _port_of(parts) != _port_of(here):
            # Another port of the same name is another server (often another tenant's).
            raise RedirectRefused(
                f"redirect from port {_port_of(here)} to port {_port_of(parts)} refused"
            )
        return target


def _port_of(parts: SplitResult) -> int | None:
    """The port a URL names, or its scheme's (None: a port that is no number)."""
    try:
        return parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("URLs with credentials are not fetched")


def _read_limited(response: requests.Response, limit: int, *, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{response.url} declares {declared} bytes, limit is {limit}")
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            total += len(chunk)
            if total > limit:
                # Stop reading here: the rest of an oversize body is never downloaded.
                raise TooLarge(f"{response.url} sent more than {limit} bytes")
            # The read timeout is per socket read; this bounds a server that drips bytes.
            if time.monotonic() > deadline:
                raise Timeout(f"{response.url} sent its body too slowly")
            chunks.append(chunk)
    except requests.ConnectionError as exc:
        # requests reports a read timeout while streaming as a ConnectionError.
        if exc.args and isinstance(exc.args[0], ReadTimeoutError):
            raise Timeout(f"{response.url} stopped sending") from exc
        raise ConnectionFailed(f"{response.url} broke off: {exc}") from exc
    except requests.RequestException as exc:
        raise ConnectionFailed(f"{response.url} sent a broken body: {exc}") from exc
    return b"".join(chunks)
