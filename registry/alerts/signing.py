"""Signing secrets: made once, kept encrypted, and the signature every delivery carries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

SECRET_PREFIX = "whsec_"
HEADER = "X-Registry-Signature"


def new_secret() -> str:
    """Return a new signing secret (shown to the subscriber once)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class SecretBox:
    """Encrypts signing secrets under a key kept outside the database.

    A digest would not do: signing needs the secret itself. Encrypted, a copy of the database
    alone (a backup, a replica) cannot forge deliveries; the key lives in the environment or
    the instance folder.
    """

    def __init__(self, key: str) -> None:
        digest = hashlib.sha256(b"alert-secrets\x00" + key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """Return the secret; ValueError when it was sealed under another key."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ValueError("the secret was sealed under another key") from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the header value: ``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = 300) -> bool:
    """Tell whether ``header`` signs ``body`` with ``secret``, made within ``tolerance`` s."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
