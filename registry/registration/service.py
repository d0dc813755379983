"""Upsert verified identities in batches: atomic per record, idempotent per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..core.errors import ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import new_public_id, utcnow
from ..read.display import DEMO_VERIFIER
from .importing import RawRecord
from .models import Domain, Identity, Seller, Store
from .validation import Registration, validate_registration
from .writes import SELLER_FIELDS, Existing, RegistrationWriter

CHUNK = 1000


@dataclass
class RecordResult:
    line: int
    status: str  # created | updated | unchanged | rejected
    identifier: str | None = None
    seller_id: str | None = None
    changed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status}
        for key in ("identifier", "seller_id"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.changed:
            out["changed"] = self.changed
        if self.errors:
            out["errors"] = self.errors
        return out


class RegistrationService:
    """Applies registration batches on behalf of a verifying party (the caller commits)."""

    def __init__(
        self,
        session: Session,
        actor: str,
        role: str = "regulator",
        now: datetime | None = None,
        id_factory: Callable[[], str] = new_public_id,
        *,
        demo: bool = False,
    ) -> None:
        self.session = session
        self.new_id = id_factory
        # The verifying party as the public sees it: the token's name, without its role.
        self.verifier = actor.partition(":")[2] or actor
        self.actor = actor
        self.role = role
        self.now = now or utcnow()
        # The demo's verifier name marks its sellers as generated (registry.display): nothing
        # else may register under it, or real sellers would be labelled demo (and the reverse).
        self.reserved = clean_text(self.verifier) == DEMO_VERIFIER and not demo

    def submit(self, records: Iterable[RawRecord]) -> Iterator[RecordResult]:
        """Apply ``records`` chunk by chunk, yielding one result per record in order."""
        chunk: list[RawRecord] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= CHUNK:
                yield from self._submit_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._submit_chunk(chunk)

    def _submit_chunk(self, chunk: list[RawRecord]) -> list[RecordResult]:
        try:
            with self.session.begin_nested():
                return self._apply(chunk)
        except IntegrityError:
            # A constraint the checks did not foresee (a concurrent writer, say): fall back to
            # one savepoint per record so that only the offending records are rejected.
            results = []
            for record in chunk:
                try:
                    with self.session.begin_nested():
                        results.extend(self._apply([record]))
                except IntegrityError as exc:
                    results.append(
                        RecordResult(
                            record.line,
                            "rejected",
                            errors={"record": f"conflicts with existing data: {exc.orig}"},
                        )
                    )
            return results

    # -- one chunk -------------------------------------------------------------------------

    def _apply(self, chunk: list[RawRecord]) -> list[RecordResult]:
        if self.reserved:
            reason = f"the verifier name {DEMO_VERIFIER} is reserved for the generated demo data"
            return [RecordResult(r.line, "rejected", errors={"verified_by": reason}) for r in chunk]
        results: list[RecordResult | None] = [None] * len(chunk)
        valid: list[tuple[int, Registration]] = []
        for i, record in enumerate(chunk):
            if record.error:
                results[i] = RecordResult(record.line, "rejected", errors={"record": record.error})
                continue
            try:
                valid.append((i, validate_registration(record.data, self.now)))
            except ValidationFailed as exc:
                results[i] = RecordResult(
                    record.line,
                    "rejected",
                    identifier=record.data.get("identifier"),
                    errors=exc.details or {"record": exc.message},
                )
        existing = self._load_existing([r for _, r in valid])
        bound_domains, bound_stores = self._load_bindings([r for _, r in valid])
        new_rows: list[dict[str, Any]] = []
        pending_new: dict[tuple[str, str], dict[str, Any]] = {}
        updates: list[tuple[int, Registration, Existing, dict[str, tuple[Any, Any]]]] = []
        for i, reg in valid:
            key = (reg.scheme, reg.identifier)
            line = chunk[i].line
            current = existing.get(key)
            pending = pending_new.get(key)
            owner = (
                current.seller["public_id"]
                if current
                else pending["public_id"]
                if pending
                else None
            )
            conflict = self._binding_conflict(reg, owner, bound_domains, bound_stores)
            if conflict:
                results[i] = RecordResult(line, "rejected", reg.identifier, errors=conflict)
                continue
            if pending is not None:
                # The same identity twice in one batch: the later record wins, as if sent after.
                row = pending
                row["seller"].update(reg.seller)
                row["identity"].update(reg.identity)
                row["stores"] += reg.stores
                row["domains"] += reg.domains
                results[i] = RecordResult(line, "updated", reg.identifier, row["public_id"])
                continue
            if current is None:
                row = {
                    "public_id": self.new_id(),
                    "reg": reg,
                    "seller": dict(reg.seller),
                    "identity": dict(reg.identity),
                    "stores": list(reg.stores),
                    "domains": list(reg.domains),
                }
                pending_new[key] = row
                new_rows.append(row)
                results[i] = RecordResult(line, "created", reg.identifier, row["public_id"])
            else:
                diff = self._diff(reg, current)
                new_links = self._new_links(reg, owner, bound_domains, bound_stores)
                if not diff and not new_links:
                    results[i] = RecordResult(line, "unchanged", reg.identifier, owner)
                    continue
                for name, (_old, new) in diff.items():
                    (current.seller if name in SELLER_FIELDS else current.identity)[name] = new
                updates.append((i, reg, current, diff))
                results[i] = RecordResult(
                    line,
                    "updated",
                    reg.identifier,
                    owner,
                    changed=sorted(diff) + new_links,
                )
            owner = owner or pending_new[key]["public_id"]
            for domain in reg.domains:
                bound_domains[domain] = owner
            for store in reg.stores:
                bound_stores[(store["platform"], store["store_key"])] = owner
        writer = RegistrationWriter(self.session, self.actor, self.verifier, self.role, self.now)
        writer.create(new_rows)
        writer.update(updates)
        return [r for r in results if r is not None]

    def _load_existing(self, regs: list[Registration]) -> dict[tuple[str, str], Existing]:
        keys = list({(r.scheme, r.identifier) for r in regs})
        if not keys:
            return {}
        cols = [getattr(Seller, f) for f in SELLER_FIELDS]
        rows = self.session.execute(
            select(
                Identity.scheme,
                Identity.value,
                Identity.id,
                Identity.evidence_ref,
                Identity.verified_at,
                Identity.expires_at,
                Seller.id,
                Seller.public_id,
                Seller.version,
                *cols,
            )
            .join(Seller, Seller.id == Identity.seller_id)
            .where(_pairs_in(Identity.scheme, Identity.value, keys))
        ).all()
        out = {}
        for row in rows:
            seller = dict(zip(SELLER_FIELDS, row[9:]))
            seller.update(id=row[6], public_id=row[7], version=row[8])
            identity = {
                "id": row[2],
                "evidence_ref": row[3],
                "verified_at": row[4],
                "expires_at": row[5],
            }
            out[(row[0], row[1])] = Existing(seller, identity)
        return out

    def _load_bindings(self, regs: list[Registration]):
        domains = {d for r in regs for d in r.domains}
        stores = {(s["platform"], s["store_key"]) for r in regs for s in r.stores}
        bound_domains: dict[str, str] = {}
        bound_stores: dict[tuple[str, str], str] = {}
        if domains:
            for name, public_id in self.session.execute(
                select(Domain.domain, Seller.public_id)
                .join(Seller, Seller.id == Domain.seller_id)
                .where(Domain.domain.in_(domains))
            ):
                bound_domains[name] = public_id
        if stores:
            for platform, key, public_id in self.session.execute(
                select(Store.platform, Store.store_key, Seller.public_id)
                .join(Seller, Seller.id == Store.seller_id)
                .where(_pairs_in(Store.platform, Store.store_key, stores))
            ):
                bound_stores[(platform, key)] = public_id
        return bound_domains, bound_stores

    @staticmethod
    def _binding_conflict(reg, owner, bound_domains, bound_stores) -> dict[str, str]:
        errors = {}
        for domain in reg.domains:
            holder = bound_domains.get(domain)
            if holder is not None and holder != owner:
                errors["domains"] = f"{domain} is already bound to seller {holder}"
        for store in reg.stores:
            holder = bound_stores.get((store["platform"], store["store_key"]))
            if holder is not None and holder != owner:
                errors["stores"] = (
                    f"{store['platform']} shop {store['store_key']} is already "
                    f"bound to seller {holder}"
                )
        return errors

    @staticmethod
    def _new_links(reg, owner, bound_domains, bound_stores) -> list[str]:
        links = []
        if any(bound_domains.get(d) != owner for d in reg.domains):
            links.append("domains")
        if any(bound_stores.get((s["platform"], s["store_key"])) != owner for s in reg.stores):
            links.append("stores")
        return links

    @staticmethod
    def _diff(reg: Registration, current: Existing) -> dict[str, tuple[Any, Any]]:
        diff = {}
        for name, new in reg.seller.items():
            if current.seller.get(name) != new:
                diff[name] = (current.seller.get(name), new)
        for name, new in reg.identity.items():
            if name in ("verified_at", "expires_at") and not reg.explicit_verified_at:
                continue  # an implicit "verified now" is not a change by itself (idempotence)
            if current.identity.get(name) != new:
                diff[name] = (current.identity.get(name), new)
        if diff and not reg.explicit_verified_at:
            # A changed record is a fresh verification: it restarts the validity period.
            for name in ("verified_at", "expires_at"):
                diff[name] = (current.identity.get(name), reg.identity[name])
        return diff


def _pairs_in(first, second, pairs) -> Any:
    """``(first, second) IN pairs``, written so that SQLite uses the two-column index."""
    groups: dict[str, list[str]] = {}
    for a, b in pairs:
        groups.setdefault(a, []).append(b)
    return or_(*(and_(first == a, second.in_(bs)) for a, bs in groups.items()))
