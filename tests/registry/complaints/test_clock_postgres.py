"""The case clock and retention on PostgreSQL: the same queries, the same single effect."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.complaints.retention import Retention
from registry.journal.audit import verify_chain

from .helpers import NOW, accepted, service

DAY = timedelta(days=1)


@pytest.mark.postgres
def test_escalation_reminders_and_retention_on_postgresql(pg_session, tmp_path):
    session = pg_session
    unanswered, _, _ = accepted(session)
    replied, ctoken, rtoken = accepted(session)
    service(session, NOW + DAY).reply(replied.id, "已发货。", token=rtoken)
    session.commit()
    service(session, NOW + 15 * DAY + timedelta(seconds=1)).enforce_deadlines()
    session.commit()
    # The consumer's rebuttal window closes at NOW + 11 days: reminded from NOW + 8 days.
    clock = service(session, NOW + 8 * DAY).clock
    assert clock.reminders_due(10) == [(replied.id, "rebut")]
    assert clock.send_reminders(10) == 1 and clock.send_reminders(10) == 0
    session.commit()
    clock = service(session, NOW + 16 * DAY).clock
    assert clock.unanswered(10) == [unanswered.id]
    assert clock.escalate_unanswered(10) == 1 and clock.escalate_unanswered(10) == 0
    session.commit()
    assert unanswered.status == "escalated"
    # The answered case closes unconfirmed (NOW + 16 days), a year later it is forgotten.
    service(session, NOW + 17 * DAY).enforce_deadlines()
    session.commit()
    assert replied.status == "closed"
    keeper = Retention(session, NOW + 400 * DAY, tmp_path)
    assert keeper.due(10) == [replied.id] and keeper.forget_due(10) == 1
    session.commit()
    assert replied.contact is None and replied.narrative_original == ""
    assert Retention(session, NOW + 401 * DAY, tmp_path).due(10) == []
    assert verify_chain(session).ok


@pytest.mark.postgres
def test_the_rebuttal_reminder_on_postgresql(pg_session):
    session = pg_session
    rebutted, _, rtoken = accepted(session)
    service(session, NOW + DAY).reply(rebutted.id, "已发货。", token=rtoken)
    service(session, NOW + 2 * DAY).rebut(rebutted.id, "没有收到货。")
    session.commit()
    # Its answer is due at NOW + 17 days: the merchant is reminded from NOW + 14 days.
    assert service(session, NOW + 14 * DAY - timedelta(seconds=1)).clock.reminders_due(10) == []
    clock = service(session, NOW + 14 * DAY).clock
    assert clock.reminders_due(10) == [(rebutted.id, "rebuttal")]
    assert clock.send_reminders(10) == 1 and clock.send_reminders(10) == 0
    session.commit()
    assert service(session, NOW + 16 * DAY).clock.reminders_due(10) == []
