"""The registry's signing keys, kept in the instance folder."""

from __future__ import annotations

from flask import current_app

from registry.trust.keys import KeyRing


def key_ring(create: bool = True) -> KeyRing:
    """The key folder; requests open it with ``create=False`` (a read never makes a key)."""
    return KeyRing.open(current_app.config["SIGNING_KEY_DIR"], create=create)
