"""Plain helper factories for tests: make_seller(session, **overrides) and friends."""

from __future__ import annotations

import itertools
import random

from registry.demo.generate import make_code
from registry.registration.importing import RawRecord
from registry.registration.sellers import SellerService
from registry.registration.service import RegistrationService
from registry.trust.tokens import TokenService

_counter = itertools.count(1)
_rng = random.Random(4242)


def new_code(area: str = "330106") -> str:
    return make_code(_rng, area)


def make_seller(session, commit: bool = True, **overrides):
    """Register a seller through the service and return the Seller row."""
    n = next(_counter)
    record = {"identifier": new_code(), "legal_name": f"杭州测试商贸{n}号有限公司", **overrides}
    [result] = RegistrationService(session, actor="regulator:test").submit([RawRecord(1, record)])
    assert result.status in ("created", "updated", "unchanged"), result
    seller = SellerService(session).get(result.seller_id)
    if commit:
        # Ends the transaction, so the test holds no stale snapshot while the app writes.
        session.commit()
    return seller


def make_token(session, role: str, name: str | None = None, seller_id: int | None = None) -> str:
    plain, _ = TokenService(session).create(
        name=name or f"test {role}", role=role, seller_id=seller_id
    )
    session.commit()
    return plain
