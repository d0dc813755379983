"""Helpers for web tests: bring derived state (scores, index) up to date like the scheduler."""

from __future__ import annotations

from web import jobs


def settle(app) -> None:
    """Run the rescore and reindex jobs until there is nothing left to do."""
    while jobs.rescore_changed(app):
        pass
    while jobs.reindex_changed(app):
        pass
