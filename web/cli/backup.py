"""Backups: ``flask backup PATH`` and ``flask restore PATH``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import database


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH (the site may keep running), with a
    manifest beside it (PATH.json: revision, row counts, audit head, SHA-256)."""
    from registry.core.backup import BackupError
    from registry.core.backup import backup as write

    try:
        manifest = write(database().engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest.tables.values())
    click.echo(
        f"backup written: {path} ({manifest.dialect}, schema {manifest.revision}, "
        f"{len(manifest.tables)} tables, {rows} rows, sha256 {manifest.sha256[:16]}...)"
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database's contents: nothing else asks.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH, then migrate it, check the audit chain
    and rebuild the search index. Stop the site and the scheduler first."""
    from flask import current_app

    from registry.core.backup import BackupError
    from registry.core.backup import restore as read
    from registry.core.migrate import upgrade
    from registry.journal import audit

    from ..indexing import index_paths, rebuild
    from ..outbound import sealing_key

    if not yes:
        raise click.ClickException("restore replaces every row of the database: add --yes")
    engine = database().engine
    try:
        manifest = read(engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    # a backup of an older release is brought to this one's schema
    upgrade(engine, sealing_key=sealing_key(current_app))
    with database().reader() as session:
        report = audit.verify_chain(session)
        count = rebuild(session, index_paths())
    click.echo(
        f"restored {path} (schema {manifest.revision}, "
        f"{sum(manifest.tables.values())} rows); index rebuilt: {count} sellers"
    )
    if not report.ok:
        click.echo(f"audit chain BROKEN at entry {report.first_bad_id}: {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {report.checked} entries")
