"""Upsert verified identities in batches: atomic per record, idempotent per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import journal
from ..core.db import bulk_insert, bulk_insert_ids
from ..core.errors import ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import new_public_id, utcnow
from ..display import DEMO_VERIFIER
from ..journal import ChangeKind
from ..journal.audit import Change, canonical_json
from .importing import RawRecord
from .models import Domain, Identity, IdentityRevision, Seller, SellerBase, Store
from .validation import Registration, validate_registration

CHUNK = 1000
SELLER_FIELDS = (
    "legal_name",
    "english_name",
    "former_names",
    "aliases",
    "entity_type",
    "status",
    "legal_representative",
    "established_on",
    "registered_address",
    "registration_authority",
    "area_code",
    "province",
    "city",
    "business_scope",
    "category",
)
IDENTITY_FIELDS = ("evidence_ref", "verified_at", "expires_at")


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


@dataclass
class _Existing:
    seller: dict[str, Any]
    identity: dict[str, Any]


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
        updates: list[tuple[int, Registration, _Existing, dict[str, tuple[Any, Any]]]] = []
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
        self._write_new(new_rows)
        self._write_updates(updates, bound_domains, bound_stores)
        return [r for r in results if r is not None]

    def _load_existing(self, regs: list[Registration]) -> dict[tuple[str, str], _Existing]:
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
            out[(row[0], row[1])] = _Existing(seller, identity)
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
    def _diff(reg: Registration, current: _Existing) -> dict[str, tuple[Any, Any]]:
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

    # -- writes ----------------------------------------------------------------------------

    def _write_new(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        now = self.now
        seller_rows = [
            {
                **_seller_defaults(),
                **r["seller"],
                "public_id": r["public_id"],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
        ]
        ids = bulk_insert_ids(self.session, Seller, seller_rows)
        identity_rows, store_rows, domain_rows, changes = [], [], [], []
        for seller_id, r in zip(ids, rows):
            reg: Registration = r["reg"]
            identity_rows.append(
                {
                    "seller_id": seller_id,
                    "scheme": reg.scheme,
                    "value": reg.identifier,
                    "verified_by": self.verifier,
                    "verifier_role": self.role,
                    "evidence_ref": None,
                    **r["identity"],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            store_rows += self._store_rows(seller_id, r["stores"])
            domain_rows += self._domain_rows(seller_id, r["domains"], reg.icp_number)
            changes.append(
                Change(
                    self.actor,
                    "registration.create",
                    "seller",
                    r["public_id"],
                    None,
                    {
                        "scheme": reg.scheme,
                        "identifier": reg.identifier,
                        **r["seller"],
                        **r["identity"],
                        "stores": r["stores"],
                        "domains": r["domains"],
                    },
                )
            )
        bulk_insert(self.session, Identity, identity_rows)
        if store_rows:
            bulk_insert(self.session, Store, store_rows)
        if domain_rows:
            bulk_insert(self.session, Domain, domain_rows)
        journal.record(self.session, changes, at=now, changed={ChangeKind.REGISTRATION: ids})

    def _write_updates(self, updates, bound_domains, bound_stores) -> None:
        if not updates:
            return
        now = self.now
        seller_rows, identity_rows, revisions, store_rows, domain_rows, changes = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for _i, reg, current, diff in updates:
            sid = current.seller["id"]
            current.seller["version"] += 1
            seller_rows.append(
                {
                    "id": sid,
                    "version": current.seller["version"],
                    "updated_at": now,
                    **{f: current.seller[f] for f in SELLER_FIELDS},
                }
            )
            identity_rows.append(
                {
                    "id": current.identity["id"],
                    "updated_at": now,
                    "verified_by": self.verifier,
                    "verifier_role": self.role,
                    **{f: current.identity[f] for f in IDENTITY_FIELDS},
                }
            )
            for name, (old, new) in diff.items():
                revisions.append(
                    {
                        "seller_id": sid,
                        "identity_id": current.identity["id"],
                        "field": name,
                        "old_value": _text(old),
                        "new_value": _text(new),
                        "changed_by": self.actor,
                        "changed_at": now,
                    }
                )
            known = self._known_links(sid) if reg.stores or reg.domains else set()
            store_rows += self._store_rows(
                sid,
                [s for s in reg.stores if (s["platform"], s["store_key"]) not in known],
            )
            domain_rows += self._domain_rows(
                sid, [d for d in reg.domains if d not in known], reg.icp_number
            )
            changes.append(
                Change(
                    self.actor,
                    "registration.update",
                    "seller",
                    current.seller["public_id"],
                    {k: v[0] for k, v in diff.items()},
                    {k: v[1] for k, v in diff.items()}
                    | (
                        {"stores": reg.stores, "domains": reg.domains}
                        if reg.stores or reg.domains
                        else {}
                    ),
                )
            )
        self.session.execute(update(Seller), seller_rows)
        self.session.execute(update(Identity), identity_rows)
        if revisions:
            bulk_insert(self.session, IdentityRevision, revisions)
        if store_rows:
            bulk_insert(self.session, Store, store_rows)
        if domain_rows:
            bulk_insert(self.session, Domain, domain_rows)
        journal.record(
            self.session,
            changes,
            at=now,
            changed={ChangeKind.REGISTRATION: [u[2].seller["id"] for u in updates]},
        )

    def _known_links(self, seller_id: int) -> set:
        known: set = set(
            self.session.execute(
                select(Domain.domain).where(Domain.seller_id == seller_id)
            ).scalars()
        )
        known |= {
            (platform, key)
            for platform, key in self.session.execute(
                select(Store.platform, Store.store_key).where(Store.seller_id == seller_id)
            )
        }
        return known

    def _store_rows(self, seller_id: int, stores: list[dict[str, str]]) -> list[dict[str, Any]]:
        unique = {(s["platform"], s["store_key"]): s for s in stores}
        return [{"seller_id": seller_id, **s, "created_at": self.now} for s in unique.values()]

    def _domain_rows(self, seller_id: int, domains: list[str], icp: str | None):
        return [
            {
                "seller_id": seller_id,
                "domain": d,
                "icp_number": icp,
                "state": "regulator_verified",
                "verified_by": self.verifier,
                "proven_at": self.now,
                "created_at": self.now,
            }
            for d in dict.fromkeys(domains)
        ]


def _text(value: Any) -> str | None:
    """Return a revision value as text: strings as they are, anything else as JSON."""
    return value if value is None or isinstance(value, str) else canonical_json(value)


def _pairs_in(first, second, pairs) -> Any:
    """``(first, second) IN pairs``, written so that SQLite uses the two-column index."""
    groups: dict[str, list[str]] = {}
    for a, b in pairs:
        groups.setdefault(a, []).append(b)
    return or_(*(and_(first == a, second.in_(bs)) for a, bs in groups.items()))


def _model_defaults() -> dict[str, Any]:
    out = {}
    for name in SELLER_FIELDS:
        info = SellerBase.model_fields[name]
        out[name] = info.default_factory if info.default_factory is not None else info.default
    return out


# Read once: pydantic's get_default() inspects the factory's signature on every call.
_DEFAULTS = _model_defaults()


def _seller_defaults() -> dict[str, Any]:
    """The model's defaults for every seller field (fresh lists each time)."""
    return {name: value() if callable(value) else value for name, value in _DEFAULTS.items()}
