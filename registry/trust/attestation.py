"""Signed seller attestations (compact JWS, EdDSA/Ed25519) that platforms verify offline."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALG = "EdDSA"
TYP = "JWT"
DEFAULT_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=30)
# Clock skew tolerated between the registry and an offline verifier.
DEFAULT_LEEWAY = timedelta(seconds=60)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
REQUIRED_CLAIMS = ("iss", "sub", "name", "domains", "grade", "score", "verified")

MALFORMED = "malformed"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_KEY = "unknown_key"
EXPIRED = "expired"
REVOKED = "revoked"
NOT_YET_VALID = "not_yet_valid"


class AttestationError(Exception):
    """An attestation that must not be trusted; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # Strict and canonical: URL-safe alphabet, no padding, no stray bits, so a token has
    # one spelling.
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # Parsers disagree on which duplicate wins; refusing removes the ambiguity.
        raise ValueError("duplicate member")
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
        )
    except ValueError as exc:  # includes UnicodeDecodeError and JSONDecodeError
        raise AttestationError(MALFORMED, f"{part} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise AttestationError(MALFORMED, f"{part} is not a JSON object")
    return value


def generate_key() -> Ed25519PrivateKey:
    """Create a new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the RFC 7638 JWK thumbprint of a public key, used as its `kid`."""
    # Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2, RFC 8037 §2).
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64encode(_raw_public(public_key))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64encode(hashlib.sha256(canonical.encode("ascii")).digest())


def private_key_to_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """Serialize a signing key as PKCS#8 PEM, encrypted when a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_key(pem: bytes | str, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM signing key, refusing anything but Ed25519."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("attestation keys must be Ed25519")
    return key


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Return the public JWK of a key, with its kid, use and alg."""
    if not isinstance(public_key, Ed25519PublicKey):
        raise TypeError("expected an Ed25519 public key")
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64encode(_raw_public(public_key)),
        "kid": key_id(public_key),
        "use": "sig",
        "alg": ALG,
    }


def jwks(public_keys: Iterable[Ed25519PublicKey]) -> dict[str, list[dict[str, str]]]:
    """Return the JSON Web Key Set that verifiers download."""
    return {"keys": [public_jwk(key) for key in public_keys]}


def _timestamp(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int(moment.timestamp())


def sign_attestation(
    claims: dict[str, Any],
    key: Ed25519PrivateKey,
    *,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> str:
    """Sign seller claims into a compact JWS valid from `now` for `lifetime`."""
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        raise ValueError(f"missing claims: {', '.join(missing)}")
    if "iat" in claims or "exp" in claims:
        raise ValueError("iat and exp come from now and lifetime")
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"lifetime must be positive and at most {MAX_LIFETIME.days} days")
    domains = claims["domains"]
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise TypeError("domains must be a list of strings")
    if not isinstance(claims["verified"], bool):
        raise TypeError("verified must be a boolean")
    issued = _timestamp(now)
    payload = {
        **claims,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "jti": claims.get("jti") or secrets.token_urlsafe(16),
    }
    header = {"alg": ALG, "typ": TYP, "kid": key_id(key.public_key())}
    signing_input = f"{_b64encode(_json_bytes(header))}.{_b64encode(_json_bytes(payload))}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64encode(signature)}"


def _find_key(jwk_set: dict[str, Any], kid: str) -> Ed25519PublicKey | None:
    keys = jwk_set.get("keys") if isinstance(jwk_set, dict) else None
    for jwk in keys if isinstance(keys, list) else ():
        if not isinstance(jwk, dict) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALG) != ALG:
            continue
        try:
            raw = _b64decode(jwk.get("x", ""))
            return Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, TypeError, AttributeError):
            continue  # an unusable entry is as good as an absent one
    return None


def _int_claim(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    # bool is an int in Python; true is not a timestamp.
    if not isinstance(value, int) or isinstance(value, bool):
        raise AttestationError(MALFORMED, f"claim {name!r} must be an integer timestamp")
    return value


def verify_attestation(
    token: str,
    jwks: dict[str, Any],
    *,
    now: datetime,
    revoked_kids: frozenset[str] | set[str] = frozenset(),
    revoked_jtis: frozenset[str] | set[str] = frozenset(),
    leeway: timedelta = DEFAULT_LEEWAY,
) -> dict[str, Any]:
    """Check an attestation offline and return its claims, or raise AttestationError."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise AttestationError(MALFORMED, "not a compact JWS (three dot-separated parts)")
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = _json_object(_b64decode(header_b64), "header")
    except ValueError as exc:
        raise AttestationError(MALFORMED, f"header: {exc}") from exc

    # Pin the algorithm: never let the token choose ("none", HS256 with the public key, ...).
    if header.get("alg") != ALG:
        raise AttestationError(BAD_SIGNATURE, f"algorithm {header.get('alg')!r} is not accepted")
    if "crit" in header:
        raise AttestationError(MALFORMED, "critical header extensions are not supported")
    if header.get("typ", TYP) != TYP:
        raise AttestationError(MALFORMED, f"type {header.get('typ')!r} is not {TYP}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AttestationError(MALFORMED, "header has no kid")
    if kid in revoked_kids:
        raise AttestationError(REVOKED, f"key {kid} has been revoked")
    public_key = _find_key(jwks, kid)
    if public_key is None:
        # A key withdrawn from the JWKS lands here too: to an offline verifier both mean
        # "do not trust".
        raise AttestationError(UNKNOWN_KEY, f"key {kid} is not in the key set")
    try:
        signature = _b64decode(signature_b64)
        public_key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except (ValueError, InvalidSignature) as exc:
        raise AttestationError(BAD_SIGNATURE, "signature does not match") from exc

    # Only now is the payload worth reading: the signature covers it.
    try:
        payload = _json_object(_b64decode(payload_b64), "payload")
    except ValueError as exc:
        raise AttestationError(MALFORMED, f"payload: {exc}") from exc
    missing = [name for name in (*REQUIRED_CLAIMS, "jti") if name not in payload]
    if missing:
        raise AttestationError(MALFORMED, f"missing claims: {', '.join(missing)}")
    if not isinstance(payload["jti"], str):
        raise AttestationError(MALFORMED, "claim 'jti' must be a string")
    issued, expires = _int_claim(payload, "iat"), _int_claim(payload, "exp")
    if expires - issued > MAX_LIFETIME.total_seconds():
        raise AttestationError(MALFORMED, "lifetime is longer than the registry ever issues")
    current, skew = _timestamp(now), int(leeway.total_seconds())
    if current >= expires + skew:
        raise AttestationError(EXPIRED, "attestation has expired")
    not_before = _int_claim(payload, "nbf") if "nbf" in payload else issued
    if max(issued, not_before) > current + skew:
        raise AttestationError(NOT_YET_VALID, "attestation is not valid yet")
    if payload["jti"] in revoked_jtis:
        raise AttestationError(REVOKED, f"attestation {payload['jti']} has been revoked")
    return payload
