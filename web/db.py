"""One database session per request, closed at teardown; handlers commit once."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from registry.core.db import make_engine, session_factory, writer


@dataclass
class Database:
    engine: Engine
    reader: sessionmaker
    writer: sessionmaker

    @classmethod
    def connect(cls, url: str) -> Database:
        engine = make_engine(url)
        return cls(engine, session_factory(engine), session_factory(writer(engine)))

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> None:
    app.extensions["registry_db"] = Database.connect(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["registry_db"]


def get_session() -> Session:
    """Return this request's session: a writer for unsafe methods, a reader otherwise."""
    if "db" not in g:
        db = database()
        unsafe = request and request.method not in ("GET", "HEAD", "OPTIONS")
        g.db = (db.writer if unsafe else db.reader)()
    return g.db


def job_session() -> Session:
    """Return a new writing session for a CLI command or a job (the caller closes it)."""
    return database().writer()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
