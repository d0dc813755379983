"""Scheduled jobs. They run in their own process (``flask --app wsgi scheduler``), never in
the web workers: every forked worker would otherwise run each job again."""

from __future__ import annotations

import logging
from typing import Callable

from flask import Flask

log = logging.getLogger(__name__)

# Job id -> (function name in this module, trigger, trigger arguments)
SCHEDULE: dict[str, tuple[str, str, dict]] = {
    "rescore-changed": ("rescore_changed", "interval", {"seconds": 2}),
    "rescore-all": ("rescore_all", "cron", {"hour": 3, "minute": 17}),
}


def rescore_changed(app: Flask) -> int:
    """Rescore sellers whose events or identity changed since the last run."""
    from registry.scores import ScoreService

    from .db import database

    with app.app_context(), database().writer() as session:
        summary = ScoreService(session).rescore_changed()
        session.commit()
    if summary.sellers:
        log.info(
            "rescored %d changed sellers (%d incremental)", summary.sellers, summary.incremental
        )
    return summary.sellers


def rescore_all(app: Flask) -> int:
    """Rescore everyone: decay moves scores even when nothing happens."""
    from registry.scores import ScoreService

    from .db import database

    with app.app_context(), database().writer() as session:
        summary = ScoreService(session).rescore_all()
        session.commit()
    log.info("nightly rescore: %d sellers, %d changed", summary.sellers, summary.changed)
    return summary.sellers


def register_job(name: str, fn: Callable[[Flask], int], trigger: str, **args) -> None:
    """Let another module (badge, complaints) add its job to the schedule."""
    globals()[fn.__name__] = fn
    SCHEDULE[name] = (fn.__name__, trigger, args)


def build_scheduler(app: Flask, blocking: bool = True):
    """Return an APScheduler with every job: stable ids, coalesced, one instance each."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for job_id, (fn_name, trigger, args) in SCHEDULE.items():
        scheduler.add_job(
            globals()[fn_name],
            trigger,
            args=[app],
            id=job_id,
            name=job_id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            misfire_grace_time=60,
            **args,
        )
    return scheduler
