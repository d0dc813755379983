"""People's accounts: ``users create``, ``users list``, ``users source``, ``users disable``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from registry.accounts.models import ACCOUNT_ROLES
from registry.accounts.service import AccountService
from registry.core.errors import RegistryError

from ..db import job_session
from ..links import external_url


@click.group("users")
def users_group() -> None:
    """Accounts of moderators, regulator staff and merchants."""


def _read_password() -> str:
    """Prompted (twice, hidden) at a terminal; else the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_group.command("create")
@with_appcontext
@click.option("--role", required=True, type=click.Choice(ACCOUNT_ROLES))
@click.option("--email", required=True)
@click.option(
    "--seller", "sellers", multiple=True, help="Seller public id (merchants; repeatable)."
)
@click.option(
    "--source",
    default=None,
    help="The source a regulator decides for (its token name, as its records name it).",
)
@click.option("--invite", is_flag=True, help="Print a one-time invitation link instead.")
def create_user(
    role: str, email: str, sellers: tuple[str, ...], source: str | None, invite: bool
) -> None:
    """Create an account; the password is prompted (or read from standard input)."""
    from registry.registration.sellers import SellerService

    password = None if invite else _read_password()
    with job_session() as session:
        try:
            seller_ids = [SellerService(session).get(s).id for s in sellers]
            account, token = AccountService(session).create(
                email=email,
                role=role,
                password=password,
                seller_ids=seller_ids,
                invite=invite,
                actor="cli",
                source=source,
            )
        except RegistryError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        line = f"account {account.id}: {account.email} ({role})"
        if account.source:
            line += f", deciding for {account.source}"
    click.echo(line)
    if token is not None:
        # Shown once: the token is stored only as a digest. The fragment never reaches a server.
        with _request_context():
            click.echo(external_url("accounts.invitation", fragment={"token": token}))
        click.echo(
            "(a one-time invitation, valid for 7 days; it will not be shown again)", err=True
        )


def _request_context():
    from flask import current_app

    return current_app.test_request_context("/")


@users_group.command("list")
@with_appcontext
def list_users() -> None:
    """List the accounts: id, e-mail, role, second factor, sellers, state."""
    from sqlalchemy import select

    from registry.registration.models import Seller

    with job_session() as session:
        service = AccountService(session)
        for account in service.accounts():
            ids = service.seller_ids(account.id)
            names = session.execute(select(Seller.public_id).where(Seller.id.in_(ids))).scalars()
            state = (
                "disabled"
                if account.disabled_at
                else ("invited" if account.password_hash is None else "active")
            )
            totp = "totp" if account.totp_confirmed_at else "-"
            # A regulator's column names its source where a merchant's names its sellers.
            sellers = account.source or ",".join(sorted(names)) or "-"
            click.echo(f"{account.id}\t{account.email}\t{account.role}\t{totp}\t{sellers}\t{state}")


@users_group.command("source")
@with_appcontext
@click.argument("email")
@click.argument("name")
def set_source(email: str, name: str) -> None:
    """Let a regulator account decide the disputes of the source NAME (its token name)."""
    with job_session() as session:
        service = AccountService(session)
        account = service.find(email)
        if account is None:
            raise click.ClickException(f"no account has the e-mail {email!r}")
        try:
            changed = service.set_source(account, name, "cli")
        except RegistryError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        source = account.source
    click.echo(
        f"{email} decides for {source}" if changed else f"{email} decided for {source} already"
    )


@users_group.command("disable")
@with_appcontext
@click.argument("email")
def disable_user(email: str) -> None:
    """Disable an account: it cannot sign in, and its sessions end at once."""
    with job_session() as session:
        service = AccountService(session)
        account = service.find(email)
        if account is None:
            raise click.ClickException(f"no account has the e-mail {email!r}")
        changed = service.disable(account, "cli")
        session.commit()
    click.echo(f"disabled {email}" if changed else f"{email} was disabled already")
