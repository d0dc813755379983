"""What a feed's records are, and the service that applies them: one line per kind.

A kind names how its body is read (``canonical``: registration column names, Chinese or
English, mapped to fields), the token roles it may be applied as, and the service class the
push route of the same records uses: ``service(session, actor=..., role=...).submit(records)``
yields one result (``line``, ``status``) per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ..events.fraud import FraudReportService
from ..events.fulfillment import FulfillmentService
from ..events.sanctions import SanctionService
from ..events.service import EventService
from ..registration.importing import RawRecord
from ..registration.service import RegistrationService


@dataclass(frozen=True)
class FeedKind:
    canonical: bool
    roles: tuple[str, ...]
    service: Any  # a class: (session, actor=, role=) -> an object with submit(records)

    def apply(
        self, session: Session, actor: str, role: str, records: list[RawRecord]
    ) -> Iterable[Any]:
        return self.service(session, actor=actor, role=role).submit(records)


KINDS: dict[str, FeedKind] = {
    "registrations": FeedKind(True, ("regulator",), RegistrationService),
    "events": FeedKind(False, ("platform", "regulator"), EventService),
    "sanctions": FeedKind(False, ("regulator",), SanctionService),
    "fraud-reports": FeedKind(False, ("platform", "regulator"), FraudReportService),
    "fulfillment": FeedKind(False, ("platform",), FulfillmentService),
}
FORMATS = ("csv", "json", "jsonl")
