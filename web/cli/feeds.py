"""Pulled feeds: ``feeds add``, ``list``, ``remove``, ``status`` and ``run``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.core.errors import RegistryError
from registry.feeds import FORMATS, KINDS, FeedService

from ..db import database, job_session

feeds_group = AppGroup("feeds", help="Lists published at a URL, pulled on a schedule.")


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "-"


@feeds_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--kind", required=True, type=click.Choice(list(KINDS)))
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS))
@click.option("--token-role", "role", required=True, type=click.Choice(["regulator", "platform"]))
@click.option("--interval", default=3600, show_default=True, help="Seconds between fetches.")
def add(name: str, url: str, kind: str, fmt: str, role: str, interval: int) -> None:
    """Add feed NAME, fetched from URL; its records are applied as NAME with --token-role."""
    with job_session() as session:
        try:
            FeedService(session).add(name, url, kind, fmt, role, interval)
        except RegistryError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            reasons = "; ".join(f"{k}: {v}" for k, v in details.items())
            raise click.ClickException(exc.message + (f" ({reasons})" if reasons else "")) from None
        session.commit()
    click.echo(f"feed {name} added: {kind} as {fmt}, applied as {role}:{name}, every {interval} s")


@feeds_group.command("list")
def list_feeds() -> None:
    """List the feeds: name, kind, format, role, interval, next fetch, URL."""
    with database().reader() as session:
        feeds = FeedService(session).feeds()
        for f in feeds:
            click.echo(
                f"{f.name}\t{f.kind}\t{f.format}\t{f.role}\t{f.interval_seconds}s\t"
                f"next {_when(f.next_run_at)}\t{f.url}"
            )
    if not feeds:
        click.echo("no feeds")


@feeds_group.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove feed NAME and its run history (the records it brought stay)."""
    with job_session() as session:
        try:
            FeedService(session).remove(name)
        except RegistryError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
    click.echo(f"feed {name} removed")


@feeds_group.command("status")
@click.option("--runs", default=5, show_default=True, help="Runs shown per feed.")
def status(runs: int) -> None:
    """Each feed's last runs: outcome, HTTP status, rows created/updated/rejected, errors."""
    with database().reader() as session:
        service = FeedService(session)
        feeds, history = service.feeds(), service.runs(runs)
        for f in feeds:
            click.echo(f"{f.name} ({f.kind}, {f.format}), next fetch {_when(f.next_run_at)}")
            for r in history.get(f.id, []):  # type: ignore[arg-type]
                click.echo(
                    f"  {_when(r.started_at)}  {r.outcome:<12} http {r.http_status or '-'}  "
                    f"created {r.created} updated {r.updated} unchanged {r.unchanged} "
                    f"rejected {r.rejected}  {r.bytes} bytes  {r.duration_ms} ms"
                    + (f"\n    error: {r.error}" if r.error else "")
                )
            if not history.get(f.id):  # type: ignore[arg-type]
                click.echo("  never fetched")
    if not feeds:
        click.echo("no feeds")


@feeds_group.command("run")
@click.argument("names", nargs=-1)
def run(names: tuple[str, ...]) -> None:
    """Fetch the named feeds now (default: those due), as the scheduler does."""
    from .. import jobs

    summaries = jobs.pull_feeds(current_app._get_current_object(), names)
    for s in summaries:
        click.echo(
            f"{s['feed']}: {s['outcome']}"
            + (
                f" (created {s['created']}, updated {s['updated']}, rejected {s['rejected']})"
                if s["outcome"] == "applied"
                else ""
            )
            + (f" - {s['error']}" if s.get("error") else "")
        )
    if not summaries:
        click.echo("no feed due")
