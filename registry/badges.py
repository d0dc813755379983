"""What a badge shows, and the signed statements platforms verify offline."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from .core.cache import SellerCache
from .core.errors import NotFound
from .core.prepared import PreparedSelect, one_of
from .registration.models import BOUND_STATES, Domain, Seller
from .scores.models import SellerScore
from .trust.embedding import BOUND, FOREIGN, Origin

# Caps that mean "do not trust this seller now": shown as a warning, never a friendly badge.
ALARM_CAPS = frozenset(
    {
        "fraud_finding",
        "sanction_major_fine",
        "abnormal_operations",
        "serious_illegal_list",
        "licence_revoked",
        "trading_ban",
    }
)


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
        if self.grade == "NR":
            return "unknown"
        return "ok"

    def etag(self, *parts: str) -> str:
        return hashlib.sha256("|".join((self.version, *parts)).encode()).hexdigest()[:32]


# One statement, so one snapshot: the seller, its score and its bound domains, one row per
# domain (or a single row with no domain). Core tables, not ORM entities: nothing to construct.
_SELLER, _SCORE, _DOMAIN = Seller.__table__, SellerScore.__table__, Domain.__table__
FACTS_QUERY = (
    select(
        _SELLER.c.id,
        _SELLER.c.public_id,
        _SELLER.c.legal_name,
        _SELLER.c.version,
        _SCORE.c.display_grade,
        _SCORE.c.value,
        _SCORE.c.verified,
        _SCORE.c.caps,
        _SCORE.c.computed_at.is_not(None).label("scored"),
        _DOMAIN.c.domain,
    )
    .select_from(
        _SELLER.outerjoin(_SCORE, _SCORE.c.seller_id == _SELLER.c.id).outerjoin(
            _DOMAIN,
            and_(_DOMAIN.c.seller_id == _SELLER.c.id, one_of(_DOMAIN.c.state, BOUND_STATES)),
        )
    )
    .where(_SELLER.c.public_id == bindparam("public_id"))
    .order_by(_DOMAIN.c.domain)
)


# A public id is a short word of lower-case letters, digits and dashes (new_public_id). Anything
# else names no seller and is not sent to the database, which may refuse it outright (a NUL).
_PUBLIC_ID = re.compile(r"[0-9a-z-]{1,16}")


def _checked(public_id: str) -> str:
    if not _PUBLIC_ID.fullmatch(public_id):
        raise NotFound(f"no seller with id {public_id[:40]!r}")
    return public_id


def _facts_from_rows(rows: Sequence[Sequence[Any]], public_id: str) -> BadgeFacts:
    if not rows:
        raise NotFound(f"no seller with id {public_id!r}")
    sid, pid, name, version, grade, value, verified, caps, scored, _ = rows[0]
    domains = tuple(r[9] for r in rows if r[9] is not None)
    alarms = tuple(sorted({c["reason"] for c in caps or [] if c["reason"] in ALARM_CAPS}))
    stamp = "|".join(
        map(
            str,
            (
                version,
                grade,
                round(value or 0, 1),
                verified,
                alarms,
                domains,
                bool(scored),
            ),
        )
    )
    return BadgeFacts(
        pid, name, grade or "NR", value, bool(verified), alarms, domains, stamp, seller_id=sid
    )


def badge_facts(session: Session, public_id: str) -> BadgeFacts:
    """Load the facts for one seller in the session's transaction (sees its own writes)."""
    rows = session.connection().execute(FACTS_QUERY, {"public_id": _checked(public_id)}).all()
    return _facts_from_rows(rows, public_id)


@lru_cache(maxsize=8)
def _plan(dialect: Dialect) -> PreparedSelect:
    return PreparedSelect(FACTS_QUERY, dialect, ("public_id",))


def _read(connection: Any, plan: PreparedSelect, public_id: str) -> list[Any]:
    cursor = connection.cursor()
    try:
        return plan.all(cursor, public_id=public_id)
    finally:
        cursor.close()


def read_facts(engine: Engine, public_id: str) -> BadgeFacts:
    """Load the facts for one seller outside any session: one prepared statement, no ORM.

    The statement is compiled once per dialect and run on a DBAPI connection with the bind
    and result conversions SQLAlchemy itself applies, sparing the per-call statement handling
    that costs many times the lookup itself.
    """
    _checked(public_id)
    raw = engine.raw_connection()
    try:
        rows = _read(raw, _plan(engine.dialect), public_id)
    finally:
        raw.close()  # back to the pool, which ends any transaction the driver began
    return _facts_from_rows(rows, public_id)


class FactsReader:
    """read_facts on a connection kept between calls, one per process and thread.

    A cache miss is the badge's slow path; checking a connection out of the pool and back in
    costs about as much as the lookup, so the reader keeps its own. Each read is its own
    transaction: SQLite connections run in autocommit, and any transaction the driver began
    (PostgreSQL) is rolled back at once, so no snapshot is held between requests.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._plan = _plan(engine.dialect)
        self._local = threading.local()

    def read(self, public_id: str) -> BadgeFacts:
        _checked(public_id)
        raw = self._connection()
        try:
            # The driver's own connection: the pool's wrapper adds nothing to a held one.
            dbapi = raw.dbapi_connection
            rows = _read(dbapi, self._plan, public_id)
            dbapi.rollback()
        except BaseException:
            # A broken connection is not reused; the next read takes a new one.
            self._local.__dict__.pop("raw", None)
            raw.invalidate()
            raise
        return _facts_from_rows(rows, public_id)

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
