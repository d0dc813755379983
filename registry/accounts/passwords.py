"""Password hashes (argon2id, argon2-cffi's defaults) and TOTP codes (pyotp)."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; a bound keeps one request's work bounded
TOTP_PERIOD = 30
#: time steps either side of now that a code may come from (clocks drift)
TOTP_WINDOW = 1

_hasher = PasswordHasher()
# Verified when no account has the e-mail given, so that an unknown address costs as long
# as a wrong password (timing says nothing of who has an account).
_DUMMY = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Tell whether *password* matches *stored* (None: compare with a dummy, say no)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or typed)."""
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).provisioning_uri(name=email, issuer_name=issuer)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code *code* is (within the window around *now*), or None."""
    digits = "".join(ch for ch in code if not ch.isspace())
    if not (len(digits) == 6 and digits.isascii() and digits.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD)
    step = totp.timecode(now)
    found = None
    for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
        # No early exit: every candidate costs the same.
        if hmac.compare_digest(totp.generate_otp(step + offset), digits):
            found = step + offset
    return found
