"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, and_, column, event, select, text, values
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

_WRITE_LOCK_KEY = 7_406_211  # arbitrary, constant: the registry's advisory lock id


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings each backend needs to keep the audit chain whole."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write and so lets two
    # writers read the same audit-chain head; take BEGIN IMMEDIATE ourselves so that writers
    # serialise (one writer at a time is SQLite's model anyway) and readers use WAL snapshots.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial wiring
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Once the log is reset, its file shrinks back to this size (see checkpoint).
        cursor.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - trivial wiring
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


#: a SQLite write-ahead log larger than this is checkpointed and truncated by ``checkpoint``
WAL_LIMIT_BYTES = 64 * 1024 * 1024
#: what a reset log keeps of its file (journal_size_limit)
WAL_KEEP_BYTES = 16 * 1024 * 1024
#: how long a checkpoint waits for readers to leave the log (writers wait as long at most),
#: and how many times it tries: two readers that always overlap can pass a stale read mark
#: from one to the other and so keep the log in use; one try in four met that, in a test
CHECKPOINT_WAIT_MS = 1000
CHECKPOINT_TRIES = 3


def wal_bytes(engine: Engine) -> int:
    """The size of a SQLite database's write-ahead log file (0 for PostgreSQL, or none)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return 0
    try:
        return Path(database + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


def checkpoint(engine: Engine, limit: int = WAL_LIMIT_BYTES) -> int | None:
    """Copy a SQLite log that grew past ``limit`` into the database and truncate it; return
    its size afterwards, or None when nothing was to do (PostgreSQL, or a small log).

    SQLite checkpoints by itself after each commit that leaves 1,000 pages in the log, but
    restarts the log from its beginning only when no reader uses it: with readers always
    overlapping (two web workers, the jobs' process), the file only grew, to 12 GB during a
    1,000,000-row ingest. TRUNCATE waits, up to CHECKPOINT_WAIT_MS, for the readers of the
    log to finish (new ones read the database file) and meanwhile holds writers off; if
    readers stay longer it tries again, and then gives up until the next call.
    """
    if wal_bytes(engine) <= limit:
        return None
    # The DBAPI connection, outside any transaction (SQLAlchemy would BEGIN first).
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for _ in range(CHECKPOINT_TRIES):
                busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    break
        finally:
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    finally:
        conn.close()
    return wal_bytes(engine)


# Rows SQLite's ANALYZE reads per index: approximate statistics in bounded time at any size.
ANALYSIS_LIMIT = 1000


def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics.

    SQLite gathers none by itself, and without them it chooses between two indexes that
    match a query equally well by their order in the schema: a profile's count of a seller's
    recent orders went through every order of every seller (ix_event_kind_time, 260 ms at
    480,000 events) instead of the seller's own (ix_event_seller_time, 0.1 ms) after a
    migration rebuilt the event table. PostgreSQL's autovacuum analyses on its own; an
    explicit ANALYZE after a bulk load does no harm there.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def writer(engine: Engine) -> Engine:
    """Return ``engine`` set up so that each transaction starts holding the write lock."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def session_factory(engine: Engine) -> sessionmaker:
    """Return a factory of SQLModel sessions bound to ``engine``."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database is out of reach for now (restarting,
    a connection lost, SQLite busy past its timeout): a 503 worth retrying, not a 500. The
    pool then checks each connection before use (``pool_pre_ping``) and recovers by itself."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "database is locked" in str(orig) or "database is busy" in str(orig)
    module = type(orig).__module__
    # psycopg's OperationalError: the server shut down or is starting, the connection broke
    return module.startswith("psycopg") and isinstance(exc, OperationalError | InterfaceError)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def lock_for_write(session: Session) -> None:
    """Serialise writers for the rest of this transaction.

    The audit log is a hash chain and the change log is consumed by sequence number: both need
    appends in commit order. PostgreSQL gets a transaction-scoped advisory lock; SQLite already
    holds its single write lock from BEGIN IMMEDIATE (see ``writer``).
    """
    if session.info.get("write_locked"):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
    session.info["write_locked"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session, transaction):  # pragma: no cover - trivial wiring
    if transaction.parent is None:
        # The lock and the audit chain's cached head belong to the transaction that ended
        # (committed or rolled back): the next one must look again.
        session.info.pop("write_locked", None)
        session.info.pop("audit_head", None)
        session.info.pop("changed_sellers", None)  # registry.journal.changelog.CHANGED_SELLERS


#: keys per lookup of rows_by_keys (two or three bound values each)
KEYS_PER_LOOKUP = 1000


def rows_by_keys(
    session: Session, model: Any, names: tuple[str, ...], keys: Iterable[tuple], *where: Any
) -> list[Any]:
    """The rows of *model* whose columns *names* equal one of *keys* (and *where*), by
    joining a VALUES list: the database probes its index once per key.

    ``a IN (...) AND b IN (...)`` matches the cross product of the lists: as a table grew,
    a batch's 5,000 (seller, day) pairs read most of it (an ingest slowed from 3,000 to
    700 rows a second at 800,000 rows), and an ``IN`` on the second column of an index
    alone reads every row of the first's value."""
    found: dict[Any, Any] = {}
    wanted = list(dict.fromkeys(keys))
    table = model.__table__
    for lo in range(0, len(wanted), KEYS_PER_LOOKUP):
        chunk = wanted[lo : lo + KEYS_PER_LOOKUP]
        listed = (
            values(*(column(n, table.c[n].type) for n in names), name="wanted")
            .data(chunk)
            .cte("wanted")
        )
        query = select(model).join(
            listed, and_(*where, *(getattr(model, n) == listed.c[n] for n in names))
        )
        for row in session.execute(query).scalars():
            found[row.id] = row
    return list(found.values())


def bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with one DBAPI executemany (a missing key takes the column default).

    The ORM's unit of work, and even Core's per-row parameter handling, cost several times
    the database's own insert time for large batches; here each column's bind processor is
    looked up once and applied directly.
    """
    if not rows:
        return
    conn = session.connection()
    keys = tuple(dict.fromkeys(k for row in rows for k in row))
    sql, order, names, fill, fns = _insert_plan(model.__table__, keys, conn.dialect)
    # A batch repeats its timestamps (every row of a chunk is stamped with the same "now"):
    # convert each distinct timestamp once.
    fns = [
        _memo(fn) if fn is not None and _is_time(model.__table__.c[k]) else fn
        for k, fn in zip(order, fns)
    ]
    values = [
        [
            row.get(k, fill[k]) if fn is None else fn(row.get(k, fill[k]))
            for k, fn in zip(order, fns)
        ]
        for row in rows
    ]
    if names is None:
        params: list = [tuple(v) for v in values]
    else:
        params = [dict(zip(names, v)) for v in values]
    conn.exec_driver_sql(sql, params)


def _is_time(column: Any) -> bool:
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's own type
    return isinstance(kind, DateTime)


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        found = seen.get(value)
        if found is None:
            found = seen[value] = fn(value)
        return found

    return convert


@lru_cache(maxsize=256)
def _insert_plan(table: Any, keys: tuple[str, ...], dialect: Any):
    """Compile an INSERT for these columns once: SQL, column order, bind names, defaults."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    if compiled.positional:
        order = [compiled.binds[name].key for name in compiled.positiontup]
        names = None
    else:
        order = [bind.key for bind in compiled.binds.values()]
        by_key = {bind.key: name for name, bind in compiled.binds.items()}
        names = [by_key[k] for k in order]
    # Columns the statement sets that a row lacks (Python-side defaults) get their default.
    fill = {k: _scalar_default(table.c[k]) for k in order}
    fns = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in order]
    return str(compiled), order, names, fill, fns


def _scalar_default(column: Any) -> Any:
    default = column.default
    if default is None or not default.is_scalar:
        return None
    return default.arg


def allocate_ids(session: Session, model: Any, count: int) -> list[int]:
    """Reserve ``count`` primary keys of ``model``'s table for an explicit-id bulk insert.

    RETURNING with executemany falls back to one statement per row on SQLite; reserving the
    ids first keeps the insert a single executemany on both backends.
    """
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": count},
            ).scalars()
        )
    # SQLite: writers hold the database's single write lock (BEGIN IMMEDIATE), so nobody else
    # can take these numbers before this transaction commits.
    lock_for_write(session)
    start = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()
    return list(range(start + 1, start + count + 1))


def bulk_insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new primary keys in the order of ``rows``."""
    if not rows:
        return []
    ids = allocate_ids(session, model, len(rows))
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
    bulk_insert(session, model, rows)
    return ids
