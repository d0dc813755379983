"""The search index: rebuild it, check it against the database."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..db import database


@click.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the search index off to the side and switch to it atomically.

    A new directory for Whoosh; a new table, filled by COPY, with SEARCH_BACKEND=postgres."""
    from sqlalchemy import func, select

    from registry.registration.models import Seller

    from ..indexing import index_paths, rebuild

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
    from ..indexing import check, index_paths

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
