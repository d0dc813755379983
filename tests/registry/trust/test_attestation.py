"""Signed attestations: a platform must be able to trust them offline, and nothing else."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from registry.trust.attestation import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    AttestationError,
    generate_key,
    jwks,
    key_id,
    load_private_key,
    private_key_to_pem,
    sign_attestation,
    verify_attestation,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
KEY = generate_key()
KEYS = jwks([KEY.public_key()])
CLAIMS = {
    "iss": "https://registry.example",
    "sub": "S-0001",
    "name": "示例商店 Example Shop",
    "domains": ["shop.example", "example.cn"],
    "grade": "A",
    "score": 91.5,
    "verified": True,
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token(**overrides) -> str:
    return sign_attestation({**CLAIMS, **overrides}, KEY, now=NOW, lifetime=DEFAULT_LIFETIME)


def error_code(tok: str, keys=KEYS, **kwargs) -> str:
    with pytest.raises(AttestationError) as info:
        verify_attestation(tok, keys, now=kwargs.pop("now", NOW), **kwargs)
    return info.value.code


# --- keys ----------------------------------------------------------------------------------


def test_key_id_matches_the_rfc_8037_thumbprint():
    # RFC 8037 appendix A.1 (key) and A.3 (thumbprint).
    d = unb64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    public = Ed25519PrivateKey.from_private_bytes(d).public_key()
    assert jwks([public])["keys"][0]["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key_id(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_jwks_publishes_only_public_members():
    (jwk,) = KEYS["keys"]
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": key_id(KEY.public_key()),
        "use": "sig",
        "alg": "EdDSA",
    }


def test_private_key_pem_round_trip():
    loaded = load_private_key(private_key_to_pem(KEY).decode())
    assert key_id(loaded.public_key()) == key_id(KEY.public_key())


def test_private_key_pem_round_trip_with_password():
    pem = private_key_to_pem(KEY, password=b"s3cret")
    assert b"ENCRYPTED" in pem
    assert key_id(load_private_key(pem, password=b"s3cret").public_key()) == key_id(
        KEY.public_key()
    )


def test_load_private_key_refuses_other_key_types():
    from cryptography.hazmat.primitives import serialization

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(TypeError):
        load_private_key(pem)


# --- signing and the happy path ------------------------------------------------------------


def test_round_trip_returns_the_claims():
    claims = verify_attestation(token(), KEYS, now=NOW + timedelta(days=1))
    assert {k: claims[k] for k in CLAIMS} == CLAIMS
    assert claims["exp"] - claims["iat"] == DEFAULT_LIFETIME.total_seconds()
    assert claims["iat"] == int(NOW.timestamp()) and claims["jti"]


def test_header_names_the_algorithm_and_key():
    header = json.loads(unb64(token().split(".")[0]))
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": key_id(KEY.public_key())}


def test_each_attestation_gets_its_own_jti():
    ids = {verify_attestation(token(), KEYS, now=NOW)["jti"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lifetime": MAX_LIFETIME + timedelta(seconds=1)},
        {"lifetime": timedelta(0)},
        {"now": datetime(2025, 3, 1, 12, 0)},  # naive
    ],
)
def test_sign_refuses_bad_time_arguments(kwargs):
    arguments = {"now": NOW, "lifetime": DEFAULT_LIFETIME, **kwargs}
    with pytest.raises(ValueError):
        sign_attestation(CLAIMS, KEY, **arguments)


@pytest.mark.parametrize(
    "claims",
    [
        {k: v for k, v in CLAIMS.items() if k != "sub"},
        {**CLAIMS, "exp": 1},
    ],
)
def test_sign_refuses_missing_or_reserved_claims(claims):
    with pytest.raises(ValueError):
        sign_attestation(claims, KEY, now=NOW)


@pytest.mark.parametrize(
    "claims", [{**CLAIMS, "domains": "shop.example"}, {**CLAIMS, "verified": "yes"}]
)
def test_sign_refuses_mistyped_claims(claims):
    with pytest.raises(TypeError):
        sign_attestation(claims, KEY, now=NOW)


# --- everything that must fail, with its code -------------------------------------------------


def test_tampered_payload_is_a_bad_signature():
    header, payload, signature = token(grade="F").split(".")
    claims = json.loads(unb64(payload))
    claims["grade"] = "A"
    assert error_code(f"{header}.{b64(json.dumps(claims).encode())}.{signature}") == "bad_signature"


def test_tampered_signature_is_a_bad_signature():
    header, payload, signature = token().split(".")
    flipped = bytearray(unb64(signature))
    flipped[0] ^= 1
    assert error_code(f"{header}.{payload}.{b64(bytes(flipped))}") == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "ES256", None])
def test_any_algorithm_but_eddsa_is_refused(alg):
    _, payload, signature = token().split(".")
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": key_id(KEY.public_key())}).encode())
    assert error_code(f"{header}.{payload}.") == "bad_signature"
    assert error_code(f"{header}.{payload}.{signature}") == "bad_signature"


def test_expired_attestation_is_refused():
    assert error_code(token(), now=NOW + DEFAULT_LIFETIME + timedelta(minutes=2)) == "expired"


def test_attestation_from_the_future_is_refused():
    assert error_code(token(), now=NOW - timedelta(minutes=5)) == "not_yet_valid"


def test_small_clock_skew_is_tolerated():
    assert verify_attestation(token(), KEYS, now=NOW - timedelta(seconds=30))["sub"] == "S-0001"


def test_revoked_key_is_refused():
    assert error_code(token(), revoked_kids={key_id(KEY.public_key())}) == "revoked"


def test_revoked_attestation_is_refused():
    tok = token()
    jti = verify_attestation(tok, KEYS, now=NOW)["jti"]
    assert error_code(tok, revoked_jtis=frozenset({jti})) == "revoked"


def test_key_withdrawn_from_the_jwks_is_refused():
    assert error_code(token(), keys={"keys": []}) == "unknown_key"


def test_unknown_kid_is_refused():
    other = jwks([generate_key().public_key()])
    assert error_code(token(), keys=other) == "unknown_key"


def test_signature_by_another_key_under_our_kid_is_refused():
    header, payload, _ = token().split(".")
    forged = generate_key().sign(f"{header}.{payload}".encode())
    assert error_code(f"{header}.{payload}.{b64(forged)}") == "bad_signature"


@pytest.mark.parametrize(
    "tok",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AA",
        b64(b"[1]") + ".e30.AA",
        b64(b'{"alg":"EdDSA","alg":"none","kid":"k"}') + ".e30.AA",
        b64(b'{"alg":"EdDSA","typ":"JWT"}') + ".e30.AA",
        b64(b'{"alg":"EdDSA","typ":"JWT","kid":"k","crit":["x"]}') + ".e30.AA",
    ],
)
def test_malformed_tokens_are_refused(tok):
    assert error_code(tok) == "malformed"


def test_padded_segments_are_refused():
    header, payload, signature = token().split(".")
    assert error_code(f"{header}==.{payload}.{signature}") == "malformed"


@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw_-.=x0"))
def test_any_single_character_change_is_refused(position, replacement):
    original = token()
    index = position % len(original)
    changed = original[:index] + replacement + original[index + 1 :]
    if changed != original:
        with pytest.raises(AttestationError):
            verify_attestation(changed, KEYS, now=NOW)
