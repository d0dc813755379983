"""What the public sees of a seller: the only shapes handlers serialise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import SQLModel


class IdentityPublic(SQLModel):
    scheme: str
    value: str
    verified_by: str | None
    verifier_role: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    current: bool


class StorePublic(SQLModel):
    platform: str
    store_name: str
    store_url: str | None


class DomainPublic(SQLModel):
    domain: str
    state: str
    icp_number: str | None
    proven_at: datetime | None
    last_checked_at: datetime | None


class RegionPublic(SQLModel):
    area_code: str | None
    province: str | None
    city: str | None


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
    english_name: str | None
    former_names: list[str]
    aliases: list[str]
    entity_type: str
    status: str
    legal_representative: str | None
    established_on: date | None
    registered_address: str | None
    registration_authority: str | None
    region: RegionPublic
    business_scope: str | None
    category: str | None
    verified: bool
    identities: list[IdentityPublic]
    stores: list[StorePublic]
    domains: list[DomainPublic]
    score: ScorePublic | None
    version: int
    updated_at: datetime
