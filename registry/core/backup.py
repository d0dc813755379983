"""Backups of the registry's database, and their restoration.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the site keeps serving and writing, page by page, never a half-written file.
PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot, whatever runs meanwhile),
restored with ``pg_restore --clean``. Beside each backup a manifest (``PATH.json``) states
the schema revision, every table's row count, the audit chain's head and the file's SHA-256:
a restore refuses a file that does not match its manifest, and says what it restored.

The search index and the signed statements are derived data: after a restore the caller
rebuilds the index (the database is the source of truth).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from ..journal import audit


class BackupError(Exception):
    """A backup or restore that could not be done, with the reason in words."""


@dataclass(frozen=True)
class Manifest:
    dialect: str
    revision: str | None
    tables: dict[str, int]
    audit_head: str | None
    sha256: str

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def describe(engine: Engine) -> tuple[str | None, dict[str, int], str | None]:
    """The schema revision, every table's row count and the audit chain's head."""
    with engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        tables = {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in names
        }
        revision = None
        if "alembic_version" in names:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = audit.head_hash(conn) if "audit_log" in names else None
    return revision, tables, head


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq (pg_dump, pg_restore) reads it, password included."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def backup(engine: Engine, path: Path) -> Manifest:
    """Write a consistent copy of the database to ``path`` and its manifest beside it."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists: a backup never overwrites a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            target = sqlite3.connect(partial)
            try:
                with target:
                    source.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            raw.close()
        described = describe_sqlite(partial)
    elif engine.dialect.name == "postgresql":
        # Counted as the dump starts: writes meanwhile may add rows to the dump's snapshot.
        described = describe(engine)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), _libpq_url(engine)]
        )
    else:
        raise BackupError(f"no backup for {engine.dialect.name}")
    os.replace(partial, path)
    manifest = Manifest(engine.dialect.name, *described, sha256=_sha256(path))
    manifest_path(path).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def describe_sqlite(path: Path) -> tuple[str | None, dict[str, int], str | None]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        return describe(engine)
    finally:
        engine.dispose()


def read_manifest(path: Path) -> Manifest:
    try:
        data: dict[str, Any] = json.loads(manifest_path(path).read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{manifest_path(path)}: no readable manifest ({exc})") from None


def restore(engine: Engine, path: Path) -> Manifest:
    """Replace the database's contents with the backup at ``path`` (checked first)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    manifest = read_manifest(path)
    if manifest.dialect != engine.dialect.name:
        raise BackupError(
            f"{path} is a {manifest.dialect} backup; this registry runs on {engine.dialect.name}"
        )
    if _sha256(path) != manifest.sha256:
        raise BackupError(f"{path} does not match its manifest's SHA-256: damaged or changed")
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            raw = engine.raw_connection()
            try:
                with source:
                    source.backup(raw.driver_connection)  # type: ignore[arg-type]
            finally:
                raw.close()
        finally:
            source.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(engine),
                str(path),
            ]
        )
    engine.dispose()  # pooled connections may hold the old pages or a stale schema
    return manifest
