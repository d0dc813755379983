"""What a feed's records are, and the service that applies them: one line per kind.

A kind names how its body is read (``canonical``: registration column names, Chinese or
English, mapped to fields) and the service the push route of the same records uses, called
as ``apply(session, actor, role, records)``; ``roles`` are the token roles it may run as.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ..events.service import EventService
from ..registration.importing import RawRecord
from ..registration.service import RegistrationService

Apply = Callable[[Session, str, str, list[RawRecord]], Iterable[Any]]


@dataclass(frozen=True)
class FeedKind:
    canonical: bool
    roles: tuple[str, ...]
    apply: Apply


def _registrations(session: Session, actor: str, role: str, records: list[RawRecord]):
    return RegistrationService(session, actor=actor, role=role).submit(records)


def _events(session: Session, actor: str, role: str, records: list[RawRecord]):
    return EventService(session, actor=actor, role=role).submit(records)


KINDS: dict[str, FeedKind] = {
    "registrations": FeedKind(True, ("regulator",), _registrations),
    "events": FeedKind(False, ("platform", "regulator"), _events),
}
FORMATS = ("csv", "json", "jsonl")
