"""SQLModel table families; importing this module registers every table on the metadata."""

from __future__ import annotations

from sqlmodel import SQLModel

from .base import UTCDateTime, new_public_id, utcnow
from .event import COMPLAINT_CATEGORIES, COMPLAINT_STATES, FRAUD_TYPES, Complaint, Event
from .score import ScoreHistory, SellerScore
from .security import ROLES, ApiToken, Attestation, AuditEntry, ChangeLogEntry, JobCursor
from .seller import (
    DOMAIN_STATES,
    ENTITY_TYPES,
    STATUSES,
    Domain,
    Identity,
    IdentityRevision,
    Seller,
    SellerBase,
    SellerCreate,
    SellerUpdate,
    Store,
)

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Attestation",
    "AuditEntry",
    "COMPLAINT_CATEGORIES",
    "COMPLAINT_STATES",
    "ChangeLogEntry",
    "Complaint",
    "DOMAIN_STATES",
    "Domain",
    "ENTITY_TYPES",
    "Event",
    "FRAUD_TYPES",
    "Identity",
    "IdentityRevision",
    "JobCursor",
    "ROLES",
    "STATUSES",
    "ScoreHistory",
    "Seller",
    "SellerBase",
    "SellerCreate",
    "SellerScore",
    "SellerUpdate",
    "Store",
    "UTCDateTime",
    "metadata",
    "new_public_id",
    "utcnow",
]
