"""What one registration record and one domain claim may hold: the columns and tuples
``validation`` and ``domains`` check against, each field run by its rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from ..core.identifiers import SCHEMES
from ..core.shapes import Line, Shape, ruled
from ..core.types import max_length
from .models import ENTITY_TYPES, STATUSES, Domain, Identity, Seller
from .validation import parse_date, parse_datetime

_Names = Annotated[
    list[str] | str | None, Field(description="a list, or one text split at ; ； 、 | or new lines")
]
_Store = Annotated[
    dict[str, Any],
    Field(description='{"store_url": "...", "store_name": "..."} (or "url", "name")'),
]


def _moment(value: Any, key: str) -> datetime | None:
    return parse_datetime(value) if value not in (None, "") else None


def _day(value: Any, key: str) -> date | None:
    return parse_date(value) if value not in (None, "") else None


class RegistrationRecord(Shape):
    """A verified identity (``POST /api/v1/registrations``); CSV columns also in Chinese.

    Each text is one clean line within its column; the scheme's identifier, the status's
    words, domains, shop URLs and the e-mail address are checked by ``validation``."""

    scheme: Annotated[
        str | None, Field(description="one of " + ", ".join(SCHEMES) + "; default cn_uscc")
    ] = None
    identifier: Line(64, required=True, description="e.g. the 18-character USCC")
    legal_name: Line(max_length(Seller, "legal_name"), required=True)
    english_name: Line(max_length(Seller, "english_name"))
    entity_type: Line(
        100,
        description="one of "
        + ", ".join(ENTITY_TYPES)
        + ", or the register's words (分公司, 个体工商户, 外商投资…): another reads as company",
    )
    status: Line(
        100, description="one of " + ", ".join(STATUSES) + ", or its Chinese word (存续, 吊销…)"
    )
    legal_representative: Line(max_length(Seller, "legal_representative"))
    registration_authority: Line(max_length(Seller, "registration_authority"))
    registered_address: Line(max_length(Seller, "registered_address"))
    business_scope: Line(max_length(Seller, "business_scope"))
    category: Line(max_length(Seller, "category"))
    contact_email: Line(max_length(Seller, "contact_email"), description="never published")
    established_on: Annotated[date | None, BeforeValidator(ruled(_day))] = None
    verified_at: Annotated[
        datetime | None, BeforeValidator(ruled(_moment)), Field(description="default now")
    ] = None
    expires_at: Annotated[
        datetime | None,
        BeforeValidator(ruled(_moment)),
        Field(description="default a year after verified_at"),
    ] = None
    evidence_ref: Line(max_length(Identity, "evidence_ref"))
    icp_number: Line(max_length(Domain, "icp_number"))
    domains: _Names = None
    stores: Annotated[list[str | _Store] | str | None, Field(description="shop URLs")] = None
    former_names: _Names = None
    aliases: _Names = None


class DomainClaim(Shape):
    """``POST /api/v1/sellers/<id>/domains``: a merchant claims, a regulator binds."""

    model_config = ConfigDict(extra="forbid")
    noun = "a domain claim"
    domain: Line(max_length(Domain, "domain"), required=True, description="a host name")
    icp_number: Line(max_length(Domain, "icp_number"), description="a regulator's binding only")
