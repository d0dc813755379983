"""Every table of the registry: importing this module registers them all on the metadata
(Alembic's migrations/env.py and the tests that create a schema read ``metadata``)."""

from __future__ import annotations

from sqlmodel import SQLModel

from .accounts import models as accounts
from .alerts import models as alerts
from .complaints import models as complaints
from .disputes import models as disputes
from .events import fulfillment_models as fulfillment
from .events import models as events
from .feeds import models as feeds
from .journal import models as journal
from .notify import models as notify
from .registration import models as registration
from .scores import models as scores
from .trust import models as trust

metadata = SQLModel.metadata
ROOMS = (
    accounts,
    alerts,
    complaints,
    disputes,
    events,
    feeds,
    fulfillment,
    journal,
    notify,
    registration,
    scores,
    trust,
)

#: tables of the database that no model describes: the seller search on PostgreSQL
#: (migrations/versions/0017_search_postgres.py; written by the search package itself)
UNMODELLED_PREFIX = "search_"


def modelled(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name``: leave out of comparisons what no model describes."""
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIX))
