"""A bounded map of recently used values, for caches that must not grow without end."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class Recent:
    """A bounded map, the least recently used entries out first once the sizes of the
    entries (one each, unless *size* says otherwise) pass *limit*; thread-safe."""

    def __init__(self, limit: int, size: Callable[[Any], int] = lambda _value: 1) -> None:
        self.limit = limit
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.total = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value of *key*, or None. Without the lock: each OrderedDict call is atomic,
        and a key another thread drops in between is simply not moved."""
        found = self.items.get(key)
        if found is not None:
            try:
                self.items.move_to_end(key)
            except KeyError:
                pass
        return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if key in self.items:
                return
            self.items[key] = value
            self.total += self.size(value)
            while self.total > self.limit and self.items:
                _, old = self.items.popitem(last=False)
                self.total -= self.size(old)
