"""Domains, signed statements and the published keys."""

from __future__ import annotations

from flask import current_app

from registry.registration.domains import DomainService
from registry.registration.sellers import SellerService
from registry.registration.shapes import DomainClaim
from registry.trust.statements import StatementService

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from ..keys import key_ring
from . import bp
from .contract import answer, json_body, operation
from .responses import DomainState, Revoked, Statement


@bp.post("/sellers/<public_id>/domains")
@operation(
    "Claim a domain (merchant) or bind one (regulator)",
    body=json_body(DomainClaim),
    roles=("merchant", "regulator"),
    answers=[
        answer(201, DomainState, "A regulator bound the domain"),
        answer(202, DomainState, "The proof token a merchant publishes"),
        answer(409, description="The domain is another seller's"),
    ],
)
def add_domain(public_id: str):
    """A merchant claims a domain (and gets a proof token); a regulator binds one directly."""
    principal = authenticate("merchant", "regulator")
    asked = payload.body(DomainClaim, "domain not claimed")
    session = get_session()
    seller = SellerService(session).get(public_id)
    service = DomainService(session)
    if principal.role == "regulator":
        row = service.bind_by_regulator(
            seller, asked.domain, principal, icp_number=asked.icp_number
        )
        session.commit()
        return ok({"domain": row.domain, "state": row.state}, 201)
    proof = service.request_proof(seller, asked.domain, principal)
    session.commit()
    return ok(
        {
            "domain": proof.domain,
            "state": "pending",
            "token": proof.token,
            "publish_at": proof.url,
            "instructions": proof.instructions,
        },
        202,
    )


@bp.get("/sellers/<public_id>/attestation")
@operation(
    "A signed statement of the seller's record (Ed25519 JWS)",
    answers=[
        answer(200, Statement),
        answer(404),
        answer(503, description="Issued within seconds: retry after Retry-After"),
    ],
)
def attestation(public_id: str):
    """A compact signed statement, verifiable offline with /.well-known/jwks.json.

    Read only: the scheduler issues statements; this signs the newest one again (the same
    token every time), or answers 503 for the seconds until a changed record's is issued.
    """
    service = StatementService(
        get_session(), key_ring(create=False), current_app.config["BASE_URL"]
    )
    token, row = service.current(public_id)
    return ok(
        {
            "token": token,
            "jti": row.jti,
            "issued_at": row.issued_at,
            "expires_at": row.expires_at,
            "jwks": "/.well-known/jwks.json",
            "revocations": "/api/v1/attestations/revoked",
        }
    )


@bp.get("/attestations/revoked")
@operation(
    "Revoked statements not yet expired, and revoked keys",
    answers=[
        answer(
            200,
            Revoked,
            many=True,
            meta={"revoked_keys": {"type": "array", "items": {"type": "string"}}},
        )
    ],
)
def revoked_attestations():
    keys = key_ring(create=False)
    service = StatementService(get_session(), keys, current_app.config["BASE_URL"])
    return ok(service.revoked(), revoked_keys=sorted(keys.revoked()))
