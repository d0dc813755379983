"""Configuration: embedded defaults, then the instance file, then the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_KEYS = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REPLICA_MAX_LAG_SECONDS",
    "REPLICA_CHECK_SECONDS",
    "CACHE_POLL_SECONDS",
    "SEARCH_INDEX_DIR",
    "SEARCH_BACKEND",
    "RESCORE_BATCH",
    "SECRET_KEY",
    "DIGEST_SECRET",
    "REGISTRY_NAME",
    "MAX_CONTENT_LENGTH",
    "SIGNING_KEY_DIR",
    "BASE_URL",
    "TRUSTED_HOSTS",
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
    "RATELIMIT_ENABLED",
    "AUTH_FAILURE_LIMIT",
    "LOGIN_ACCOUNT_LIMIT",
    "LOGIN_CLIENT_LIMIT",
    "OPEN_DATA_DIR",
    "SECURITY_CONTACT",
    "EVIDENCE_DIR",
    "OUTBOUND_ALLOW_PRIVATE",
    "FEED_CONNECT_TIMEOUT",
    "FEED_READ_TIMEOUT",
    "FEED_DEADLINE",
    "FEED_MAX_BYTES",
    "FEED_RETRIES",
    "DOMAIN_PROOF_SCHEME",
    "DOMAIN_PROOF_PORT",
    "DOMAIN_PROOF_DEADLINE",
    "OUTBOUND_RESOLVE",
    "OUTBOUND_CONNECT_TIMEOUT",
    "OUTBOUND_READ_TIMEOUT",
    "ALERT_SECRET_KEY",
    "ALERT_RETRY_BASE_SECONDS",
    "ALERT_RETRY_MAX_SECONDS",
    "ALERT_RETRY_WINDOW_HOURS",
    "ALERT_DISABLE_AFTER_FAILURES",
    "ALERT_DELIVERY_BATCH",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "SMTP_TIMEOUT",
    "MAIL_FROM",
    "MAIL_OUTBOX_DIR",
    "REGULATOR_MAIL_TO",
    "NOTIFY_RETRY_BASE_SECONDS",
    "NOTIFY_RETRY_MAX_SECONDS",
    "NOTIFY_MAX_ATTEMPTS",
    "NOTIFY_BATCH",
    "REMIND_REPLY_DAYS",
    "REMIND_REBUT_DAYS",
    "AUTO_ESCALATE_AFTER_DAYS",
    "CASE_CLOCK_BATCH",
    "RETENTION_DAYS",
    "RETENTION_BATCH",
)
INT_KEYS = {
    "MAX_CONTENT_LENGTH",
    "RESCORE_BATCH",
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
    "FEED_MAX_BYTES",
    "FEED_RETRIES",
    "DOMAIN_PROOF_PORT",
    "ALERT_DISABLE_AFTER_FAILURES",
    "ALERT_DELIVERY_BATCH",
    "SMTP_PORT",
    "NOTIFY_MAX_ATTEMPTS",
    "NOTIFY_BATCH",
    "CASE_CLOCK_BATCH",
    "RETENTION_DAYS",
    "RETENTION_BATCH",
}
FLOAT_KEYS = {
    "REPLICA_MAX_LAG_SECONDS",
    "REPLICA_CHECK_SECONDS",
    "CACHE_POLL_SECONDS",
    "FEED_CONNECT_TIMEOUT",
    "FEED_READ_TIMEOUT",
    "FEED_DEADLINE",
    "DOMAIN_PROOF_DEADLINE",
    "OUTBOUND_CONNECT_TIMEOUT",
    "OUTBOUND_READ_TIMEOUT",
    "ALERT_RETRY_BASE_SECONDS",
    "ALERT_RETRY_MAX_SECONDS",
    "ALERT_RETRY_WINDOW_HOURS",
    "SMTP_TIMEOUT",
    "NOTIFY_RETRY_BASE_SECONDS",
    "NOTIFY_RETRY_MAX_SECONDS",
    "REMIND_REPLY_DAYS",
    "REMIND_REBUT_DAYS",
    "AUTO_ESCALATE_AFTER_DAYS",
}
#: ``name=address,name=address`` in the environment (like curl's --resolve)
MAP_KEYS = {"OUTBOUND_RESOLVE"}
LIST_KEYS = {"TRUSTED_HOSTS", "DATABASE_REPLICA_URLS"}  # comma-separated in the environment
BOOL_KEYS = {
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
    "RATELIMIT_ENABLED",
    "OUTBOUND_ALLOW_PRIVATE",
    "SMTP_STARTTLS",
}
#: the forwarded headers ProxyFix may believe, by how many proxies set each (0: none)
PROXY_FIX_KEYS = {
    "PROXY_FIX_X_FOR": "x_for",
    "PROXY_FIX_X_PROTO": "x_proto",
    "PROXY_FIX_X_HOST": "x_host",
    "PROXY_FIX_X_PORT": "x_port",
    "PROXY_FIX_X_PREFIX": "x_prefix",
}


def defaults(instance_path: str) -> dict:
    """Return the embedded defaults: an SQLite file and an index under the instance folder."""
    base = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{base / 'registry.db'}",
        # Streaming replicas of a PostgreSQL DATABASE_URL (a list; comma-separated in the
        # environment): searches, profiles, badges and exports read from one that has
        # replayed the primary's changes of the last REPLICA_MAX_LAG_SECONDS, measured at
        # most once per REPLICA_CHECK_SECONDS (web.db, registry.core.replicas).
        "DATABASE_REPLICA_URLS": None,
        "REPLICA_MAX_LAG_SECONDS": 5.0,
        "REPLICA_CHECK_SECONDS": 1.0,
        "SEARCH_INDEX_DIR": str(base / "index"),
        # Where sellers are searched: "whoosh", an index under SEARCH_INDEX_DIR on each node,
        # or "postgres", a table in the registry's own (PostgreSQL) database shared by every
        # node and written in the transaction of each change. Report narratives stay in
        # Whoosh either way.
        "SEARCH_BACKEND": "whoosh",
        "SIGNING_KEY_DIR": str(base / "keys"),
        # The nightly open data files (web.jobs.write_open_data), served by /api/v1/export;
        # None: the instance folder's opendata/ (open_data_dir).
        "OPEN_DATA_DIR": None,
        # where vulnerabilities are reported (e-mail or https URL), at /.well-known/security.txt
        "SECURITY_CONTACT": None,
        # None: the instance folder's evidence/ (evidence_dir); never a static folder.
        "EVIDENCE_DIR": None,
        # Domain proofs are fetched over https from public addresses only; tests relax both.
        "DOMAIN_PROOF_SCHEME": "https",
        "DOMAIN_PROOF_PORT": None,
        # seconds a proof fetch may take in all (connect, redirects, body)
        "DOMAIN_PROOF_DEADLINE": 15.0,
        "OUTBOUND_ALLOW_PRIVATE": False,
        "OUTBOUND_RESOLVE": {},
        # Pulled feeds (web.jobs.pull_feeds): seconds to connect, per read, and for the whole
        # fetch with its retries; the largest body read; retries of a failed fetch.
        "FEED_CONNECT_TIMEOUT": 5.0,
        "FEED_READ_TIMEOUT": 30.0,
        "FEED_DEADLINE": 120.0,
        "FEED_MAX_BYTES": 64 * 1024 * 1024,
        "FEED_RETRIES": 3,
        # Every outbound call: seconds to connect, and to wait for each read of the answer
        # (the whole answer is bounded by their sum).
        "OUTBOUND_CONNECT_TIMEOUT": 3.0,
        "OUTBOUND_READ_TIMEOUT": 5.0,
        # Webhook alerts: back-off from the base to the maximum (with jitter) for the window,
        # and the failed attempts in a row that disable a subscription. The secret key
        # encrypts the signing secrets (default: random, kept in the instance folder).
        "ALERT_SECRET_KEY": None,
        "ALERT_RETRY_BASE_SECONDS": 30.0,
        "ALERT_RETRY_MAX_SECONDS": 3600.0,
        "ALERT_RETRY_WINDOW_HOURS": 24.0,
        "ALERT_DISABLE_AFTER_FAILURES": 30,
        "ALERT_DELIVERY_BATCH": 50,
        # Notifications (web.jobs.send_notifications): SMTP, or without SMTP_HOST files in
        # MAIL_OUTBOX_DIR (default instance/outbox/); back-off from the base (doubling) to
        # the maximum, then given up after NOTIFY_MAX_ATTEMPTS. REGULATOR_MAIL_TO: the
        # regulators' desk, told of each escalation (the queue itself is the API).
        "SMTP_HOST": None,
        "SMTP_PORT": 587,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "SMTP_TIMEOUT": 10.0,
        "MAIL_FROM": "registry@localhost",
        "MAIL_OUTBOX_DIR": None,
        "REGULATOR_MAIL_TO": None,
        "NOTIFY_RETRY_BASE_SECONDS": 60.0,
        "NOTIFY_RETRY_MAX_SECONDS": 3600.0,
        "NOTIFY_MAX_ATTEMPTS": 8,
        "NOTIFY_BATCH": 50,
        # The case clock (web.jobs.case_clock): reminders this many days before the
        # merchant's reply deadline and before the consumer's rebuttal window closes; an
        # unanswered case goes to the regulator this many days after its reply deadline (a
        # negative number: never by itself); cases per transaction.
        "REMIND_REPLY_DAYS": 3.0,
        "REMIND_REBUT_DAYS": 3.0,
        "AUTO_ESCALATE_AFTER_DAYS": 0.0,
        "CASE_CLOCK_BATCH": 100,
        # Days after a case closes that its private data is deleted (web.jobs.retention,
        # docs/PRIVACY.md); cases per transaction.
        "RETENTION_DAYS": 365,
        "RETENTION_BATCH": 100,
        "SHARED_DATA_DIR": None,
        # How often (seconds) a worker asks the change log which cached badges and pages to
        # forget: nothing public is staler than this.
        "CACHE_POLL_SECONDS": 1.0,
        # Sellers per committed range of the nightly rescore: other writers wait at most one
        # range (about 2 s at 20,000), and a pass that is killed leaves whole ranges.
        "RESCORE_BATCH": 20_000,
        "REGISTRY_NAME": "网店信誉登记册",
        "REGISTRY_NAME_EN": "Merchant Reputation Registry",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_BATCH_RECORDS": 100_000,
        # Where absolute links (complaint links, badge snippets) point. `make run` sets it to
        # the address it serves on. With TRUSTED_HOSTS (a list of host names), links follow
        # the request's host instead, and Flask answers any other Host with 400.
        "BASE_URL": "http://127.0.0.1:5000",
        "TRUSTED_HOSTS": None,
        # Hop counts of the reverse proxies in front (0: none; forwarded headers are ignored).
        **dict.fromkeys(PROXY_FIX_KEYS, 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Failed authentications per client address, and where they are counted: memory is
        # per process; several workers or nodes share a count through Redis
        # (``redis://host:6379``).
        "AUTH_FAILURE_LIMIT": "10 per 10 minutes",
        # Failed sign-ins (a wrong password or code) per account and per client address.
        "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
        "LOGIN_CLIENT_LIMIT": "20 per 15 minutes",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "merchant-registry",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        # per-client limits of web.limits (Flask-Limiter); 0 turns them off (benchmarks)
        "RATELIMIT_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "JSON_AS_ASCII": False,
    }


def from_environment() -> dict:
    out: dict = {}
    for key in ENV_KEYS:
        if key in os.environ:
            value = os.environ[key]
            if key in INT_KEYS:
                try:
                    out[key] = int(value)
                except ValueError:
                    raise ValueError(f"{key} must be a whole number, not {value!r}") from None
            elif key in FLOAT_KEYS:
                try:
                    out[key] = float(value)
                except ValueError:
                    raise ValueError(f"{key} must be a number, not {value!r}") from None
            elif key in MAP_KEYS:
                pairs = [p.split("=", 1) for p in value.split(",") if p.strip()]
                if any(len(p) != 2 for p in pairs):
                    raise ValueError(f"{key} must be name=address pairs, not {value!r}")
                out[key] = {name.strip(): address.strip() for name, address in pairs}
            elif key in LIST_KEYS:
                out[key] = [v.strip() for v in value.split(",") if v.strip()] or None
            elif key in BOOL_KEYS:
                out[key] = value.strip().lower() in ("1", "true", "yes", "on")
            else:
                out[key] = value
    return out


SEARCH_BACKENDS = ("whoosh", "postgres")


def check_search_backend(config) -> None:
    """Refuse to start with a search backend that cannot work: an unknown name, or
    PostgreSQL search on a database that is not PostgreSQL."""
    backend = config.get("SEARCH_BACKEND")
    if backend not in SEARCH_BACKENDS:
        known = ", ".join(SEARCH_BACKENDS)
        raise ValueError(f"SEARCH_BACKEND must be one of {known}, not {backend!r}")
    url = str(config.get("DATABASE_URL") or "")
    if backend == "postgres" and not url.startswith(("postgresql", "postgres:")):
        raise ValueError(
            "SEARCH_BACKEND=postgres searches a table of the registry's database, so "
            "DATABASE_URL must be a PostgreSQL database (postgresql+psycopg://...), "
            f"not {url.split(':', 1)[0] or 'nothing'}"
        )


def open_data_dir(app) -> Path:
    """Where the nightly open data files are written and served from."""
    return Path(app.config.get("OPEN_DATA_DIR") or Path(app.instance_path) / "opendata")


def evidence_dir(app) -> Path:
    """Where complaint evidence is kept (outside the web root, served by no static route)."""
    return Path(app.config.get("EVIDENCE_DIR") or Path(app.instance_path) / "evidence")


def secret_key(instance_path: str, name: str = "secret_key") -> str:
    """Return a per-instance secret kept in the instance folder, made on first use."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
