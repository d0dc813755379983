"""The registry's signing keys, kept in the instance folder."""

from __future__ import annotations

from flask import current_app

from registry.keys import KeyRing


def key_ring() -> KeyRing:
    return KeyRing.open(current_app.config["SIGNING_KEY_DIR"])
