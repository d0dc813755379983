"""What a badge shows (a projection of the seller's view), read and cached for its hot path.

The signed statements platforms verify offline (registry.trust.statements) say the same facts.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from ..core.cache import SellerCache
from ..core.errors import NotFound
from ..trust.embedding import BOUND, FOREIGN, Origin
from . import display
from .view import SellerView, read_views


@dataclass(frozen=True, slots=True)  # many thousands live in each worker's cache
class BadgeFacts:
    """The live facts a badge and the verification page show."""

    public_id: str
    legal_name: str
    grade: str  # display grade: a letter or NR
    value: float | None
    verified: bool
    alarms: tuple[str, ...]
    domains: tuple[str, ...]
    version: str  # changes whenever anything shown changes (ETag material)
    seller_id: int = 0  # internal id, to match change-log entries

    def state(self, origin: Origin | None = None) -> str:
        """Decide the badge state for a page at ``origin`` (the Referer's; None: unknown).

        A sanction, a fraud finding or a failing grade shows wherever the badge is. The
        friendly states need proof of where it is: an https origin on a bound domain. With
        no such proof the badge is neutral (it names the seller and sends the visitor to
        check it), and on any other site it warns that it was copied.
        """
        if self.alarms:
            return "sanctioned"
        if self.grade == "F":
            return "failing"
        standing = None if origin is None else origin.standing(self.domains)
        if standing == FOREIGN:
            return "warning"
        if standing != BOUND:
            return "neutral"
        if not self.verified:
            return "unverified"
        if self.grade == display.NR:
            return "unknown"
        return "ok"

    def etag(self, *parts: str) -> str:
        return hashlib.sha256("|".join((self.version, *parts)).encode()).hexdigest()[:32]


# A public id is a short word of lower-case letters, digits and dashes (new_public_id). Anything
# else names no seller and is not sent to the database, which may refuse it outright (a NUL).
_PUBLIC_ID = re.compile(r"[0-9a-z-]{1,16}")


def _checked(public_id: str) -> str:
    if not _PUBLIC_ID.fullmatch(public_id):
        raise NotFound(f"no seller with id {public_id[:40]!r}")
    return public_id


def facts_of(view: SellerView) -> BadgeFacts:
    """The badge's projection of a seller's view."""
    score = view.score
    grade = score.display_grade if score else None
    value = score.value if score else None
    verified = score.verified if score else None
    alarms = display.alarms(score.caps if score else None)
    domains = tuple(sorted(d.domain for d in view.domains))
    stamp = "|".join(
        map(
            str,
            (view.version, grade, round(value or 0, 1), verified, alarms, domains, bool(score)),
        )
    )
    return BadgeFacts(
        view.public_id,
        view.legal_name,
        grade or display.NR,
        value,
        bool(verified),
        alarms,
        domains,
        stamp,
        seller_id=view.seller_id,
    )


def _only(views: list[SellerView], public_id: str) -> BadgeFacts:
    if not views:
        raise NotFound(f"no seller with id {public_id!r}")
    return facts_of(views[0])


def badge_facts(session: Session, public_id: str) -> BadgeFacts:
    """Load the facts for one seller in the session's transaction (sees its own writes)."""
    views = read_views(session, public_ids=(_checked(public_id),), detail=False)
    return _only(views, public_id)


def _read(connection: Any, dialect: Dialect, public_id: str) -> BadgeFacts:
    cursor = connection.cursor()
    try:
        views = read_views((cursor, dialect), public_ids=(public_id,), detail=False)
    finally:
        cursor.close()
    return _only(views, public_id)


def read_facts(engine: Engine, public_id: str) -> BadgeFacts:
    """Load the facts for one seller outside any session: one prepared statement, no ORM.

    The statement is compiled once per dialect and run on a DBAPI connection with the bind
    and result conversions SQLAlchemy itself applies, sparing the per-call statement handling
    that costs many times the lookup itself.
    """
    _checked(public_id)
    raw = engine.raw_connection()
    try:
        return _read(raw, engine.dialect, public_id)
    finally:
        raw.close()  # back to the pool, which ends any transaction the driver began


class FactsReader:
    """read_facts on a connection kept between calls, one per process and thread.

    A cache miss is the badge's slow path; checking a connection out of the pool and back in
    costs about as much as the lookup, so the reader keeps its own. Each read is its own
    transaction: SQLite connections run in autocommit, and any transaction the driver began
    (PostgreSQL) is rolled back at once, so no snapshot is held between requests.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()

    def read(self, public_id: str) -> BadgeFacts:
        _checked(public_id)
        raw = self._connection()
        try:
            # The driver's own connection: the pool's wrapper adds nothing to a held one.
            dbapi = raw.dbapi_connection
            facts = _read(dbapi, self.engine.dialect, public_id)
            dbapi.rollback()
        except BaseException:
            # A broken connection is not reused; the next read takes a new one.
            self._local.__dict__.pop("raw", None)
            raw.invalidate()
            raise
        return facts

    def _connection(self) -> Any:
        held = getattr(self._local, "raw", None)
        # A forked child must not share its parent's connection.
        if held is None or held[0] != os.getpid():
            held = self._local.raw = (os.getpid(), self.engine.raw_connection())
        return held[1]

    def close(self) -> None:
        """Give this thread's connection back to the pool."""
        held = self._local.__dict__.pop("raw", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()


class _SessionOnDemand:
    """A session opened only when something uses it, closed on exit if it was opened.

    SellerCache opens a session around every load; a facts miss needs none (read_facts takes
    the engine), and building and closing an unused session costs about as much as the read.
    The change-log poll uses it, and so gets a real session.
    """

    def __init__(self, factory: sessionmaker) -> None:
        self._factory = factory
        self._session: Session | None = None

    def __enter__(self) -> _SessionOnDemand:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = self._factory()
        return getattr(self._session, name)


class FactsCache(SellerCache):
    """Badge facts per process: a badge is requested far more often than a record changes."""

    reader: FactsReader | None = None

    def get(self, session_factory: sessionmaker, public_id: str) -> BadgeFacts:  # type: ignore[override]
        """Return the facts of one seller, read through ``session_factory``'s engine on a miss."""
        engine = session_factory.kw["bind"]
        if self.reader is None or self.reader.engine is not engine:
            self.close()
            self.reader = FactsReader(engine)
        reader = self.reader

        def load(_unused: object) -> tuple[int, BadgeFacts]:
            facts = reader.read(public_id)
            return facts.seller_id, facts

        return super().get(lambda: _SessionOnDemand(session_factory), public_id, load)

    def close(self) -> None:
        """Give the reader's connection back (the cache itself stays usable)."""
        if self.reader is not None:
            self.reader.close()
