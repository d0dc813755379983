"""How a merchant account comes to speak for a seller: a one-time claim code that a
regulator issues through the seller's verified record, or a proof on one of the seller's
bound domains (the registry's domain proof, checked by a job)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from ..core.types import utcnow
from ..core.urls import normalize_domain
from ..journal import Change
from ..registration.domain_proof import ProofResult, issue_token
from ..registration.models import BOUND_STATES, Domain, Seller
from ..trust.tokens import Principal, require_role
from .models import Account, ClaimCode, DomainClaim
from .service import AccountService

CODE_FOR = timedelta(days=30)
DOMAIN_CLAIM_FOR = timedelta(days=7)
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper
CODE_GROUPS, GROUP = 4, 4


@dataclass(frozen=True)
class DueClaim:
    """A domain claim due for a proof check, read before the fetch."""

    claim_id: int
    domain: str
    token: str


def _normalize_code(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:64]


def _digest(code: str) -> str:
    return hashlib.sha256(_normalize_code(code).encode()).hexdigest()


class ClaimService:
    """Claim codes and domain claims; the caller commits."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()
        self.accounts = AccountService(session, self.now)

    # -- claim codes ----------------------------------------------------------------------

    def issue_code(self, seller: Seller, principal: Principal) -> tuple[str, ClaimCode]:
        """A regulator issues a one-time code for *seller*; return it (shown once)."""
        require_role(principal, "regulator")
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_GROUPS * GROUP))
        code = "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))
        row = ClaimCode(
            seller_id=seller.id,
            digest=_digest(code),
            issued_by=principal.actor,
            created_at=self.now,
            expires_at=self.now + CODE_FOR,
        )
        self.session.add(row)
        self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    principal.actor,
                    "claim_code.issue",
                    "claim_code",
                    str(row.id),
                    None,
                    {"seller": seller.public_id, "expires_at": row.expires_at.isoformat()},
                )
            ],
            at=self.now,
        )
        return code, row

    def claim_by_code(self, account: Account, code: str) -> int:
        """Bind *account* to the seller of an unused, unexpired code; return the seller id."""
        self._require_merchant(account)
        row = self.session.execute(
            select(ClaimCode).where(ClaimCode.digest == _digest(code))
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= self.now:
            raise Unauthorized("this claim code is not valid, or it was used")
        row.used_at, row.used_by = self.now, account.id
        self.accounts.bind_seller(account, row.seller_id, "code", f"user:{account.id}")
        return row.seller_id

    # -- domain claims --------------------------------------------------------------------

    def start_domain_claim(self, account: Account, text: str) -> DomainClaim:
        """Issue the token to publish on a domain bound to a seller, to claim that seller."""
        self._require_merchant(account)
        try:
            domain = normalize_domain(text or "")
        except ValueError:
            raise ValidationFailed("not a domain name", {"domain": "invalid"}) from None
        bound = self.session.execute(
            select(Domain).where(Domain.domain == domain, Domain.state.in_(BOUND_STATES))
        ).scalar_one_or_none()
        if bound is None:
            raise NotFound("no seller has this domain bound", {"domain": domain})
        claim = DomainClaim(
            account_id=account.id,
            seller_id=bound.seller_id,
            domain=domain,
            proof_token=issue_token(),
            created_at=self.now,
        )
        self.session.add(claim)
        self.session.flush()
        self._audit(account, "domain_claim.start", claim, {"domain": domain})
        return claim

    def claims_of(self, account: Account) -> list[DomainClaim]:
        return list(
            self.session.execute(
                select(DomainClaim)
                .where(DomainClaim.account_id == account.id)
                .order_by(DomainClaim.id.desc())
                .limit(20)
            ).scalars()
        )

    def due_checks(self, limit: int = 100) -> list[DueClaim]:
        """Pending claims to check, as plain values (claims past their time expire here):
        the fetches happen after this transaction ends, ``apply_check`` writes each result."""
        pending = self.session.execute(
            select(DomainClaim)
            .where(DomainClaim.state == "pending")
            .order_by(DomainClaim.checked_at.is_not(None), DomainClaim.checked_at)
            .limit(limit)
        ).scalars()
        due = []
        for claim in list(pending):
            if claim.created_at <= self.now - DOMAIN_CLAIM_FOR:
                claim.state = "expired"
            else:
                due.append(DueClaim(claim.id, claim.domain, claim.proof_token))  # type: ignore[arg-type]
        self.session.flush()
        return due

    def apply_check(self, due: DueClaim, result: ProofResult) -> str | None:
        """Record one fetched result under the write lock; bind the seller when it proves
        the claim. None when the claim changed while it was fetched."""
        lock_for_write(self.session)
        claim = self.session.get(DomainClaim, due.claim_id, with_for_update=True)
        if claim is None or claim.state != "pending" or claim.proof_token != due.token:
            return None
        claim.checked_at, claim.last_result = result.checked_at, result.reason[:32]
        if result.ok:
            self._bind_proven(claim)
        self.session.flush()
        return claim.state

    def _bind_proven(self, claim: DomainClaim) -> None:
        account = self.accounts.get(claim.account_id)
        still_bound = self.session.execute(
            select(Domain.seller_id).where(
                Domain.domain == claim.domain, Domain.state.in_(BOUND_STATES)
            )
        ).scalar_one_or_none()
        if account.disabled_at is not None or still_bound != claim.seller_id:
            claim.state = "failed"
            return
        claim.state = "bound"
        self.accounts.bind_seller(account, claim.seller_id, "domain", "job:domain-claims")

    @staticmethod
    def _require_merchant(account: Account) -> None:
        if account.role != "merchant" or account.disabled_at is not None:
            raise Forbidden("only a merchant account claims a seller")
        if account.id is None:
            raise Conflict("the account is not saved")

    def _audit(self, account: Account, action: str, claim: DomainClaim, new) -> None:
        journal.record(
            self.session,
            [Change(f"user:{account.id}", action, "domain_claim", str(claim.id), None, new)],
            at=self.now,
        )
