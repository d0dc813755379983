"""What one registration record and one domain claim may hold, from the columns and tuples
``validation`` and ``domains`` check against."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ..core.identifiers import SCHEMES
from ..core.shapes import Shape
from ..core.types import max_length
from ..events.fields import Text
from .models import ENTITY_TYPES, STATUSES, Domain, Identity, Seller

_Names = Annotated[
    list[str] | str | None, Field(description="a list, or one text split at ; ； 、 | or new lines")
]


def _text(model: type, name: str, description: str | None = None):  # type: ignore[no-untyped-def]
    return Annotated[str | None, Field(max_length=max_length(model, name), description=description)]


class RegistrationRecord(Shape):
    """A verified identity (``POST /api/v1/registrations``); CSV columns also in Chinese."""

    scheme: Literal[tuple(SCHEMES)] = "cn_uscc"  # type: ignore[valid-type]
    identifier: Annotated[str, Field(max_length=64, description="e.g. the 18-character USCC")]
    legal_name: Annotated[str, Field(max_length=max_length(Seller, "legal_name"))]
    english_name: _text(Seller, "english_name") = None
    entity_type: Literal[ENTITY_TYPES] | None = None  # type: ignore[valid-type]
    status: Annotated[
        str | None,
        Field(description="one of " + ", ".join(STATUSES) + ", or its Chinese word (存续, 吊销…)"),
    ] = None
    legal_representative: _text(Seller, "legal_representative") = None
    registration_authority: _text(Seller, "registration_authority") = None
    registered_address: _text(Seller, "registered_address") = None
    business_scope: _text(Seller, "business_scope") = None
    category: _text(Seller, "category") = None
    established_on: date | None = None
    verified_at: datetime | None = None
    expires_at: datetime | None = None
    evidence_ref: _text(Identity, "evidence_ref") = None
    icp_number: _text(Domain, "icp_number") = None
    domains: _Names = None
    stores: _Names = None


class DomainClaim(Shape):
    """``POST /api/v1/sellers/<id>/domains``: a merchant claims, a regulator binds."""

    model_config = ConfigDict(extra="forbid")
    noun = "a domain claim"
    domain: Text(max_length(Domain, "domain"), required=True, description="a host name")
    icp_number: Text(max_length(Domain, "icp_number"), description="a regulator's binding only")
