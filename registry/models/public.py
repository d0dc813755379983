"""What the public sees of a seller: the only shapes handlers serialise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlmodel import SQLModel


class IdentityPublic(SQLModel):
    scheme: str
    value: str
    verified_by: Optional[str]
    verifier_role: Optional[str]
    verified_at: Optional[datetime]
    expires_at: Optional[datetime]
    current: bool


class StorePublic(SQLModel):
    platform: str
    store_name: str
    store_url: Optional[str]


class DomainPublic(SQLModel):
    domain: str
    state: str
    icp_number: Optional[str]
    proven_at: Optional[datetime]
    last_checked_at: Optional[datetime]


class RegionPublic(SQLModel):
    area_code: Optional[str]
    province: Optional[str]
    city: Optional[str]


class ScorePublic(SQLModel):
    value: float
    grade: str
    display_grade: str
    verified: bool
    limited_history: bool
    caps: list[Any]
    explanation: dict[str, Any]
    version: int
    computed_at: datetime


class SellerPublic(SQLModel):
    id: str
    legal_name: str
    english_name: Optional[str]
    former_names: list[str]
    aliases: list[str]
    entity_type: str
    status: str
    legal_representative: Optional[str]
    established_on: Optional[date]
    registered_address: Optional[str]
    registration_authority: Optional[str]
    region: RegionPublic
    business_scope: Optional[str]
    category: Optional[str]
    verified: bool
    identities: list[IdentityPublic]
    stores: list[StorePublic]
    domains: list[DomainPublic]
    score: Optional[ScorePublic]
    version: int
    updated_at: datetime
