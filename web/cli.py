"""Command-line tools: ``flask --app wsgi <command>``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from registry.core import migrate
from registry.core.errors import RegistryError
from registry.journal import audit
from registry.registration.columns import column_report
from registry.registration.importing import parse_batch, sniff_format
from registry.registration.service import RegistrationService

from .db import database, job_session

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(database().engine, revision)
    click.echo(f"database at {migrate.current(database().engine)}")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(database().engine, revision)
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
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl"]),
    default=None,
    help="Default: from the file name.",
)
@click.option("--encoding", default=None, help="Default: UTF-8 (BOM or not) or GB18030.")
@click.option("--verified-by", default="registry operator", show_default=True)
def import_registrations(
    path: Path, fmt: str | None, encoding: str | None, verified_by: str
) -> None:
    """Import verified identities from a CSV, JSON or JSON Lines file."""
    try:
        records = list(
            parse_batch(path.read_bytes(), fmt or sniff_format(None, path.name), encoding)
        )
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except RegistryError as exc:
        # One line that names the line of the file: the whole file is refused, nothing written.
        raise click.ClickException(f"{path}: {exc.message}") from None
    for warning in column_report(records).warnings():
        click.echo(f"{path.name}: warning: {warning['message']}", err=True)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    rejected = []
    with job_session() as session:
        service = RegistrationService(session, actor=f"regulator:{verified_by}")
        with click.progressbar(length=len(records), label="importing", file=sys.stderr) as bar:
            for result in service.submit(records):
                counts[result.status] += 1
                if result.status == "rejected":
                    rejected.append(result)
                bar.update(1)
        session.commit()
    for result in rejected:
        detail = "; ".join(f"{k}: {v}" for k, v in result.errors.items())
        click.echo(f"{path.name}:{result.line}: rejected: {detail}", err=True)
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f" ({len(records)} records)")
    if rejected:
        sys.exit(1)


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


@click.command("rescore")
@click.option("--all", "everyone", is_flag=True, help="Every seller, not only changed ones.")
@click.option("--full", is_flag=True, help="Recompute from all events, ignoring stored state.")
@with_appcontext
def rescore(everyone: bool, full: bool) -> None:
    """Rescore changed sellers (or all of them) now."""
    from sqlalchemy import func, select

    from registry.registration.models import Seller
    from registry.scores.service import ScoreService

    with job_session() as session:
        service = ScoreService(session)
        if everyone:
            total = session.execute(select(func.count()).select_from(Seller)).scalar_one()
            with click.progressbar(length=total, label="rescoring", file=sys.stderr) as bar:
                summary = service.rescore_all(full=full, progress=bar.update)
        else:
            summary = service.rescore_changed(limit=1_000_000)
        session.commit()
    click.echo(
        f"{summary.sellers} sellers rescored, {summary.changed} changed "
        f"({summary.incremental} incremental, {summary.full} from all events)"
    )


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the job scheduler in the foreground (its own process; Ctrl-C stops it)."""
    import logging
    import signal

    from . import jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sched = jobs.build_scheduler(current_app._get_current_object())
    click.echo(
        f"scheduler running {len(sched.get_jobs())} jobs: "
        + ", ".join(j.id for j in sched.get_jobs())
    )
    # SIGTERM (what `make run` and service managers send) stops it as Ctrl-C does: running
    # jobs finish (a second signal meanwhile changes nothing), then it says so and exits 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if sched.running:
            sched.shutdown(wait=True)
    click.echo("scheduler stopped")


@click.command("prepare")
@with_appcontext
def prepare() -> None:
    """Bring derived state up to date before serving: scores, the search index, statements."""
    from . import jobs

    app = current_app._get_current_object()
    rescored = 0
    while n := jobs.rescore_changed(app):
        rescored += n
    indexed = 0
    while n := jobs.reindex_changed(app):
        indexed += n
    jobs.analyze_database(app)  # after a load or an import: plans that fit the data
    stated = jobs.issue_attestations(app)
    while n := jobs.renew_attestations(app):
        stated += n
    click.echo(
        f"prepared: {rescored} sellers scored, {indexed} reindexed, {stated} statements issued"
    )


@click.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the search index in a new directory and switch to it atomically."""
    from sqlalchemy import func, select

    from registry.registration.models import Seller

    from .indexing import index_paths, rebuild

    with database().reader() as session:
        total = session.execute(select(func.count()).select_from(Seller)).scalar_one()
        with click.progressbar(length=total, label="indexing", file=sys.stderr) as bar:
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            count = rebuild(session, index_paths(), progress)
    click.echo(f"index rebuilt: {count} sellers")


@click.command("check-index")
@with_appcontext
def check_index() -> None:
    """Report sellers missing from, stale in, listed twice by, or unknown to the search index."""
    from .indexing import check, index_paths

    with database().reader() as session:
        report = check(session, index_paths())
    click.echo(
        f"index: {report.indexed_sellers} sellers in {report.documents} documents, "
        f"database: {report.database_sellers}; "
        f"applied change log up to {report.sequence} of {report.log_head}"
    )
    for name, what in (
        ("missing", "missing"),
        ("stale", "stale"),
        ("duplicates", "indexed more than once"),
        ("extra", "extra"),
    ):
        items = getattr(report, name)
        if items:
            click.echo(
                f"{len(items)} {what}: {', '.join(items[:20])}"
                + (" ..." if len(items) > 20 else "")
            )
    if report.sequence is None:
        click.echo("no index: run `flask --app wsgi reindex` (the scheduler also builds it)")
    if not report.ok:
        sys.exit(1)
    click.echo(
        "index is complete and current"
        if report.sequence == report.log_head
        else "index is complete; recent changes are still being applied"
    )


@click.command("rotate-signing-key")
@with_appcontext
def rotate_signing_key() -> None:
    """Start signing with a new key (older keys stay published until revoked)."""
    from registry.trust.attestation import key_id

    from .keys import key_ring

    click.echo(key_id(key_ring().rotate().public_key()))


# A key id is base64url and may begin with "-": it is an argument, not an unknown option.
@click.command("revoke-signing-key", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@with_appcontext
def revoke_signing_key(kid: str) -> None:
    """Withdraw a key: statements it signed stop verifying."""
    from .keys import key_ring

    if not key_ring().revoke(kid):
        raise click.ClickException(f"no key with id {kid}")
    click.echo(f"revoked {kid}")


@click.command("check-domains")
@with_appcontext
def check_domains() -> None:
    """Run the domain-proof checks that are due now."""
    from . import jobs

    click.echo(f"{jobs.check_domains(current_app._get_current_object())} domains checked")


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


def register(app: Flask) -> None:
    from .token_commands import create_token, revoke_token, tokens

    app.cli.add_command(db_group)
    for command in (
        create_token,
        tokens,
        revoke_token,
        import_registrations,
        verify_audit,
        load_demo,
        rescore,
        scheduler,
        prepare,
        reindex,
        check_index,
        rotate_signing_key,
        revoke_signing_key,
        check_domains,
        rescrub,
    ):
        app.cli.add_command(command)
