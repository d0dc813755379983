"""The signature, the sealed secret, and the receiver's snippet the README gives."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from registry.alerts.signing import new_secret, signature, verify
from registry.core.sealing import ALERT_SECRETS, SecretBox

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_verifier():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Watch alerts", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # our own README's snippet
    return namespace["verified"]


def test_the_readme_snippet_accepts_a_real_signature_and_refuses_a_changed_body():
    verified = readme_verifier()
    secret, body = new_secret(), b'{"id":"evt_1"}'
    header = signature(secret, int(time.time()), body)
    assert verified(secret, header, body)
    assert not verified(secret, header, body + b" ")
    assert not verified(new_secret(), header, body)
    assert not verified(secret, signature(secret, int(time.time()) - 3600, body), body)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    # The hex is openssl's: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_k
    expected = "8b20524faff2b12e1089e404a8cf60fbe577e5320e899ebff7329ebbcb9ada22"
    assert signature("whsec_k", 1700000000, b"{}") == f"t=1700000000,v1={expected}"
    assert verify("whsec_k", signature("whsec_k", 1700000000, b"{}"), b"{}", now=1700000100)
    assert not verify("whsec_k", "garbage", b"{}", now=1700000000)


def test_a_sealed_secret_opens_only_under_its_key():
    sealed = SecretBox("one", ALERT_SECRETS).seal("whsec_x")
    assert "whsec_x" not in sealed and SecretBox("one", ALERT_SECRETS).open(sealed) == "whsec_x"
    with pytest.raises(ValueError):
        SecretBox("two", ALERT_SECRETS).open(sealed)
