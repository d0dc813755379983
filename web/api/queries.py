"""The query strings of the API's read routes: what the handlers read them with
(``web.request.query_args``) and what the API document publishes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from registry.core.identifiers import SCHEMES
from registry.disputes.models import STATES as DISPUTE_STATES

from ..request import MAX_PER_PAGE, MAX_QUERY, Query, paging, whole_number

#: the values of ``verified`` that ask for verified sellers only (any other: all sellers)
VERIFIED = ("1", "true", "yes")
#: the kinds of narrative ``GET /api/v1/reports`` searches
REPORT_KINDS = ("complaint", "fraud_report")


class SellerSearch(paging(20, MAX_PER_PAGE)):  # type: ignore[misc]
    """``GET /api/v1/sellers``: a name, pinyin, code, domain or shop URL, and filters."""

    q: Annotated[
        str,
        Field(
            description="name (2+ characters), pinyin, credit code, domain or shop URL; "
            f"at most {MAX_QUERY} characters of a name are searched"
        ),
    ] = ""
    verified: Annotated[
        str | None, Field(description=", ".join(VERIFIED) + ": verified sellers only")
    ] = None
    grade: Annotated[str | None, Field(description="A, B, C, D, E or NR")] = None
    province: str | None = None
    city: str | None = None
    category: str | None = None


class Lookup(Query):
    """``GET /api/v1/lookup``: exactly one of ``code``, ``domain`` or ``url``."""

    code: Annotated[str | None, Field(description="e.g. 91110000600037341L")] = None
    scheme: Literal[tuple(SCHEMES)] = "cn_uscc"  # type: ignore[valid-type]
    domain: str | None = None
    url: Annotated[str | None, Field(description="a marketplace shop URL")] = None


class Suggest(Query):
    """``GET /api/v1/suggest``: names completing what was typed."""

    q: str = ""
    limit: whole_number(10, 1, 25) = 10


class ReportSearch(Query):
    """``GET /api/v1/reports``: which sellers public narratives name."""

    q: str = ""
    kind: Annotated[
        Annotated[str, Field(json_schema_extra={"enum": list(REPORT_KINDS)})] | None,
        Field(description="both when absent"),
    ] = None
    limit: whole_number(20, 1, 100) = 20


class DisputeQueue(paging()):  # type: ignore[misc]
    """``GET /api/v1/disputes``: a source's queue by status (a merchant gets its own, whole)."""

    status: Annotated[
        Literal[(*DISPUTE_STATES, "all")],  # type: ignore[valid-type]
        Field(description="default open"),
    ] = "open"
