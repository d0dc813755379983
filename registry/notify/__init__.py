"""Notifications: an outbox of e-mails written in the transaction of the change they tell
about, and sent later by a job (never in a request)."""

from __future__ import annotations

from .outbox import AUDIENCES, LOCALES, enqueue, locale_of, mail_address, notices_for

__all__ = ["AUDIENCES", "LOCALES", "enqueue", "locale_of", "mail_address", "notices_for"]
