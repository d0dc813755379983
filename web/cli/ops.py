"""Running the registry: the scheduler, bringing derived state up to date, domain checks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@click.option(
    "--now",
    "now",
    multiple=True,
    metavar="JOB",
    help="Also run JOB at start (repeatable), e.g. --now rescore-all.",
)
@click.option(
    "--index-only",
    is_flag=True,
    help="Run only the jobs that keep this node's search index (a node beside the one "
    "scheduler that runs every job).",
)
@with_appcontext
def scheduler(now: tuple[str, ...], index_only: bool) -> None:
    """Run the job scheduler in the foreground (its own process; Ctrl-C stops it)."""
    import logging
    import signal

    from .. import jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        sched = jobs.build_scheduler(
            current_app._get_current_object(), now=now, index_only=index_only
        )
    except KeyError as exc:
        raise click.BadParameter(
            f"{exc.args[0]}; the jobs are "
            + ", ".join(jobs.NODE_JOBS if index_only else jobs.SCHEDULE),
            param_hint="--now",
        ) from None
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
    from .. import jobs

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


@click.command("check-domains")
@with_appcontext
def check_domains() -> None:
    """Run the domain-proof checks that are due now."""
    from .. import jobs

    click.echo(f"{jobs.check_domains(current_app._get_current_object())} domains checked")
