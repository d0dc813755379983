"""Watch alerts from the command line: ``subscriptions list``, ``add`` and ``remove``, for the
token that owns them (named by its prefix, as ``tokens`` lists it), the same service and
rules as ``/api/v1/subscriptions``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.alerts.service import SubscriptionService
from registry.alerts.shapes import SubscriptionRequest
from registry.core.errors import RegistryError
from registry.core.shapes import read
from registry.trust.tokens import TokenService

from ..db import database, job_session
from ..outbound import secret_box

subscriptions_group = AppGroup(
    "subscriptions", help="Webhook subscriptions (watch alerts) of an API token."
)


def _fail(exc: RegistryError) -> click.ClickException:
    details = exc.details if isinstance(exc.details, dict) else {}
    reasons = "; ".join(f"{k}: {v}" for k, v in details.items() if k != "matches")
    matches = ", ".join(details.get("matches", []))
    return click.ClickException(
        exc.message + (f" ({reasons})" if reasons else "") + (f": {matches}" if matches else "")
    )


def _service(session, prefix: str, *, sealing: bool = False) -> SubscriptionService:
    try:
        token = TokenService(session).find(prefix)
    except RegistryError as exc:
        raise _fail(exc) from None
    if token.revoked_at is not None:
        raise click.ClickException(f"token {token.prefix} is revoked")
    config = current_app.config
    return SubscriptionService(
        session,
        token.id,
        f"cli:{token.role}:{token.name}",
        box=secret_box(current_app) if sealing else None,
        allow_private=config["OUTBOUND_ALLOW_PRIVATE"],
        resolve=config.get("OUTBOUND_RESOLVE") or None,
    )


@subscriptions_group.command("list")
@click.option("--token", "prefix", required=True, help="The owning token's prefix.")
def list_subscriptions(prefix: str) -> None:
    """List a token's subscriptions: id, state, what is watched, URL host (never a secret)."""
    with database().reader() as session:
        rows = _service(session, prefix).list()
    for s in rows:
        watched = (
            f"sellers {','.join(s['sellers'])}"
            if s["sellers"]
            else (f"region {s['region']}" if s["region"] else f"category {s['category']}")
        )
        state = "active" if s["active"] else f"disabled ({s['disabled_reason'] or '-'})"
        click.echo(f"{s['id']}\t{state}\t{watched}\t{s['url']}")
    if not rows:
        click.echo("no subscriptions")


@subscriptions_group.command("add")
@click.argument("url")
@click.option("--token", "prefix", required=True, help="The owning token's prefix.")
@click.option("--seller", "sellers", multiple=True, help="A public id or credit code (repeat).")
@click.option("--region", default=None, help="A province or city, or an area code's digits.")
@click.option("--category", default=None, help="A seller category.")
def add(url: str, prefix: str, sellers: tuple[str, ...], region: str | None, category: str | None):
    """Subscribe URL to sellers, a region or a category; print the signing secret once."""
    data = {"url": url, "sellers": list(sellers), "region": region, "category": category}
    with job_session() as session:
        service = _service(session, prefix, sealing=True)
        try:
            asked = read(SubscriptionRequest, data, "subscription not created")
            subscription, secret = service.create(asked.model_dump())
        except RegistryError as exc:
            raise _fail(exc) from None
        session.commit()
        public_id = subscription.public_id
    click.echo(f"subscription {public_id} created")
    click.echo(f"signing secret (shown once): {secret}")


@subscriptions_group.command("remove")
@click.argument("public_id")
@click.option("--token", "prefix", required=True, help="The owning token's prefix.")
def remove(public_id: str, prefix: str) -> None:
    """Remove a token's subscription with its deliveries."""
    with job_session() as session:
        try:
            _service(session, prefix).delete(public_id)
        except RegistryError as exc:
            raise _fail(exc) from None
        session.commit()
    click.echo(f"subscription {public_id} removed")
