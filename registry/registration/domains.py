"""Bind web domains to sellers: merchants prove control, regulators bind what they verified."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session

from .. import journal
from ..complaints.sites import SiteReports
from ..core.db import lock_for_write
from ..core.errors import Conflict, Forbidden, ValidationFailed
from ..core.types import utcnow
from ..core.urls import normalize_domain
from ..journal import Change, ChangeKind
from ..trust.tokens import Principal
from .domain_proof import WELL_KNOWN_PATH, ProofResult, issue_token
from .models import BOUND_STATES, Domain, Seller

MAX_FAILURES = 3
RECHECK_EVERY = timedelta(days=1)
PENDING_FOR = timedelta(days=7)


@dataclass(frozen=True)
class ProofRequest:
    domain: str
    token: str
    url: str
    instructions: str


def within(domain: str, domains: Iterable[str]) -> bool:
    """Tell whether the normalized ``domain`` is one of ``domains`` or a sub-domain of one.

    A sub-domain counts: whoever controls a domain's DNS decides its sub-domains. Labels are
    compared whole, so ``evilshop.example`` and ``shop.example.evil.test`` are not
    ``shop.example``.
    """
    return any(domain == d or domain.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class DueCheck:
    """A domain due for a proof check, read before the fetch."""

    domain_id: int
    domain: str
    token: str


class DomainService:
    """The caller commits; checks happen in jobs, never inside a request."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    def _normalize(self, text: str) -> str:
        try:
            return normalize_domain(text)
        except ValueError as exc:
            raise ValidationFailed(str(exc), {"domain": str(exc)}) from None

    def _existing(self, domain: str) -> Domain | None:
        return self.session.execute(
            select(Domain).where(Domain.domain == domain)
        ).scalar_one_or_none()

    def request_proof(self, seller: Seller, text: str, principal: Principal) -> ProofRequest:
        """Issue (or re-issue) the token a merchant publishes to prove control of a domain."""
        if principal.role != "merchant" or not principal.speaks_for(seller.id):
            raise Forbidden("only the seller's own merchant token may claim a domain for it")
        domain = self._normalize(text)
        row = self._existing(domain)
        if row is not None and row.seller_id != seller.id:
            if row.state in BOUND_STATES:
                raise Conflict(f"{domain} is bound to another seller")
            # An abandoned claim by someone else does not block the real owner.
            row.seller_id = seller.id
        token = issue_token()
        if row is None:
            row = Domain(seller_id=seller.id, domain=domain, state="pending", created_at=self.now)
            self.session.add(row)
        elif row.state != "regulator_verified":
            row.state = "pending" if row.state != "proven" else row.state
        row.proof_token = token
        row.consecutive_failures = 0
        self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    principal.actor,
                    "domain.request_proof",
                    "domain",
                    domain,
                    None,
                    {"seller": seller.public_id},
                )
            ],
            at=self.now,
        )
        url = f"https://{domain}{WELL_KNOWN_PATH}"
        return ProofRequest(
            domain, token, url, f"Publish a text file at {url} whose content is the line: {token}"
        )

    def bind_by_regulator(
        self, seller: Seller, text: str, principal: Principal, icp_number: str | None = None
    ) -> Domain:
        """Bind a domain a regulator verified itself (an ICP filing, for example)."""
        if principal.role != "regulator":
            raise Forbidden("only a regulator may bind a domain without a proof")
        domain = self._normalize(text)
        row = self._existing(domain)
        old = None if row is None else {"seller_id": row.seller_id, "state": row.state}
        if row is None:
            row = Domain(seller_id=seller.id, domain=domain, created_at=self.now)
            self.session.add(row)
        row.seller_id = seller.id
        row.state = "regulator_verified"
        row.icp_number = icp_number or row.icp_number
        row.verified_by = principal.actor
        row.proven_at = self.now
        row.consecutive_failures = 0
        self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    principal.actor,
                    "domain.bind",
                    "domain",
                    domain,
                    old,
                    {"seller": seller.public_id, "icp_number": row.icp_number},
                )
            ],
            at=self.now,
            changed={ChangeKind.DOMAIN: [seller.id] + ([old["seller_id"]] if old else [])},
        )
        SiteReports(self.session, self.now).attach(seller, domain, principal.actor)
        return row

    def due_for_check(self, limit: int = 100) -> list[Domain]:
        """Pending claims, and proven domains not checked for a day."""
        return list(
            self.session.execute(
                select(Domain)
                .where(
                    or_(
                        (Domain.state == "pending")
                        & (Domain.created_at > self.now - PENDING_FOR)
                        & Domain.proof_token.is_not(None),
                        (Domain.state == "proven")
                        & or_(
                            Domain.last_checked_at.is_(None),
                            Domain.last_checked_at < self.now - RECHECK_EVERY,
                        ),
                    )
                )
                .order_by(Domain.last_checked_at.is_not(None), Domain.last_checked_at)
                .limit(limit)
            ).scalars()
        )

    def record_check(self, row: Domain, result: ProofResult) -> str:
        """Apply one proof check to its domain; return the new state."""
        before = row.state
        row.last_checked_at = result.checked_at
        row.last_check_result = f"{result.reason}: {result.message}"[:200]
        if result.ok:
            row.consecutive_failures = 0
            if row.state == "pending" or row.state == "lost":
                row.state = "proven"
                row.proven_at = result.checked_at
        else:
            row.consecutive_failures += 1
            if row.state == "proven" and row.consecutive_failures >= MAX_FAILURES:
                row.state = "lost"
        if row.state != before:
            journal.record(
                self.session,
                [
                    Change(
                        "job:domain-proofs",
                        "domain.state",
                        "domain",
                        row.domain,
                        {"state": before},
                        {"state": row.state, "reason": result.reason},
                    )
                ],
                at=self.now,
                changed={ChangeKind.DOMAIN: [row.seller_id]},
            )
            if row.state == "proven":
                # Reports of the site made before anyone could tell whose it was.
                seller = self.session.get(Seller, row.seller_id)
                if seller is not None:
                    SiteReports(self.session, self.now).attach(
                        seller, row.domain, "job:domain-proofs"
                    )
        self.session.flush()
        return row.state

    def due_checks(self, limit: int = 100) -> list[DueCheck]:
        """What is due for a check, as plain values: the fetches happen after this read's
        transaction ends (``apply_check`` writes each result)."""
        return [
            DueCheck(row.id, row.domain, row.proof_token or "")  # type: ignore[arg-type]
            for row in self.due_for_check(limit)
        ]

    def apply_check(self, due: DueCheck, result: ProofResult) -> str | None:
        """Record one fetched result under the write lock; None when the domain changed
        while it was fetched (removed, or a new token issued): that result proves nothing."""
        lock_for_write(self.session)
        row = self.session.get(Domain, due.domain_id, with_for_update=True)
        if row is None or row.domain != due.domain or (row.proof_token or "") != due.token:
            return None
        return self.record_check(row, result)

    def bound_domains(self, seller_id: int) -> list[str]:
        return list(
            self.session.execute(
                select(Domain.domain)
                .where(Domain.seller_id == seller_id, Domain.state.in_(BOUND_STATES))
                .order_by(Domain.domain)
            ).scalars()
        )
