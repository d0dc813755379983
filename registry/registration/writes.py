"""Write what a registration batch decided: new sellers, changed ones, revisions, links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from .. import journal
from ..complaints.sites import SiteReports
from ..core.db import bulk_insert, bulk_insert_ids
from ..journal import Change, ChangeKind
from ..journal.audit import canonical_json
from .models import Domain, Identity, IdentityRevision, Seller, Store
from .validation import Registration

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
    "contact_email",  # private (registry.privacy.gate): read by the complaint notices only
)
IDENTITY_FIELDS = ("evidence_ref", "verified_at", "expires_at")


@dataclass
class Existing:
    """A registered identity's current seller and identity fields, as read."""

    seller: dict[str, Any]
    identity: dict[str, Any]


class RegistrationWriter:
    """Writes a chunk's new and changed registrations in bulk (the caller commits)."""

    def __init__(self, session: Session, actor: str, verifier: str, role: str, now: datetime):
        self.session = session
        self.actor = actor
        self.verifier = verifier
        self.role = role
        self.now = now

    def create(self, rows: list[dict[str, Any]]) -> None:
        """Insert new sellers with their identity, stores and domains; audit and mark them."""
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
        self._attach_site_reports(domain_rows)

    def update(self, updates: list[tuple[int, Registration, Existing, dict]]) -> None:
        """Write changed registrations: seller and identity rows, revisions, new links."""
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
        self._attach_site_reports(domain_rows)

    def _attach_site_reports(self, domain_rows: list[dict[str, Any]]) -> None:
        """Reports of a site made before its domain was bound now reach its seller."""
        if domain_rows:
            SiteReports(self.session, self.now).attach_many(
                [(r["seller_id"], r["domain"]) for r in domain_rows], self.actor
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


def _model_defaults() -> dict[str, Any]:
    out = {}
    for name in SELLER_FIELDS:
        info = Seller.model_fields[name]
        out[name] = info.default_factory if info.default_factory is not None else info.default
    return out


# Read once: pydantic's get_default() inspects the factory's signature on every call.
_DEFAULTS = _model_defaults()


def _seller_defaults() -> dict[str, Any]:
    """The model's defaults for every seller field (fresh lists each time)."""
    return {name: value() if callable(value) else value for name, value in _DEFAULTS.items()}
