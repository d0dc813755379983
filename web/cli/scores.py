"""Scores: rescore changed sellers, or all of them."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from registry.scores.service import FULL_BATCH

from ..db import job_session


@click.command("rescore")
@click.option("--all", "everyone", is_flag=True, help="Every seller, not only changed ones.")
@click.option("--full", is_flag=True, help="Recompute from all events, ignoring stored state.")
@click.option(
    "--batch",
    default=FULL_BATCH,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="With --all: sellers per transaction (other writers wait at most one).",
)
@with_appcontext
def rescore(everyone: bool, full: bool, batch: int) -> None:
    """Rescore changed sellers (or all of them) now."""
    from sqlalchemy import func, select

    from registry.registration.models import Seller
    from registry.scores.service import ScoreService

    with job_session() as session:
        service = ScoreService(session)
        if everyone:
            total = session.execute(select(func.count()).select_from(Seller)).scalar_one()
            with click.progressbar(length=total, label="rescoring", file=sys.stderr) as bar:
                summary = service.rescore_all(
                    full=full, batch=batch, progress=bar.update, commit=session.commit
                )
        else:
            summary = service.rescore_changed(limit=1_000_000, commit=session.commit)
        session.commit()
    click.echo(
        f"{summary.sellers} sellers rescored, {summary.changed} changed "
        f"({summary.incremental} incremental, {summary.full} from all events)"
    )


@click.command("check-scores")
@click.option("--sample", default=1000, show_default=True, help="How many sellers to recompute.")
@click.option("--seed", type=int, default=None, help="Choose the same sample again.")
@with_appcontext
def check_scores(sample: int, seed: int | None) -> None:
    """Recompute a sample of stored scores from their events; exit 1 on any difference."""
    from registry.scores.check import check_scores as check

    with job_session() as session:
        report = check(session, sample, seed)
    for d in report.differences[:50]:
        click.echo(f"{d.public_id}: {d.field}: stored {d.stored!r}, recomputed {d.recomputed!r}")
    click.echo(
        f"{report.checked} scores recomputed, {len(report.differences)} differences"
        f" ({report.pending} sellers changed since their last rescore, not checked)"
    )
    if not report.ok:
        sys.exit(1)
