"""Data in and out of the database: migrations, imports, the demo set, audit, public texts."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from registry.core import migrate
from registry.journal import audit
from registry.registration.columns import column_report
from registry.registration.service import RegistrationService

from ..db import database, job_session
from ..outbound import sealing_key
from .records import CHUNK_OPTION, ENCODING, FILE, FORMAT, apply_records, read_records

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(database().engine, revision, sealing_key(current_app))
    click.echo(f"database at {migrate.current(database().engine)}")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(database().engine, revision, sealing_key(current_app))
    click.echo(f"database at {migrate.current(database().engine)}")


@db_group.command("revision")
@click.argument("message")
def db_revision(message: str) -> None:
    """Draft a new migration from the difference between the models and the database."""
    migrate.revision(database().engine, message)


@db_group.command("current")
def db_current() -> None:
    """Show the applied migration."""
    click.echo(migrate.current(database().engine) or "(empty database)")


@click.command("import-registrations")
@with_appcontext
@FILE
@FORMAT
@ENCODING
@CHUNK_OPTION
@click.option("--verified-by", default="registry operator", show_default=True)
def import_registrations(
    path: Path, fmt: str | None, encoding: str | None, chunk: int, verified_by: str
) -> None:
    """Import verified identities from a CSV, JSON or JSON Lines file."""
    records = read_records(path, fmt, encoding, canonical=True)
    for warning in column_report(records).warnings():
        click.echo(f"{path.name}: warning: {warning['message']}", err=True)
    actor = f"regulator:{verified_by}"
    apply_records(path, records, lambda s: RegistrationService(s, actor=actor).submit, chunk)


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit log's hash chain; exit 1 if it was tampered with."""
    with job_session() as session:
        report = audit.verify_chain(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} entries")
        return
    click.echo(
        f"audit chain BROKEN at entry {report.first_bad_id}: {report.problem} "
        f"({report.checked} entries before it are intact)",
        err=True,
    )
    sys.exit(1)


@click.command("load-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if the registry is not empty.")
@click.option("--count", default=300, show_default=True, help="How many sellers.")
def load_demo(force: bool, count: int) -> None:
    """Load the generated demo data set into an empty registry."""
    from registry.demo import generate as demo

    with job_session() as session:
        if not force and not demo.is_empty(session):
            click.echo("registry is not empty; demo data not loaded")
            return
        summary = demo.load(
            session, count=count, shared_data=current_app.config.get("SHARED_DATA_DIR")
        )
        session.commit()
    click.echo(f"demo data loaded: {summary}")


@click.command("rescrub")
@with_appcontext
def rescrub() -> None:
    """Derive every public text again from its private original with the current scrubber."""
    from registry.privacy.gate import rescrub as derive_again

    with job_session() as session:
        counts = derive_again(session)
        session.commit()
    click.echo(
        f"public texts derived again: {counts['event']} event summaries and "
        f"{counts['complaint']} complaint texts changed"
    )
