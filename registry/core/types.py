"""Column types and helpers shared by every model family."""

from __future__ import annotations

import base64
import random
import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

PUBLIC_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u


def utcnow() -> datetime:
    return datetime.now(UTC)


_FROM_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", PUBLIC_ID_ALPHABET)


def new_public_id(prefix: str = "s", rand: random.Random | None = None) -> str:
    """Return a short, unguessable, URL-safe public id such as ``s-7k2m9q4xwz``."""
    raw = rand.randbytes(7) if rand is not None else secrets.token_bytes(7)
    return prefix + "-" + base64.b32encode(raw).decode()[:10].translate(_FROM_B32)


def max_length(model: Any, column: str) -> int:
    """The most characters ``model.column`` holds: checks of what callers send read the
    limit from the table, so that it is defined once, in the model."""
    return model.__table__.c[column].type.length


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the registry stores aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
