"""The messages' texts: Jinja templates in Chinese and English (``mail/<name>.<locale>.txt``,
first line the subject), and the SMTP or file sending of one message."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

log = logging.getLogger(__name__)

TEMPLATES = (
    "filed",
    "site_reported",
    "accepted",
    "reply_requested",
    "rejected",
    "invalid",
    "no_response",
    "replied",
    "rebutted",
    "rebuttal_answered",
    "closed",
    "escalated",
    "escalation_queued",
    "decided",
    "access_code",
    "reminder_reply",
    "reminder_rebuttal",
    "reminder_rebut",
    "evidence_added",
)
#: the paths of the links messages carry, after BASE_URL
LINKS = {
    "status": "/complaints/{public_id}/status",
    "reply": "/complaints/{public_id}/reply",
    "public": "/complaints/{public_id}",
    "recover": "/complaints/recover",
    "merchant": "/merchant",
}

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("mail")),
    undefined=StrictUndefined,
    autoescape=False,  # plain text: nothing is interpreted by the reader's mail program
    keep_trailing_newline=True,
)


def render(template: str, locale: str, context: dict[str, Any], base_url: str) -> tuple[str, str]:
    """Return the subject and body of one message."""
    base = base_url.rstrip("/")

    def link(name: str, token: str | None = None) -> str:
        url = base + LINKS[name].format(public_id=context.get("public_id", ""))
        return url + (f"#token={token}" if token else "")

    text = _ENV.get_template(f"{template}.{locale}.txt").render(**context, link=link)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")


@dataclass(frozen=True)
class MailSettings:
    """Where messages go: an SMTP server, or (without a host) files in ``outbox_dir``."""

    host: str | None
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool
    outbox_dir: Path
    timeout: float = 10.0


def compose(settings: MailSettings, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def file_name(at: datetime, message_id: int, template: str) -> str:
    """The name of a message written to the outbox folder (without SMTP), without ``.eml``."""
    return f"{at:%Y%m%dT%H%M%S}-{message_id}-{template}"


def written(folder: Path, message_id: int, template: str) -> list[Path]:
    """The files the outbox folder holds of one message (each attempt wrote one)."""
    return sorted(Path(folder).glob(f"*-{message_id}-{template}.eml"))


def send(settings: MailSettings, message: EmailMessage, name: str) -> str | None:
    """Send one message; return None, or the error (to retry later). ``name``: the file
    name without SMTP."""
    if not settings.host:
        settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        path = settings.outbox_dir / f"{name}.eml"
        path.write_bytes(bytes(message))
        log.info("no SMTP_HOST: message to %s written to %s", message["To"], path)
        return None
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
