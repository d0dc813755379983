"""Secrets the registry must use again (webhook signing secrets, TOTP secrets), kept
encrypted under a key that lives outside the database.

A digest would not do: signing a delivery or checking a code needs the secret itself.
Sealed, a copy of the database alone (a backup, a replica) gives none of them away. One
master key serves every purpose, but each purpose seals under its own derived key, so that
a value sealed for one (a webhook secret) cannot be opened as another (a TOTP secret).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

#: the purposes a box seals for (each its own derived key)
ALERT_SECRETS = "alert-secrets"
TOTP_SECRETS = "totp-secrets"
PURPOSES = frozenset({ALERT_SECRETS, TOTP_SECRETS})
#: how every sealed value begins (Fernet's version byte, base64): a clear base32 TOTP
#: secret never does (it has no lower case)
SEALED_PREFIX = "gAAAAA"


class SecretBox:
    """Seals and opens the secrets of one purpose under a master key."""

    def __init__(self, key: str, purpose: str) -> None:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        # The alerts' derivation as it always was: secrets sealed before stay readable.
        digest = hashlib.sha256(purpose.encode("ascii") + b"\x00" + key.encode("utf-8")).digest()
        self.purpose = purpose
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """Return the secret; ValueError when it was sealed under another key or purpose."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise ValueError("the secret was sealed under another key or purpose") from None


def is_sealed(value: str | None) -> bool:
    """Tell whether a stored value looks sealed (rather than a secret kept in clear)."""
    return bool(value) and str(value).startswith(SEALED_PREFIX)
