"""Configuration: embedded defaults, then the instance file, then the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = (
    "DATABASE_URL",
    "SEARCH_INDEX_DIR",
    "SECRET_KEY",
    "DIGEST_SECRET",
    "REGISTRY_NAME",
    "MAX_CONTENT_LENGTH",
    "SIGNING_KEY_DIR",
    "BASE_URL",
)
INT_KEYS = {"MAX_CONTENT_LENGTH"}


def defaults(instance_path: str) -> dict:
    """Return the embedded defaults: an SQLite file and an index under the instance folder."""
    base = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{base / 'registry.db'}",
        "SEARCH_INDEX_DIR": str(base / "index"),
        "SIGNING_KEY_DIR": str(base / "keys"),
        # Domain proofs are fetched over https from public addresses only; tests relax both.
        "DOMAIN_PROOF_SCHEME": "https",
        "DOMAIN_PROOF_PORT": None,
        "OUTBOUND_ALLOW_PRIVATE": False,
        "OUTBOUND_RESOLVE": {},
        "SHARED_DATA_DIR": None,
        # How often (seconds) a worker asks the change log which cached badges and pages to
        # forget: nothing public is staler than this.
        "CACHE_POLL_SECONDS": 1.0,
        "REGISTRY_NAME": "网店信誉登记册",
        "REGISTRY_NAME_EN": "Merchant Reputation Registry",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_BATCH_RECORDS": 100_000,
        "BASE_URL": "http://127.0.0.1:5000",
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "JSON_AS_ASCII": False,
    }


def from_environment() -> dict:
    out = {}
    for key in ENV_KEYS:
        if key in os.environ:
            value = os.environ[key]
            out[key] = int(value) if key in INT_KEYS else value
    return out


def secret_key(instance_path: str, name: str = "secret_key") -> str:
    """Return a per-instance secret kept in the instance folder, made on first use."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
