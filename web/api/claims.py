"""A regulator issues a seller's one-time claim code, which it hands to the business through
the verified record's own channel; a merchant account then claims the seller with it."""

from __future__ import annotations

from registry.accounts.claims import ClaimService
from registry.registration.sellers import SellerService

from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from ..headers import private
from . import bp
from .contract import answer, operation
from .responses import ClaimCode


@bp.post("/sellers/<public_id>/claim-codes")
@operation(
    "Issue a one-time claim code for a seller (regulators; shown once)",
    roles=("regulator",),
    answers=[answer(201, ClaimCode), answer(404)],
)
@private
def issue_claim_code(public_id: str):
    """Issue a claim code (regulators); the code is in this answer only."""
    principal = authenticate("regulator")
    session = get_session()
    seller = SellerService(session).get(public_id)
    code, row = ClaimService(session).issue_code(seller, principal)
    session.commit()
    return ok({"code": code, "seller": seller.public_id, "expires_at": row.expires_at}, 201)
