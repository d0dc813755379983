"""The registry's signing keys: the newest signs, older ones stay published until revoked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .attestation import generate_key, jwks, key_id, load_private_key, private_key_to_pem


@dataclass
class KeyRing:
    """Keys kept as PEM files in one folder; ``revoked.json`` lists withdrawn key ids."""

    folder: Path

    @classmethod
    def open(cls, folder: str | Path, create: bool = True) -> KeyRing:
        """Open the key folder, making a first key if there is none (unless not *create*:
        readers such as the published key set never write)."""
        ring = cls(Path(folder))
        if create:
            ring.folder.mkdir(parents=True, exist_ok=True)
            if not ring._files():
                ring.rotate()
        return ring

    def _files(self) -> list[Path]:
        # File names start with a sortable counter, so the newest key sorts last.
        return sorted(self.folder.glob("key-*.pem"))

    def _revoked_path(self) -> Path:
        return self.folder / "revoked.json"

    def revoked(self) -> set[str]:
        path = self._revoked_path()
        return set(json.loads(path.read_text())) if path.exists() else set()

    def keys(self) -> list[Ed25519PrivateKey]:
        return [load_private_key(p.read_bytes()) for p in self._files()]

    def find(self, kid: str) -> Ed25519PrivateKey | None:
        """Return the key *kid* if it is still published (not revoked)."""
        if kid in self.revoked():
            return None
        return next((k for k in self.keys() if key_id(k.public_key()) == kid), None)

    def signing_key(self) -> Ed25519PrivateKey:
        """Return the newest key that is not revoked."""
        revoked = self.revoked()
        for key in reversed(self.keys()):
            if key_id(key.public_key()) not in revoked:
                return key
        return self.rotate()

    def rotate(self) -> Ed25519PrivateKey:
        """Make a new signing key; older keys stay published so their statements verify."""
        key = generate_key()
        number = len(self._files()) + 1
        path = self.folder / f"key-{number:04d}-{key_id(key.public_key())[:16]}.pem"
        path.write_bytes(private_key_to_pem(key))
        path.chmod(0o600)
        return key

    def revoke(self, kid: str) -> bool:
        """Withdraw a key: it leaves the published set and its statements stop verifying."""
        known = {key_id(k.public_key()) for k in self.keys()}
        if kid not in known:
            return False
        revoked = self.revoked() | {kid}
        self._revoked_path().write_text(json.dumps(sorted(revoked)))
        return True

    def jwks(self) -> dict:
        """Return the published key set: every key not revoked."""
        revoked = self.revoked()
        return jwks(k.public_key() for k in self.keys() if key_id(k.public_key()) not in revoked)
