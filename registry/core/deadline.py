"""A total deadline for an outbound call, enforced by shutting its connections down.

Read timeouts bound each read, not the call: a server that sends one byte a second never
trips a five-second read timeout. The guarded connections of ``outbound`` register with the
deadline the caller runs under; when it passes, a timer thread shuts them, which wakes a read
blocked anywhere below (urllib3, http.client, the socket).
"""

from __future__ import annotations

import socket
import threading
import time
from contextvars import ContextVar
from typing import Any, Self


class Deadline:
    """A total deadline for one call: when it passes, every connection opened under it is
    shut down, so a server that drips bytes (each read well within the read timeout) or
    answers slowly to retries is cut off at the deadline, wherever the caller is blocked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._token: Any = None
        self.at = time.monotonic() + seconds

    def __enter__(self) -> Self:
        self.at = time.monotonic() + self.seconds
        self._token = _DEADLINE.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _DEADLINE.reset(self._token)

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a recv() blocked in another thread
    except OSError:
        pass  # already closed


_DEADLINE: ContextVar[Deadline | None] = ContextVar("outbound_deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline the calling code runs under (the connection guard registers with it)."""
    return _DEADLINE.get()
