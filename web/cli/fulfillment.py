"""Fulfillment data from a platform's file: per-order records and daily aggregates."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.core.identifiers import clean_text
from registry.events.fulfillment import FulfillmentService

from .records import CHUNK_OPTION, ENCODING, FILE, FORMAT, apply_records, read_records

SOURCE_LIMIT = 100


def platform_actor(name: str) -> str:
    """The source a file is recorded as: the actor of a platform token of that name."""
    name = clean_text(name).removeprefix("platform:")
    if not name or len(name) > SOURCE_LIMIT:
        raise click.BadParameter(f"a platform name of 1 to {SOURCE_LIMIT} characters")
    return f"platform:{name}"


@click.command("import-fulfillment")
@with_appcontext
@FILE
@FORMAT
@ENCODING
@CHUNK_OPTION
@click.option(
    "--source",
    required=True,
    help="The platform, as its API token is named: records and days are that source's.",
)
def import_fulfillment(
    path: Path, fmt: str | None, encoding: str | None, chunk: int, source: str
) -> None:
    """Import per-order fulfillment records and daily aggregates (CSV, JSON, JSON Lines)."""
    actor = platform_actor(source)
    records = read_records(path, fmt, encoding, canonical=False)
    apply_records(path, records, lambda s: FulfillmentService(s, actor, "platform").submit, chunk)
