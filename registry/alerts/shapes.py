"""What a subscription request holds, from the limits ``service`` checks against."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from ..core.shapes import Line, Shape
from ..core.types import max_length
from .models import Subscription
from .service import MAX_SELLERS


class SubscriptionRequest(Shape):
    """``POST /api/v1/subscriptions``: a URL and one of sellers, region or category."""

    model_config = ConfigDict(extra="forbid")
    noun = "a subscription"
    url: Line(
        max_length(Subscription, "url"), required=True, description="https; public addresses only"
    )
    sellers: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=64)]],
            Field(max_length=MAX_SELLERS, description="public ids or credit codes"),
        ]
        | None
    ) = None
    region: Line(
        max_length(Subscription, "region"),
        description="a province or city name, or an area code's leading digits",
    ) = None
    category: Line(max_length(Subscription, "category")) = None
