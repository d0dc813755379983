"""Failed authentication is throttled per client address (the ``limits`` library).

An API request that brings credentials (an ``Authorization`` header) is first checked
against one count per client address (``request.remote_addr``, after ProxyFix when the site
is behind a proxy); only credentials refused with 401 add to it. Past ``AUTH_FAILURE_LIMIT``
in the moving window, that address gets 429 with ``Retry-After`` until the window has room
again, whatever its credentials. The count lives in ``RATELIMIT_STORAGE_URI``: ``memory://``
counts per process, so several workers or nodes share a count through Redis; with
``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`` the process counts in memory while the storage
cannot be reached. (The settings are named as Flask-Limiter names them.)

Sign-in at ``/login`` (``web.accounts``) is counted the same way, twice: per account (the
e-mail typed, whether or not an account has it: ``LOGIN_ACCOUNT_LIMIT``) and per client
address (``LOGIN_CLIENT_LIMIT``), in the same storage.

Only the authentication path pays for this: a request hook in front of every page, as an
extension would add, cost more than the security headers and the language cookie together.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

MESSAGE = "too many failed authentication attempts from your address; try again later"
#: how long a process counts in memory after its storage failed, before it tries again
RETRY_STORAGE_SECONDS = 30.0


class FailureThrottle:
    """One count of refused credentials per key (a client address, an account)."""

    def __init__(
        self, config, limit_key: str = "AUTH_FAILURE_LIMIT", name: str = "auth-failures"
    ) -> None:
        self.limit: RateLimitItem = parse(config[limit_key])
        self.name = name
        self.prefix = config["RATELIMIT_KEY_PREFIX"]
        strategy = STRATEGIES[config["RATELIMIT_STRATEGY"]]
        self.shared: RateLimiter = strategy(storage_from_string(config["RATELIMIT_STORAGE_URI"]))
        self.local: RateLimiter | None = (
            strategy(MemoryStorage()) if config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] else None
        )
        self._shared_down_until = 0.0

    def check(self, address: str) -> None:
        """Raise 429 (with Retry-After) if *address* has used up its failures."""
        wait = self.blocked_for(address)
        if wait:
            raise TooManyRequests(MESSAGE, retry_after=wait)

    def blocked_for(self, key: str) -> int:
        """Seconds until *key* may try again (0: it may now)."""
        if self._call("test", key):
            return 0
        reset_at, _remaining = self._call("get_window_stats", key)
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, address: str) -> None:
        """Count one refused credential of *address*."""
        self._call("hit", address)

    def _call(self, method: str, address: str):
        local = self.local
        use_local = local is not None and time.monotonic() < self._shared_down_until
        limiter = local if use_local and local is not None else self.shared
        try:
            return getattr(limiter, method)(self.limit, self.prefix, self.name, address)
        except Exception:
            if local is None or limiter is local:
                raise
            log.warning("rate-limit storage unreachable; counting failed authentications in memory")
            self._shared_down_until = time.monotonic() + RETRY_STORAGE_SECONDS
            return getattr(local, method)(self.limit, self.prefix, self.name, address)


def init_app(app: Flask) -> FailureThrottle:
    throttle = app.extensions["auth_throttle"] = FailureThrottle(app.config)
    app.extensions["login_throttles"] = (
        FailureThrottle(app.config, "LOGIN_ACCOUNT_LIMIT", "login-account"),
        FailureThrottle(app.config, "LOGIN_CLIENT_LIMIT", "login-client"),
    )
    return throttle
