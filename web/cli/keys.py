"""API tokens and signing keys: ``create-token``, ``tokens``, ``revoke-token``,
``rotate-signing-key``, ``revoke-signing-key``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from registry.core.errors import RegistryError
from registry.registration.models import Seller
from registry.trust.tokens import MAX_EXPIRES_DAYS, TokenService

from ..db import job_session

ROLE_CHOICE = click.Choice(["regulator", "platform", "moderator", "merchant"])


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


@click.command("create-token")
@with_appcontext
@click.option("--role", required=True, type=ROLE_CHOICE)
@click.option("--name", required=True, help="Who holds the token (shown in the audit log).")
@click.option("--seller", "seller_id", default=None, help="Seller public id (merchant tokens).")
@click.option(
    "--expires-days",
    type=click.IntRange(1, MAX_EXPIRES_DAYS),
    default=None,
    help="Stop working this many days from now (default: never).",
)
def create_token(role: str, name: str, seller_id: str | None, expires_days: int | None) -> None:
    """Create an API token and print it once."""
    from registry.registration.sellers import SellerService

    with job_session() as session:
        try:
            internal = SellerService(session).get(seller_id).id if seller_id else None
            plain, row = TokenService(session).create(
                name=name, role=role, seller_id=internal, actor="cli", expires_days=expires_days
            )
        except RegistryError as exc:
            raise click.ClickException(exc.message) from None
        expires = row.expires_at
        session.commit()
    click.echo(plain)
    lifetime = f"it expires at {_when(expires)} UTC" if expires else "it does not expire"
    click.echo(
        f"(a {role} token for {name}, prefix {plain[:12]}; {lifetime}; it is not stored and "
        "will not be shown again)",
        err=True,
    )


@click.command("tokens")
@with_appcontext
def tokens() -> None:
    """List the API tokens: prefix, name, role, seller, created, expires, revoked."""
    with job_session() as session:
        rows = TokenService(session).tokens()
        sellers = dict(
            session.execute(
                select(Seller.id, Seller.public_id).where(
                    Seller.id.in_({r.seller_id for r in rows if r.seller_id})
                )
            ).all()
        )
        table = [
            (
                r.prefix,
                r.name,
                r.role,
                sellers.get(r.seller_id, "-") if r.seller_id else "-",
                _when(r.created_at),
                _when(r.expires_at),
                _when(r.revoked_at),
            )
            for r in rows
        ]
    if not table:
        click.echo("no tokens (create one with create-token)")
        return
    header = ("prefix", "name", "role", "seller", "created", "expires", "revoked")
    widths = [max(len(str(c)) for c in column) for column in zip(header, *table, strict=True)]
    for line in (header, *table):
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


@click.command("revoke-token")
@with_appcontext
@click.argument("prefix")
def revoke_token(prefix: str) -> None:
    """Revoke the token whose prefix starts with PREFIX (as `tokens` lists it)."""
    with job_session() as session:
        service = TokenService(session)
        try:
            row = service.find(prefix)
        except RegistryError as exc:
            details = exc.details or {}
            matches = ", ".join(details.get("matches", []))
            raise click.ClickException(exc.message + (f": {matches}" if matches else "")) from None
        label = f"{row.prefix} ({row.role}, {row.name})"
        if row.revoked_at:
            click.echo(f"token {label} was already revoked at {_when(row.revoked_at)} UTC")
            return
        service.revoke(row.id, actor="cli")
        session.commit()
    click.echo(f"revoked token {label}")


@click.command("rotate-signing-key")
@with_appcontext
def rotate_signing_key() -> None:
    """Start signing with a new key (older keys stay published until revoked)."""
    from registry.trust.attestation import key_id

    from ..keys import key_ring

    click.echo(key_id(key_ring().rotate().public_key()))


# A key id is base64url and may begin with "-": it is an argument, not an unknown option.
@click.command("revoke-signing-key", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@with_appcontext
def revoke_signing_key(kid: str) -> None:
    """Withdraw a key: statements it signed stop verifying."""
    from ..keys import key_ring

    if not key_ring().revoke(kid):
        raise click.ClickException(f"no key with id {kid}")
    click.echo(f"revoked {kid}")
