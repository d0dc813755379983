"""Command-line tools, ``flask --app wsgi <command>``, grouped by area: data (migrations,
the demo set, audit, public texts, backups), record imports (registrations, sanctions, fraud
reports), scores, the search index, tokens and keys, people's accounts, and running the
registry (scheduler, prepare, domain checks)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add every command to ``app.cli``."""
    from . import (
        backup,
        data,
        feeds,
        fulfillment,
        index,
        keys,
        ops,
        records,
        scores,
        subscriptions,
        users,
    )

    app.cli.add_command(data.db_group)
    app.cli.add_command(feeds.feeds_group)
    app.cli.add_command(subscriptions.subscriptions_group)
    app.cli.add_command(users.users_group)
    for command in (
        keys.create_token,
        keys.tokens,
        keys.revoke_token,
        data.import_registrations,
        records.import_sanctions,
        records.import_fraud_reports,
        fulfillment.import_fulfillment,
        data.verify_audit,
        data.load_demo,
        scores.rescore,
        scores.check_scores,
        ops.scheduler,
        ops.prepare,
        index.reindex,
        index.check_index,
        keys.rotate_signing_key,
        keys.revoke_signing_key,
        ops.check_domains,
        data.rescrub,
        backup.backup,
        backup.restore,
    ):
        app.cli.add_command(command)
