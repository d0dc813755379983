"""One database session per request, closed at teardown; handlers commit once.

With ``DATABASE_REPLICA_URLS``, the public reads of ``REPLICA_ENDPOINTS`` (searches,
profiles, badges, exports) go to a streaming replica that keeps up
(registry.core.replicas); every write, every other read and every job goes to the primary.

A person reads their own writes: a request that commits gets the ``WROTE_COOKIE`` cookie,
the primary's WAL position just after its commit. Reads that bring it go to a replica only
once that replica has replayed that far, and until then to the primary; they skip the
per-process caches, which may hold a page from before the write. A position, not a time:
it sends such a reader back to a replica as soon as the replica holds the write, and
however far a replica falls behind, never before. The cookie lives only as long as a
replica may lag and still be read (``REPLICA_MAX_LAG_SECONDS`` and one check).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from registry.core.db import make_engine, session_factory, unavailable, writer
from registry.core.replicas import Replicas, lsn

log = logging.getLogger(__name__)

#: the reads a replica may answer: public, and tolerant of a lag of a few seconds
REPLICA_ENDPOINTS = frozenset(
    {
        # searches
        "pages.search",
        "api.search_sellers",
        "api.suggest",
        "api.search_reports",
        "api.lookup",
        # profiles
        "pages.seller",
        "api.get_seller",
        "api.score_history",
        # badges
        "badge.badge_svg",
        "badge.badge_js",
        "badge.embed",
        "badge.verify",
        # exports (streamed before the first nightly file)
        "api.export_sellers_jsonl",
        "api.export_sellers_csv",
        "api.export_complaints_jsonl",
    }
)
#: the primary's WAL position after this client's last write (a number of bytes)
WROTE_COOKIE = "wrote_at"


@dataclass
class Database:
    engine: Engine
    reader: sessionmaker
    writer: sessionmaker
    replicas: Replicas | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        replica_urls: list[str] | tuple[str, ...] = (),
        max_lag: float = 5.0,
        check_every: float = 1.0,
    ) -> Database:
        engine = make_engine(url)
        replicas = None
        if replica_urls:
            if make_url(url).get_backend_name() != "postgresql":
                raise ValueError("DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL")
            replicas = Replicas(engine, list(replica_urls), max_lag, check_every)
        db = cls(engine, session_factory(engine), session_factory(writer(engine)), replicas)
        for factory in (db.reader, db.writer):
            event.listen(factory, "after_commit", _note_commit)
        return db

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replicas is not None:
            self.replicas.dispose()


def _note_commit(session: Session) -> None:
    session.info["committed"] = True


def init_app(app: Flask) -> None:
    app.extensions["registry_db"] = Database.connect(
        app.config["DATABASE_URL"],
        app.config.get("DATABASE_REPLICA_URLS") or (),
        float(app.config["REPLICA_MAX_LAG_SECONDS"]),
        float(app.config["REPLICA_CHECK_SECONDS"]),
    )
    app.teardown_appcontext(_close_session)
    app.after_request(_remember_write)


def database() -> Database:
    return current_app.extensions["registry_db"]


def get_session() -> Session:
    """Return this request's session: a writer for unsafe methods, a replica's reader for
    the reads of REPLICA_ENDPOINTS (when one keeps up), the primary's reader otherwise."""
    if "db" not in g:
        db = database()
        unsafe = request and request.method not in ("GET", "HEAD", "OPTIONS")
        g.db = (db.writer if unsafe else public_reader())()
    return g.db


def public_reader() -> sessionmaker:
    """The reader of this request: a replica that holds this client's own writes when the
    request is one of REPLICA_ENDPOINTS, else the primary's."""
    db = database()
    if db.replicas is None or not has_request_context():
        return db.reader
    if request.endpoint not in REPLICA_ENDPOINTS:
        return db.reader
    chosen = db.replicas.choose(written_at())
    return db.reader if chosen is None else db.replicas.readers[chosen]


def cache_reader() -> sessionmaker | None:
    """The reader behind this process's caches of public pages and badges (and their
    change-log poll), or None when this client wrote lately: it reads afresh, uncached."""
    db = database()
    if db.replicas is not None and has_request_context() and written_at() is not None:
        return None
    return node_reader(db)


def node_reader(db: Database) -> sessionmaker:
    """The reader of this process's caches: a replica that keeps up, else the primary."""
    if db.replicas is None:
        return db.reader
    chosen = db.replicas.choose()
    return db.reader if chosen is None else db.replicas.readers[chosen]


def written_at() -> int | None:
    """The WAL position of this client's last write, from its cookie (None: none lately)."""
    raw = request.cookies.get(WROTE_COOKIE)
    if not raw or not raw.isdigit() or len(raw) > 20:
        return None
    return int(raw)


def job_session() -> Session:
    """Return a new writing session for a CLI command or a job (the caller closes it)."""
    return database().writer()


def _remember_write(response: Response) -> Response:
    """After a commit, give the client the primary's WAL position (see the module doc)."""
    db = database()
    session = g.get("db")
    if db.replicas is None or session is None or not session.info.get("committed"):
        return response
    try:
        with db.engine.connect() as conn:
            # The insert position, not the flushed one: it already lies past this commit
            # even under synchronous_commit=off.
            position = lsn(conn.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar())
    except DBAPIError:
        return response  # the write is answered; its readers may meet the lag once
    lifetime = math.ceil(db.replicas.max_lag + db.replicas.every) + 1
    response.set_cookie(
        WROTE_COOKIE,
        str(position),
        max_age=lifetime,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as exc:
        # The answer is made already; a connection that died under it (a replica killed, the
        # primary restarting) fails the closing ROLLBACK, which raised out of the teardown
        # and turned a sent answer into gunicorn's 500. The pool drops the connection.
        if not unavailable(exc):
            raise
        log.warning("a database connection was lost as its request ended: %s", exc.orig)
        session.invalidate()
