"""Prove control of a domain by a token served at a well-known path."""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from registry.core.outbound import HttpClient, OutboundError

TOKEN_PREFIX = "mrv1-"
WELL_KNOWN_PATH = "/.well-known/merchant-registry.txt"
PROOF_MAX_BYTES = 4096

OK = "ok"
INVALID_DOMAIN = "invalid_domain"
WRONG_TOKEN = "wrong_token"
# The other reasons are the OutboundError codes: timeout, too_large, redirect_refused,
# http_status, forbidden_address, connection_failed.

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class ProofResult:
    """The outcome of one check: `reason` is a stable code, `message` is for humans."""

    ok: bool
    reason: str
    message: str
    url: str
    checked_at: datetime


def issue_token() -> str:
    """Return a new random, URL-safe proof token with a visible version prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(24)


def normalize_domain(domain: str) -> str:
    """Return the ASCII (IDNA) form of a host name or IP literal, or raise ValueError."""
    host = domain.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a domain name: {domain!r}") from exc
    labels = ascii_host.split(".")
    # Reject anything that could smuggle a path, port, user or second host into the URL.
    if len(ascii_host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a domain name: {domain!r}")
    return ascii_host


def proof_url(domain: str, scheme: str = "https", port: int | None = None) -> str:
    """Return the URL where a domain must publish its proof token."""
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme: {scheme!r}")
    host = normalize_domain(domain)
    authority = host if port is None else f"{host}:{int(port)}"
    return f"{scheme}://{authority}{WELL_KNOWN_PATH}"


def contains_token(body: bytes, expected_token: str) -> bool:
    """Tell whether one line of a proof file, stripped, equals the token."""
    expected = expected_token.strip().encode("utf-8")
    if not expected:
        return False  # an empty token would match any blank line
    found = False
    for line in body.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines():
        # Bytes, because compare_digest refuses non-ASCII str; no early exit, so every line
        # costs the same.
        found |= hmac.compare_digest(line.strip().encode("utf-8"), expected)
    return found


def check_proof(
    http: HttpClient,
    domain: str,
    expected_token: str,
    *,
    now: datetime,
    scheme: str = "https",
    port: int | None = None,
    deadline: float | None = None,
) -> ProofResult:
    """Fetch a domain's proof file and say whether it holds the token, within ``deadline``
    seconds in all (redirects and body included); never raise for a failure."""
    try:
        url = proof_url(domain, scheme, port)
    except ValueError as exc:
        return ProofResult(False, INVALID_DOMAIN, str(exc), "", now)
    try:
        response = http.get(url, max_bytes=PROOF_MAX_BYTES, deadline=deadline)
    except OutboundError as exc:
        return ProofResult(False, exc.code, exc.message, url, now)
    if not contains_token(response.body, expected_token):
        return ProofResult(
            False,
            WRONG_TOKEN,
            f"{url} does not contain the expected token on a line of its own",
            url,
            now,
        )
    return ProofResult(True, OK, f"{response.url} holds the token", url, now)
