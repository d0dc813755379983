"""Scheduled jobs. They run in their own process (``flask --app wsgi scheduler``), never in
the web workers: every forked worker would otherwise run each job again.

Every job opens its own session, does one bounded step, commits, and is safe to run twice
or to be killed halfway (a re-run finds the same work, or none, still to do).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Flask

log = logging.getLogger(__name__)

# Job id -> (function name in this module, trigger, trigger arguments)
SCHEDULE: dict[str, tuple[str, str, dict]] = {
    "rescore-changed": ("rescore_and_reindex_changed", "interval", {"seconds": 2}),
    "reindex-changed": ("reindex_changed", "interval", {"seconds": 2}),
    "rescore-all": ("rescore_all", "cron", {"hour": 3, "minute": 17}),
    "index-compaction": ("compact_index", "interval", {"minutes": 10}),
    "domain-proofs": ("check_domains", "interval", {"seconds": 60}),
    "attestations": ("issue_attestations", "interval", {"seconds": 2}),
    # Also at start, so that a new registry's sellers have statements within seconds.
    "attestations-renew": ("renew_attestations", "interval", {"minutes": 1, "first": True}),
    "complaint-deadlines": ("complaint_deadlines", "interval", {"minutes": 5}),
    "case-clock": ("case_clock", "interval", {"minutes": 5}),
    "retention": ("retention", "cron", {"hour": 2, "minute": 37}),
    "planner-statistics": ("analyze_database", "cron", {"hour": 3, "minute": 47}),
    "wal-checkpoint": ("checkpoint_database", "interval", {"seconds": 30}),
    # After the nightly rescore, so that the files carry the night's scores.
    "open-data": ("write_open_data", "cron", {"hour": 4, "minute": 7}),
    # Each feed has its own interval; this asks every minute which are due.
    "feeds": ("pull_feeds", "interval", {"minutes": 1}),
    "alerts-derive": ("derive_alerts", "interval", {"seconds": 2}),
    "alerts-deliver": ("deliver_alerts", "interval", {"seconds": 5}),
    "notifications": ("send_notifications", "interval", {"seconds": 10}),
}


def rescore_changed(app: Flask) -> int:
    """Rescore sellers whose events or identity changed since the last run."""
    from registry.scores.service import ScoreService

    from .db import database

    with app.app_context(), database().writer() as session:
        # A part's commit lets other writers in between parts (about 5 s of work each).
        summary = ScoreService(session).rescore_changed(commit=session.commit)
        session.commit()
    if summary.sellers:
        log.info(
            "rescored %d changed sellers (%d incremental)", summary.sellers, summary.incremental
        )
    return summary.sellers


def rescore_and_reindex_changed(app: Flask) -> int:
    """rescore_changed, then at once reindex_changed when anyone was rescored: search shows
    the new scores without waiting up to 2 s more for the reindex job's own turn."""
    count = rescore_changed(app)
    if count:
        reindex_changed(app)
    return count


def rescore_all(app: Flask) -> int:
    """Rescore everyone: decay moves scores even when nothing happens."""
    from registry.scores.service import ScoreService

    from .db import database

    with app.app_context(), database().writer() as session:
        summary = ScoreService(session).rescore_all(
            batch=app.config["RESCORE_BATCH"], commit=session.commit
        )
        session.commit()
    log.info("nightly rescore: %d sellers, %d changed", summary.sellers, summary.changed)
    return summary.sellers


def reindex_changed(app: Flask) -> int:
    """Apply the change log to this node's search index (the only index writer)."""
    from .db import database
    from .indexing import apply_changes, index_paths

    with app.app_context(), database().reader() as session:
        count = apply_changes(session, index_paths(app), release=session.rollback)
    if count:
        log.info("reindexed %d sellers", count)
    return count


def compact_index(app: Flask) -> bool:
    """Join the index's segments off to the side when they grew many (web.indexing.compact),
    then replay at once the changes made while it was built."""
    from .db import database
    from .indexing import compact, index_paths

    with app.app_context(), database().reader() as session:
        done = compact(session, index_paths(app))
    if done:
        log.info("search index compacted")
        reindex_changed(app)
    return done


def check_domains(app: Flask) -> int:
    """Check pending domain proofs and re-check proven ones; a lost proof unbinds.

    The due list is a read, and each merchant's host is fetched with no transaction open,
    within ``DOMAIN_PROOF_DEADLINE`` seconds in all: a host that answers slowly, or drips
    its answer, holds up no writer. The write lock is taken only to record each result.
    """
    from registry.accounts.claims import ClaimService
    from registry.registration.domains import DomainService

    from .db import database

    with app.app_context():
        with database().reader() as session:
            due = DomainService(session).due_checks()
        counts = _check_proofs(app, due, DomainService)
        with database().writer() as session:
            claims_due = ClaimService(session).due_checks()
            session.commit()  # the expired ones
        # Merchants claiming a seller by one of its bound domains: the same proof.
        claims = _check_proofs(app, claims_due, ClaimService)
    if counts:
        log.info("domain proofs: %s", counts)
    if claims:
        log.info("domain claims: %s", claims)
    return sum(counts.values()) + sum(claims.values())


def _check_proofs(app: Flask, due: list, service: type) -> dict[str, int]:
    """Fetch each due proof with no transaction open, within DOMAIN_PROOF_DEADLINE in all,
    and record its result through ``service(session).apply_check`` under the write lock;
    return how many ended in each state."""
    from registry.core.types import utcnow
    from registry.registration.domain_proof import check_proof

    from .db import database
    from .outbound import http_client

    config = app.config
    counts: dict[str, int] = {}
    with http_client(app) as http:
        for item in due:
            result = check_proof(
                http,
                item.domain,
                item.token,
                now=utcnow(),
                scheme=config["DOMAIN_PROOF_SCHEME"],
                port=config.get("DOMAIN_PROOF_PORT"),
                deadline=float(config["DOMAIN_PROOF_DEADLINE"]),
            )
            with database().writer() as session:
                state = service(session, now=result.checked_at).apply_check(item, result)
                session.commit()
            if state:
                counts[state] = counts.get(state, 0) + 1
    return counts


#: change-log entries one run of issue_attestations takes (it runs every 2 s)
STATEMENT_ENTRIES = 1000
#: statements renew_attestations writes per transaction
STATEMENT_BATCH = 500


def checkpoint_database(app: Flask) -> int:
    """Keep SQLite's write-ahead log from growing without end under overlapping readers
    (registry.core.db.checkpoint); return its size in bytes afterwards (0: nothing done)."""
    from registry.core.db import checkpoint

    from .db import database

    with app.app_context():
        size = checkpoint(database().engine)
    if size is not None:
        log.info("write-ahead log checkpointed, %d bytes left", size)
    return size or 0


def analyze_database(app: Flask) -> int:
    """Refresh the query planner's statistics (registry.core.db.analyze): data grows every day."""
    from registry.core.db import analyze

    from .db import database

    with app.app_context():
        analyze(database().engine)
    return 1


def issue_attestations(app: Flask) -> int:
    """Issue signed statements for sellers whose record changed; revoke what no longer holds.

    Requests only sign the newest statement again (registry.trust.statements): this job and
    ``renew_attestations`` are the only writers.
    """
    from registry.journal import changelog
    from registry.journal.kinds import ChangeKind
    from registry.journal.models import JobCursor
    from registry.trust.statements import StatementService

    from .db import database
    from .keys import key_ring

    with app.app_context(), database().writer() as session:
        if session.get(JobCursor, "attestations") is None:
            # A first run reads no history: renew_attestations gives every seller a statement.
            changelog.advance(session, "attestations", changelog.head(session))
            session.commit()
            return 0
        # An event shows on a badge once it is scored: the "score" entry brings it here. A
        # bounded step: the write lock is held for one batch, then the next run goes on.
        ids, last = changelog.pending(
            session, "attestations", STATEMENT_ENTRIES, exclude_kinds=(ChangeKind.EVENT,)
        )
        counts = {"issued": 0, "revoked": 0}
        if ids:
            counts = StatementService(session, key_ring(), app.config["BASE_URL"]).refresh(ids)
        changelog.advance(session, "attestations", last)
        session.commit()
    if counts["issued"]:
        log.info("statements: %s", counts)
    return counts["issued"]


def renew_attestations(app: Flask, limit: int = 5000) -> int:
    """Give sellers without a statement (or with one near its expiry) a new one; forget
    expired ones. The search for them is a read: the write lock is taken only to write."""
    from registry.trust.statements import StatementService

    from .db import database
    from .keys import key_ring

    renewed = 0
    with app.app_context():
        with database().reader() as session:
            due = StatementService(session, key_ring(), app.config["BASE_URL"]).due(limit)
        # Each batch its own transaction: other writers wait for one batch at most.
        for lo in range(0, max(len(due), 1), STATEMENT_BATCH):
            with database().writer() as session:
                service = StatementService(session, key_ring(), app.config["BASE_URL"])
                renewed += service.renew(due[lo : lo + STATEMENT_BATCH])
                if lo == 0:
                    service.purge()
                session.commit()
    return renewed


def complaint_deadlines(app: Flask) -> int:
    """Enforce moderation, reply and confirmation deadlines of complaints."""
    from registry.complaints.service import ComplaintService

    from .db import database

    with app.app_context(), database().writer() as session:
        counts = ComplaintService(
            session,
            secret=app.config["DIGEST_SECRET"],
            regulator_address=app.config.get("REGULATOR_MAIL_TO"),
        ).enforce_deadlines()
        session.commit()
    if any(counts.values()):
        log.info("complaint deadlines: %s", counts)
    return sum(counts.values())


def clock_settings(app: Flask):
    """The case clock's lead times and escalation wait, from the configuration."""
    from datetime import timedelta

    from registry.complaints.clock import ClockSettings

    config = app.config
    wait = float(config["AUTO_ESCALATE_AFTER_DAYS"])
    return ClockSettings(
        reply_lead=timedelta(days=float(config["REMIND_REPLY_DAYS"])),
        rebut_lead=timedelta(days=float(config["REMIND_REBUT_DAYS"])),
        escalate_after=None if wait < 0 else timedelta(days=wait),
    )


def case_clock(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Send unanswered cases to the regulator's queue and queue the reminders that are due.

    Each batch is its own transaction: other writers wait for one batch at most, and a run
    killed halfway leaves the rest to the next (each step checks again under the lock)."""
    from registry.complaints.service import ComplaintService
    from registry.core.types import utcnow

    from .db import database

    now = now or utcnow()
    batch = int(app.config["CASE_CLOCK_BATCH"])
    counts = {"escalated": 0, "reminded": 0}
    with app.app_context():
        for key in counts:
            while True:
                with database().writer() as session:
                    clock = ComplaintService(
                        session,
                        now,
                        regulator_address=app.config.get("REGULATOR_MAIL_TO"),
                        clock=clock_settings(app),
                    ).clock
                    if key == "escalated":
                        ids = clock.unanswered(batch)
                        found, done = len(ids), sum(clock.escalate(i) for i in ids)
                    else:
                        due = clock.reminders_due(batch)
                        found, done = len(due), sum(clock.remind(i, kind) for i, kind in due)
                    session.commit()
                counts[key] += done
                if not done or found < batch:
                    break
    if any(counts.values()):
        log.info("case clock: %s", counts)
    return counts


def retention(app: Flask, now: datetime | None = None) -> int:
    """Delete the private data of cases closed longer than RETENTION_DAYS (their evidence
    files, and their messages in the outbox folder, too), in batches of RETENTION_BATCH,
    each its own transaction."""
    from datetime import timedelta

    from registry.complaints.retention import Retention
    from registry.core.types import utcnow

    from .config import evidence_dir
    from .db import database

    now = now or utcnow()
    batch = int(app.config["RETENTION_BATCH"])
    period = timedelta(days=int(app.config["RETENTION_DAYS"]))
    forgotten, first = 0, True
    with app.app_context():
        while True:
            with database().writer() as session:
                keeper = Retention(
                    session, now, evidence_dir(app), period, mail_settings(app).outbox_dir
                )
                due = keeper.due(batch)
                done = sum(keeper.forget(i) for i in due)
                if first:
                    keeper.purge_access_codes()
                    first = False
                session.commit()
            forgotten += done
            if len(due) < batch or not done:
                break
    if forgotten:
        log.info("retention: private data of %d closed cases deleted", forgotten)
    return forgotten


def write_open_data(app: Flask) -> int:
    """Write the open data files and their checksums (registry.opendata), atomically.

    A read: no write lock is taken, and the web workers send the new files once renamed.
    """
    from registry.opendata import write_all

    from .config import open_data_dir
    from .db import database

    with app.app_context(), database().reader() as session:
        sums = write_all(session, open_data_dir(app))
    log.info("open data written: %s", ", ".join(sorted(sums)))
    return len(sums)


def pull_feeds(app: Flask, names: tuple[str, ...] = ()) -> list[dict]:
    """Fetch the due feeds (or those named) and apply them (registry.feeds.pull).

    Which feeds are due is a read; each fetch runs without a session, and only applying
    its body takes the write lock, one transaction per feed.
    """
    from registry.feeds import Due, FeedService, pull

    from .db import database
    from .outbound import feed_client

    with app.app_context():
        with database().reader() as session:
            due = [Due.of(feed) for feed in FeedService(session).due(names)]
        if not due:
            return []
        with feed_client(app) as http:
            summaries = pull(
                due,
                http,
                database().writer,
                deadline=app.config["FEED_DEADLINE"],
                max_bytes=app.config["FEED_MAX_BYTES"],
            )
    for summary in summaries:
        log.info("feed %(feed)s: %(outcome)s", summary)
    return summaries


def derive_alerts(app: Flask, now: datetime | None = None) -> int:
    """Turn committed changes (the journal) into webhook deliveries for their watchers."""
    from registry.alerts.fanout import derive

    from .db import database

    with app.app_context(), database().writer() as session:
        added = derive(session, now)
        session.commit()
    if added:
        log.info("alerts: %d deliveries queued", added)
    return added


def retry_policy(app: Flask):
    """The back-off and disabling rules of webhook deliveries, from the configuration."""
    from datetime import timedelta

    from registry.alerts.delivery import RetryPolicy

    config = app.config
    return RetryPolicy(
        base_seconds=float(config["ALERT_RETRY_BASE_SECONDS"]),
        max_seconds=float(config["ALERT_RETRY_MAX_SECONDS"]),
        window=timedelta(hours=float(config["ALERT_RETRY_WINDOW_HOURS"])),
        disable_after=int(config["ALERT_DISABLE_AFTER_FAILURES"]),
    )


def deliver_alerts(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """POST the deliveries that are due. The due list is a read and every POST is made with
    no transaction open: the write lock is taken only to record each answer."""
    from registry.alerts import delivery
    from registry.core.types import utcnow

    from .db import database
    from .outbound import http_client, secret_box

    now = now or utcnow()
    policy, box = retry_policy(app), secret_box(app)
    counts: dict[str, int] = {}
    with app.app_context():
        with database().reader() as session:
            items = delivery.due(session, now, int(app.config["ALERT_DELIVERY_BATCH"]))
        if not items:
            return counts
        disabled: set[int] = set()
        with http_client(app) as http:
            for item in items:
                if item.subscription_id in disabled:
                    continue  # disabled by an earlier answer of this run
                outcome = delivery.send(
                    http,
                    item,
                    box,
                    allow_private=app.config["OUTBOUND_ALLOW_PRIVATE"],
                    resolve=app.config.get("OUTBOUND_RESOLVE") or None,
                )
                with database().writer() as session:
                    status = delivery.record(session, item, outcome, policy, now)
                    session.commit()
                if status == "disabled":
                    disabled.add(item.subscription_id)
                if status:
                    counts[status] = counts.get(status, 0) + 1
    log.info("alert deliveries: %s", counts)
    return counts


def mail_settings(app: Flask):
    """Where messages go, from the configuration: SMTP, or files in instance/outbox/."""
    from pathlib import Path

    from registry.notify.messages import MailSettings

    config = app.config
    return MailSettings(
        host=config.get("SMTP_HOST") or None,
        port=int(config.get("SMTP_PORT") or 587),
        user=config.get("SMTP_USER") or None,
        password=config.get("SMTP_PASSWORD") or None,
        sender=config["MAIL_FROM"],
        starttls=bool(config.get("SMTP_STARTTLS")),
        outbox_dir=Path(config.get("MAIL_OUTBOX_DIR") or Path(app.instance_path) / "outbox"),
        timeout=float(config.get("SMTP_TIMEOUT") or 10.0),
    )


def send_notifications(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Send the queued messages that are due (registry.notify). The due list is a read and
    each message is sent with no transaction open; only recording its outcome writes."""
    from registry.core.types import utcnow
    from registry.notify import outbox
    from registry.notify.messages import compose, file_name, render, send

    from .db import database

    now = now or utcnow()
    config = app.config
    policy = outbox.RetryPolicy(
        base_seconds=float(config["NOTIFY_RETRY_BASE_SECONDS"]),
        max_seconds=float(config["NOTIFY_RETRY_MAX_SECONDS"]),
        max_attempts=int(config["NOTIFY_MAX_ATTEMPTS"]),
    )
    settings = mail_settings(app)
    counts: dict[str, int] = {}
    with app.app_context():
        with database().reader() as session:
            items = outbox.due(session, now, int(config["NOTIFY_BATCH"]))
        for item in items:
            subject, body = render(item.template, item.locale, item.context, config["BASE_URL"])
            message = compose(settings, item.recipient, subject, body)
            error = send(settings, message, file_name(now, item.id, item.template))
            if error:
                log.warning("notification %d to be retried: %s", item.id, error)
            with database().writer() as session:
                status = outbox.record(session, item.id, error, policy, now)
                session.commit()
            if status:
                counts[status] = counts.get(status, 0) + 1
    if counts:
        log.info("notifications: %s", counts)
    return counts


#: the jobs that keep this node's own files (its search index): every node runs them, the
#: others run in one scheduler for the whole registry (``flask scheduler --index-only``)
NODE_JOBS = ("reindex-changed", "index-compaction")


def build_scheduler(
    app: Flask, blocking: bool = True, now: tuple[str, ...] = (), index_only: bool = False
):
    """Return an APScheduler with every job (or only NODE_JOBS): stable ids, coalesced, one
    instance each; the jobs named in *now* run first at start (an operator's catch-up, a
    nightly job at once)."""
    jobs = {k: v for k, v in SCHEDULE.items() if not index_only or k in NODE_JOBS}
    unknown = sorted(set(now) - set(jobs))
    if unknown:
        raise KeyError(f"no such job: {', '.join(unknown)}")
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for job_id, (fn_name, trigger, options) in jobs.items():
        args = dict(options)
        if args.pop("first", False) or job_id in now:
            args["next_run_time"] = datetime.now(UTC)
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
