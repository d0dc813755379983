"""Import files of records: registrations, sanctions and fraud reports, as the API takes them.

Each command reads the whole file first (a file refused as a whole writes nothing), applies
it record by record with a progress bar, and names every rejected record by its line
(``FILE:LINE: rejected: field: reason``); it exits 1 when any was rejected.

It commits every ``--chunk`` records (``CHUNK``): every other writer of the registry waits
at most one chunk, not the whole file. Each record is whole or absent, and every record is
keyed by its source and id, so an import that stops (killed, or the machine gone) is
resumed by running it again: what was committed is reported unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from registry.core.errors import RegistryError
from registry.events.fraud import FraudReportService
from registry.events.sanctions import SanctionService
from registry.registration.importing import RawRecord, parse_batch, sniff_format

from ..db import job_session

FILE = click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl"]),
    default=None,
    help="Default: from the file name.",
)
ENCODING = click.option("--encoding", default=None, help="Default: UTF-8 (BOM or not) or GB18030.")
#: records per transaction of an import: about a second of writing, what another writer waits
CHUNK = 1000
CHUNK_OPTION = click.option(
    "--chunk",
    default=CHUNK,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Records per transaction (other writers wait at most one).",
)


def read_records(
    path: Path, fmt: str | None, encoding: str | None, *, canonical: bool
) -> list[RawRecord]:
    """Every record of the file, or a ClickException naming why the file is refused."""
    try:
        return list(
            parse_batch(
                path.read_bytes(),
                fmt or sniff_format(None, path.name),
                encoding,
                canonical=canonical,
            )
        )
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except RegistryError as exc:
        # One line that names the line of the file: the whole file is refused, nothing written.
        raise click.ClickException(f"{path}: {exc.message}") from None


def apply_records(
    path: Path,
    records: list[RawRecord],
    submit: Callable[[Any], Iterable[Any]],
    chunk: int = CHUNK,
) -> None:
    """Apply ``records`` through ``submit(session)``, committing every ``chunk`` results;
    report, and exit 1 if any was rejected."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    rejected = []
    with job_session() as session:
        with click.progressbar(length=len(records), label="importing", file=sys.stderr) as bar:
            for start in range(0, len(records), chunk):
                # Each chunk is a batch of its own, as one API request would be: applied,
                # marked for the jobs (rescore, reindex) and committed together.
                for result in submit(session)(records[start : start + chunk]):
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


@click.command("import-sanctions")
@with_appcontext
@FILE
@FORMAT
@ENCODING
@CHUNK_OPTION
@click.option("--source", required=True, help="The regulator, as its API token is named.")
def import_sanctions(
    path: Path, fmt: str | None, encoding: str | None, chunk: int, source: str
) -> None:
    """Import a regulator's sanctions from a CSV, JSON or JSON Lines file."""
    records = read_records(path, fmt, encoding, canonical=False)
    actor = f"regulator:{source}"
    apply_records(path, records, lambda s: SanctionService(s, actor, "regulator").submit, chunk)


@click.command("import-fraud-reports")
@with_appcontext
@FILE
@FORMAT
@ENCODING
@CHUNK_OPTION
@click.option("--source", required=True, help="The submitter, as its API token is named.")
@click.option(
    "--role",
    type=click.Choice(["regulator", "platform"]),
    default="regulator",
    show_default=True,
    help="What the source is: it bounds the verification it may claim.",
)
def import_fraud_reports(
    path: Path, fmt: str | None, encoding: str | None, chunk: int, source: str, role: str
) -> None:
    """Import fraud reports from a CSV, JSON or JSON Lines file."""
    records = read_records(path, fmt, encoding, canonical=False)
    actor = f"{role}:{source}"
    apply_records(path, records, lambda s: FraudReportService(s, actor, role).submit, chunk)
