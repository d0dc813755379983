"""The seller as every public surface reads it: one statement, one row per seller.

``SellerView`` holds the facts the profile, the API record, the search document and the badge
show; each of them is a projection of it (``registry.read``'s other modules). ``read_views``
is the only way they are read: one statement for one seller or many, the seller's score and
its identities, stores and bound domains in the same row (lists aggregated as JSON, so one
round trip and one snapshot). A badge's miss is the hottest read: ``detail=False`` leaves
out what it does not show, and the same statement is then as cheap as the badge's own was.

Views are plain slotted dataclasses, not frozen ones (building a frozen one costs several
times more on the hot path); nothing changes a view once read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, bindparam, exists, func, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlmodel import Session

from ..core.prepared import PreparedSelect, one_of
from ..core.types import utcnow
from ..events.models import Event
from ..registration.models import BOUND_STATES, Domain, Identity, Seller, Store
from ..scores.models import SellerScore
from . import decisions, display
from . import frauds as fraud_reports
from .warnings import WARNING_KINDS


@dataclass(slots=True)
class IdentityLine:
    scheme: str
    value: str
    verified_by: str | None
    verifier_role: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    current: bool  # a regulator's verification, unexpired when read (display.is_current)


@dataclass(slots=True)
class StoreLine:
    platform: str
    store_name: str
    store_url: str | None


@dataclass(slots=True)
class DomainLine:
    domain: str
    state: str  # a bound state only (registry.registration.models.BOUND_STATES)
    icp_number: str | None = None  # these three are read for a detailed view only
    proven_at: datetime | None = None
    last_checked_at: datetime | None = None


@dataclass(slots=True)
class ScoreView:
    value: float
    grade: str
    display_grade: str  # the grade, or NR for a limited history
    verified: bool  # as of the score's computation (what cached surfaces show)
    limited_history: bool
    caps: list[dict]
    version: int
    computed_at: datetime | None  # these two are read for a detailed view only
    parts: dict | None


@dataclass(slots=True)
class SellerView:
    """What the public may know of one seller, as ``read_views`` read it at its ``now``.

    Every view holds the facts a badge shows; a detailed one (``detail=True``, the default)
    holds the whole public record. A field left unread is None (its lists empty).
    """

    seller_id: int  # internal id, to match change-log entries
    public_id: str
    legal_name: str
    status: str
    version: int  # bumped on every change the public sees
    domains: tuple[DomainLine, ...]  # bound domains, in the order they were added
    score: ScoreView | None
    detailed: bool
    english_name: str | None = None
    former_names: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    entity_type: str | None = None
    legal_representative: str | None = None
    established_on: date | None = None
    registered_address: str | None = None
    registration_authority: str | None = None
    area_code: str | None = None
    province: str | None = None
    city: str | None = None
    business_scope: str | None = None
    category: str | None = None
    updated_at: datetime | None = None
    identities: tuple[IdentityLine, ...] = ()  # in the order they were registered
    stores: tuple[StoreLine, ...] = ()
    has_events: bool = False  # whether any event was recorded (the profile reads them only then)
    counts: dict[str, int] | None = None  # public events by kind, read by stream_views only
    sanctions: tuple[decisions.SanctionLine, ...] = ()  # published findings, newest first
    decided_events: frozenset[int] = frozenset()  # events with a decision, published or not
    frauds: tuple[
        fraud_reports.FraudLine, ...
    ] = ()  # fraud reports with what was lost, newest first

    @property
    def verified(self) -> bool:
        """Whether an identity's verification holds now (the profile and the API record)."""
        return any(i.current for i in self.identities)

    @property
    def demo(self) -> bool:
        return display.is_demo(i.verified_by for i in self.identities)

    @property
    def shown(self) -> display.Shown:
        """The grade, number, risk flags and demo mark the public is shown (display.py)."""
        score = self.score
        return display.shown(
            grade=score.display_grade if score else None,
            value=score.value if score else None,
            limited_history=bool(score and score.limited_history),
            caps=score.caps if score else None,
            status=self.status,
            demo=self.demo,
            verified=self.verified,
        )


class _json_rows(GenericFunction):
    """A JSON array of one array per row of the enclosing select, NULL for no row (nothing
    to decode); the rows' order is not kept: each array starts with the row's id."""

    type = JSON()
    inherit_cache = True


@compiles(_json_rows, "sqlite")
def _sqlite_rows(element, compiler, **kw):
    rows = f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"
    return f"CASE WHEN count(*) THEN {rows} END"


@compiles(_json_rows, "postgresql")
def _postgresql_rows(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


_seller, _score = Seller.__table__, SellerScore.__table__
_identity, _domain, _event = Identity.__table__, Domain.__table__, Event.__table__
_store = Store.__table__  # type: ignore[attr-defined]


def _rows_of(table, *columns, where=None):
    query = select(_json_rows(table.c.id, *columns)).where(table.c.seller_id == _seller.c.id)
    return (query if where is None else query.where(where)).scalar_subquery()


_identity_rows = _rows_of(
    _identity,
    _identity.c.scheme,
    _identity.c.value,
    _identity.c.verified_by,
    _identity.c.verifier_role,
    _identity.c.verified_at,
    _identity.c.expires_at,
)
_store_rows = _rows_of(_store, _store.c.platform, _store.c.store_name, _store.c.store_url)
_BOUND = one_of(_domain.c.state, BOUND_STATES)
# A badge needs the names only; the record shows when each was proven and checked.
_domain_names = _rows_of(_domain, _domain.c.domain, _domain.c.state, where=_BOUND)
_domain_rows = _rows_of(
    _domain,
    _domain.c.domain,
    _domain.c.state,
    _domain.c.icp_number,
    _domain.c.proven_at,
    _domain.c.last_checked_at,
    where=_BOUND,
)
# Findings with their decisions (removals and repairs have no event: they end a finding).
_sanction_rows = (
    select(_json_rows(*decisions.COLUMNS))
    .where(decisions.SELLER == _seller.c.id, decisions.JOIN)
    .scalar_subquery()
)
_fraud_rows = (
    select(_json_rows(*fraud_reports.COLUMNS))
    .select_from(fraud_reports.FROM)
    .where(fraud_reports.SELLER == _seller.c.id, fraud_reports.WHERE)
    .scalar_subquery()
)
# Read for every view: what the badge shows (its hot path reads no more).
_FACTS = (
    _seller.c.id,
    _seller.c.public_id,
    _seller.c.legal_name,
    _seller.c.status,
    _seller.c.version,
    _score.c.seller_id.label("scored"),
    _score.c.value,
    _score.c.grade,
    _score.c.display_grade,
    _score.c.verified,
    _score.c.limited_history,
    _score.c.caps,
    _score.c.version.label("score_version"),
)
# Read for a detailed view: the record's other columns and lists.
_DETAIL = (
    _seller.c.english_name,
    _seller.c.former_names,
    _seller.c.aliases,
    _seller.c.entity_type,
    _seller.c.legal_representative,
    _seller.c.established_on,
    _seller.c.registered_address,
    _seller.c.registration_authority,
    _seller.c.area_code,
    _seller.c.province,
    _seller.c.city,
    _seller.c.business_scope,
    _seller.c.category,
    _seller.c.updated_at,
    _identity_rows.label("identities"),
    _store_rows.label("stores"),
    exists().where(_event.c.seller_id == _seller.c.id).label("has_events"),
    _domain_rows.label("domains"),
    _sanction_rows.label("sanctions"),
    _fraud_rows.label("frauds"),
    _score.c.computed_at,
    _score.c.parts,
)
_FROM = _seller.outerjoin(_score, _score.c.seller_id == _seller.c.id)


def view_query(detail: bool = True):
    """The statement of ``read_views``: one row per seller, every list aggregated in it."""
    columns = (*_FACTS, *_DETAIL) if detail else (*_FACTS, _domain_names.label("domains"))
    return select(*columns).select_from(_FROM)


def _moment(value: Any) -> datetime | None:
    """A timestamp from JSON: SQLite's stored text (naive UTC) or PostgreSQL's ISO form."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _view(row: Any, now: datetime, detail: bool) -> SellerView:
    score = None
    if row.scored is not None:
        score = ScoreView(
            row.value,
            row.grade,
            row.display_grade,
            bool(row.verified),
            bool(row.limited_history),
            row.caps or [],
            row.score_version,
            row.computed_at if detail else None,
            (row.parts or {}) if detail else None,
        )
    if not detail:
        domains = tuple(DomainLine(d, state) for _, d, state in sorted(row.domains or ()))
        return SellerView(
            row.id, row.public_id, row.legal_name, row.status, row.version, domains, score, False
        )
    domains = tuple(
        DomainLine(name, state, icp, _moment(proven), _moment(checked))
        for _, name, state, icp, proven, checked in sorted(row.domains or ())
    )
    return SellerView(
        row.id,
        row.public_id,
        row.legal_name,
        row.status,
        row.version,
        domains,
        score,
        True,
        english_name=row.english_name,
        former_names=row.former_names or [],
        aliases=row.aliases or [],
        entity_type=row.entity_type,
        legal_representative=row.legal_representative,
        established_on=row.established_on,
        registered_address=row.registered_address,
        registration_authority=row.registration_authority,
        area_code=row.area_code,
        province=row.province,
        city=row.city,
        business_scope=row.business_scope,
        category=row.category,
        updated_at=row.updated_at,
        identities=tuple(
            IdentityLine(
                scheme,
                value,
                verified_by,
                role,
                verified_at := _moment(verified),
                expires_at := _moment(expires),
                display.is_current(role, verified_at, expires_at, now),
            )
            for _, scheme, value, verified_by, role, verified, expires in sorted(
                row.identities or ()
            )
        ),
        stores=tuple(StoreLine(*s[1:]) for s in sorted(row.stores or ())),
        has_events=bool(row.has_events),
        **decisions.published(row.sanctions or (), now, _moment),
        frauds=fraud_reports.published(row.frauds or (), _moment),
    )


@lru_cache(maxsize=16)
def prepared_view(dialect: Dialect, detail: bool = True) -> PreparedSelect:
    """The view of one seller by public id, compiled once for ``dialect`` (hot read paths)."""
    query = view_query(detail).where(_seller.c.public_id == bindparam("public_id"))
    return PreparedSelect(query, dialect, ("public_id",))


#: where read_views reads: a session or connection, or a DBAPI cursor and its dialect
Source = Session | Connection | tuple[Any, Dialect]


def read_views(
    source: Source,
    *,
    public_ids: tuple[str, ...] | list[str] = (),
    seller_ids: tuple[int, ...] | list[int] = (),
    detail: bool = True,
    now: datetime | None = None,
) -> list[SellerView]:
    """Read the views of the sellers with these ids (unknown ones are absent), in no order.

    ``source`` is a session or a connection (the read sees its transaction), or a DBAPI
    cursor with its dialect for one public id: the statement prepared once per dialect
    (registry.core.prepared), without SQLAlchemy's per-call statement handling. ``detail=False``
    reads only what a badge shows (``SellerView``); ``now`` decides which identities'
    verifications still hold.
    """
    now = now or utcnow()
    if isinstance(source, tuple):
        cursor, dialect = source
        (public_id,) = public_ids
        rows = prepared_view(dialect, detail).all(cursor, public_id=public_id)
    else:
        if not (public_ids or seller_ids):
            return []
        query = view_query(detail)
        if public_ids:
            query = query.where(_seller.c.public_id.in_(list(public_ids)))
        if seller_ids:
            query = query.where(_seller.c.id.in_(list(seller_ids)))
        connection = source.connection() if isinstance(source, Session) else source
        rows = connection.execute(query).all()
    return [_view(row, now, detail) for row in rows]


#: the event kinds whose public count a streamed view carries (orders are counted nowhere
#: public but in the profile's rates; a complaint found invalid is nobody's to count)
COUNTED = {"complaint": "complaints", "fraud_report": "fraud_reports"}
_NOT_COUNTED = ("order",)


def _counts_query(lo: int, hi: int):
    return (
        select(_event.c.seller_id, _event.c.kind, func.count())
        .where(
            _event.c.seller_id.between(lo, hi),
            _event.c.kind.not_in(_NOT_COUNTED),
            display.not_withdrawn(_event.c.resolution),
        )
        .group_by(_event.c.seller_id, _event.c.kind)
    )


def stream_views(
    source: Session | Connection, *, chunk: int = 500, now: datetime | None = None
) -> Iterator[list[SellerView]]:
    """Yield every seller's detailed view, ``chunk`` sellers at a time, in id order.

    Keyset pages of ``view_query`` (one statement per chunk, never an offset), each view with
    its public ``counts``: ``complaints``, ``fraud_reports`` and ``sanctions`` (every other
    kind but orders). Memory holds one chunk, whatever the registry's size.
    """
    now = now or utcnow()
    connection = source.connection() if isinstance(source, Session) else source
    query = view_query().order_by(_seller.c.id).limit(chunk)
    last = 0
    while True:
        rows = connection.execute(query.where(_seller.c.id > last)).all()
        if not rows:
            return
        views = [_view(row, now, True) for row in rows]
        by_id = {v.seller_id: v for v in views}
        for view in views:
            view.counts = {"complaints": 0, "fraud_reports": 0, "sanctions": 0}
        lo, last = views[0].seller_id, views[-1].seller_id
        for seller_id, kind, n in connection.execute(_counts_query(lo, last)):
            name = COUNTED.get(kind) or ("sanctions" if kind in WARNING_KINDS else None)
            if name and seller_id in by_id:
                by_id[seller_id].counts[name] += n  # type: ignore[index]
        yield views
        if len(rows) < chunk:
            return
