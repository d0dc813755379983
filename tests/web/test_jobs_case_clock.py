"""The case clock job: an unanswered case goes to the regulator's queue by itself, and the
party who must act next is reminded once before its deadline. Time is the job's ``now``."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from datetime import timedelta

from sqlalchemy import func, select

from registry.complaints.models import Complaint, ComplaintReminder
from registry.journal.models import AuditEntry
from registry.notify.models import Notification
from web import jobs

from ..factories import make_seller, make_token
from ..registry.complaints.helpers import MODERATOR, NOW, service

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def case(session, contact="buyer@example.com", **overrides):
    """A complaint accepted at NOW about a seller with an e-mail on record: (row, reply token)."""
    seller = make_seller(session, contact_email="shop@seller.test")
    data = {
        "seller": seller.public_id,
        "category": "contract_fulfillment",
        "narrative": "付款后商家一直不发货，客服也不回复，请平台帮忙处理退款。",
        "contact": contact,
        **overrides,
    }
    complaint, _ = service(session).file(data, f"client-{seller.id}")
    session.commit()
    reply = service(session).accept(complaint.id, MODERATOR)
    session.commit()
    return complaint, reply


def unanswered(session, count: int = 1) -> list[Complaint]:
    """Cases whose reply deadline (NOW + 15 days) passed unanswered: no_response."""
    rows = [case(session)[0] for _ in range(count)]
    service(session, NOW + 15 * DAY + SECOND).enforce_deadlines()
    session.commit()
    assert {r.status for r in rows} == {"no_response"}
    return rows


def outbox(session, template: str) -> list[Notification]:
    session.rollback()  # a new snapshot: the jobs wrote meanwhile
    session.expire_all()
    return list(
        session.execute(
            select(Notification).where(Notification.template == template).order_by(Notification.id)
        ).scalars()
    )


def test_an_unanswered_case_goes_to_the_regulator_by_itself(app, client, session):
    app.config["REGULATOR_MAIL_TO"] = "desk@amr.test"
    [complaint] = unanswered(session)
    assert jobs.case_clock(app, now=NOW + 15 * DAY + 2 * SECOND)["escalated"] == 1
    session.rollback()
    session.expire_all()
    row = session.get(Complaint, complaint.id)
    assert row.status == "escalated" and row.escalated_at == NOW + 15 * DAY + 2 * SECOND
    assert row.escalation_reason is None and row.reply_token_digest is None
    # The consumer's step and audit, the actor named as the clock.
    [audit] = session.execute(
        select(AuditEntry).where(
            AuditEntry.action == "complaint.escalate", AuditEntry.entity_id == str(row.id)
        )
    ).scalars()
    assert audit.actor == "system:clock" and json.loads(audit.new)["status"] == "escalated"
    told = {(n.audience, n.recipient) for n in outbox(session, "escalated")}
    assert told == {("consumer", "buyer@example.com"), ("merchant", "shop@seller.test")}
    [desk] = outbox(session, "escalation_queued")
    assert desk.recipient == "desk@amr.test" and desk.complaint_id == row.id
    # On the regulator's queue, with the step on its timeline.
    regulator = {"Authorization": f"Bearer {make_token(session, 'regulator')}"}
    queue = client.get("/api/v1/escalations", headers=regulator).get_json()
    assert queue["meta"]["total"] == 1 and queue["data"][0]["id"] == row.public_id
    assert queue["data"][0]["timeline"][-1]["step"] == "escalated"


def test_escalating_twice_changes_nothing(app, session):
    unanswered(session)
    later = NOW + 16 * DAY
    assert jobs.case_clock(app, now=later)["escalated"] == 1
    assert jobs.case_clock(app, now=later + DAY) == {"escalated": 0, "reminded": 0}
    assert len(outbox(session, "escalation_queued")) == 1


def test_escalation_waits_the_configured_days_and_a_negative_number_turns_it_off(app, session):
    [complaint] = unanswered(session)
    app.config["AUTO_ESCALATE_AFTER_DAYS"] = 5
    assert jobs.case_clock(app, now=NOW + 20 * DAY)["escalated"] == 0
    app.config["AUTO_ESCALATE_AFTER_DAYS"] = -1
    assert jobs.case_clock(app, now=NOW + 200 * DAY)["escalated"] == 0
    app.config["AUTO_ESCALATE_AFTER_DAYS"] = 5
    assert jobs.case_clock(app, now=NOW + 20 * DAY + 2 * SECOND)["escalated"] == 1
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "escalated"


def test_a_late_answer_keeps_the_case_from_the_regulator(app, session):
    complaint, reply = case(session)
    service(session, NOW + 15 * DAY + SECOND).enforce_deadlines()
    service(session, NOW + 15 * DAY + 2 * SECOND).reply(complaint.id, "已补发。", token=reply)
    session.commit()
    assert jobs.case_clock(app, now=NOW + 30 * DAY)["escalated"] == 0
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "merchant_replied"


def test_a_case_still_within_its_reply_period_stays(app, session):
    complaint, _ = case(session)
    assert jobs.case_clock(app, now=NOW + 10 * DAY)["escalated"] == 0
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "merchant_notified"


def test_a_run_escalates_every_case_in_bounded_batches(app, session):
    rows = unanswered(session, 5)
    app.config["CASE_CLOCK_BATCH"] = 2
    later = NOW + 16 * DAY
    with app.extensions["registry_db"].reader() as s:
        clock = service(s, later).clock
        assert len(clock.unanswered(2)) == 2  # one transaction's share
    assert jobs.case_clock(app, now=later)["escalated"] == 5
    session.expire_all()
    assert {session.get(Complaint, r.id).status for r in rows} == {"escalated"}


def at_once(app, now) -> list[dict]:
    """The job run by two schedulers at the same moment (two threads, one database)."""
    start, results = threading.Barrier(2), []

    def run() -> None:
        start.wait()
        results.append(jobs.case_clock(app, now=now))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_schedulers_at_once_escalate_and_remind_once(app, session):
    unanswered(session, 3)
    case(session)  # its reply is due at NOW + 15 days
    reminded = at_once(app, NOW + 13 * DAY)
    assert sorted(r["reminded"] for r in reminded) == [0, 1]
    escalated = at_once(app, NOW + 16 * DAY)
    assert sum(r["escalated"] for r in escalated) == 3
    assert len(outbox(session, "escalation_queued")) == 3
    assert len(outbox(session, "reminder_reply")) == 1


# -- reminders ----------------------------------------------------------------------------


def test_the_merchant_is_reminded_once_before_its_reply_deadline(app, session, tmp_path):
    complaint, _ = case(session)
    due = NOW + 15 * DAY
    assert jobs.case_clock(app, now=due - 3 * DAY - SECOND)["reminded"] == 0
    assert jobs.case_clock(app, now=due - 3 * DAY)["reminded"] == 1
    assert jobs.case_clock(app, now=due - 2 * DAY)["reminded"] == 0
    assert jobs.case_clock(app, now=due - SECOND)["reminded"] == 0
    [note] = outbox(session, "reminder_reply")
    assert note.audience == "merchant" and note.recipient == "shop@seller.test"
    assert note.context["reply_due"] == "2026-06-16 09:00 UTC"
    [marker] = session.execute(select(ComplaintReminder)).scalars()
    assert (marker.complaint_id, marker.kind, marker.due_at) == (complaint.id, "reply", due)
    # It is sent like every message, in Chinese, with where to answer.
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "mail")
    jobs.send_notifications(app, now=due)
    [mail] = (tmp_path / "mail").glob("*reminder_reply.eml")
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "提醒" in message["Subject"] and "2026-06-16 09:00 UTC" in text
    assert "/merchant" in text and complaint.public_id in text


def test_the_lead_time_is_configured(app, session):
    case(session)
    app.config["REMIND_REPLY_DAYS"] = 5
    assert jobs.case_clock(app, now=NOW + 10 * DAY - SECOND)["reminded"] == 0
    assert jobs.case_clock(app, now=NOW + 10 * DAY)["reminded"] == 1


def test_no_reminder_once_the_merchant_answered(app, session):
    complaint, reply = case(session)
    service(session, NOW + DAY).reply(complaint.id, "已发货。", token=reply)
    session.commit()
    # The consumer's rebuttal window (NOW + 11 days) is what is reminded now, not the reply.
    assert jobs.case_clock(app, now=NOW + 13 * DAY)["reminded"] == 0
    assert outbox(session, "reminder_reply") == []


def test_the_consumer_is_reminded_once_before_the_rebuttal_window_closes(app, session):
    complaint, reply = case(session, locale="en")
    service(session, NOW + DAY).reply(complaint.id, "已发货。", token=reply)
    session.commit()
    closes = NOW + 11 * DAY
    assert jobs.case_clock(app, now=closes - 3 * DAY - SECOND)["reminded"] == 0
    assert jobs.case_clock(app, now=closes - 3 * DAY)["reminded"] == 1
    assert jobs.case_clock(app, now=closes - DAY)["reminded"] == 0
    [note] = outbox(session, "reminder_rebut")
    assert note.audience == "consumer" and note.recipient == "buyer@example.com"
    assert note.locale == "en" and note.context["rebut_by"] == "2026-06-12 09:00 UTC"
    assert session.execute(select(func.count()).select_from(ComplaintReminder)).scalar_one() == 1


def test_a_consumer_who_rebutted_is_not_reminded(app, session):
    complaint, reply = case(session)
    service(session, NOW + DAY).reply(complaint.id, "已发货。", token=reply)
    service(session, NOW + 2 * DAY).rebut(complaint.id, "没有收到货。")
    session.commit()
    assert jobs.case_clock(app, now=NOW + 9 * DAY)["reminded"] == 0
    assert outbox(session, "reminder_rebut") == []


def rebutted(session):
    """A case answered at NOW + 1 day and rebutted at NOW + 2 days: its answer is due at
    NOW + 17 days."""
    complaint, reply = case(session)
    service(session, NOW + DAY).reply(complaint.id, "已发货。", token=reply)
    service(session, NOW + 2 * DAY).rebut(complaint.id, "没有收到货，快递单号查不到。")
    session.commit()
    return complaint


def test_the_merchant_is_reminded_once_before_its_deadline_to_answer_the_rebuttal(app, session):
    complaint = rebutted(session)
    due = NOW + 17 * DAY
    assert jobs.case_clock(app, now=due - 3 * DAY - SECOND)["reminded"] == 0
    assert jobs.case_clock(app, now=due - 3 * DAY)["reminded"] == 1
    assert jobs.case_clock(app, now=due - 2 * DAY)["reminded"] == 0
    assert jobs.case_clock(app, now=due - SECOND)["reminded"] == 0
    [note] = outbox(session, "reminder_rebuttal")
    assert note.audience == "merchant" and note.recipient == "shop@seller.test"
    assert note.context["answer_due"] == "2026-06-18 09:00 UTC"
    assert "快递单号" in note.context["rebuttal"]
    [marker] = session.execute(select(ComplaintReminder)).scalars()
    assert (marker.complaint_id, marker.kind, marker.due_at) == (complaint.id, "rebuttal", due)
    # neither the first reply's reminder nor the consumer's: theirs are done
    assert outbox(session, "reminder_reply") == outbox(session, "reminder_rebut") == []


def test_the_rebuttal_reminder_takes_the_merchant_s_lead_time(app, session):
    rebutted(session)
    app.config["REMIND_REPLY_DAYS"] = 5
    assert jobs.case_clock(app, now=NOW + 12 * DAY - SECOND)["reminded"] == 0
    assert jobs.case_clock(app, now=NOW + 12 * DAY)["reminded"] == 1


def test_no_rebuttal_reminder_once_the_merchant_answered_it(app, session):
    complaint = rebutted(session)
    reply = service(session, NOW + 3 * DAY).issue_reply_link(complaint.id)
    service(session, NOW + 3 * DAY).reply(complaint.id, "已重新发货，单号见附件。", token=reply)
    session.commit()
    assert jobs.case_clock(app, now=NOW + 14 * DAY)["reminded"] == 0
    assert outbox(session, "reminder_rebuttal") == []


def test_the_reminders_read_in_both_languages():
    from registry.notify.messages import render

    context = {
        "public_id": "c-1",
        "seller_name": "杭州测试商贸有限公司",
        "category": "contract_fulfillment",
        "reply_due": "2026-06-16 09:00 UTC",
        "rebut_by": "2026-06-12 09:00 UTC",
        "confirm_by": "2026-06-16 09:00 UTC",
        "answer_due": "2026-06-18 09:00 UTC",
        "rebuttal": "没有收到货。",
    }
    for template in ("reminder_reply", "reminder_rebuttal", "reminder_rebut"):
        zh = render(template, "zh", context, "https://r.test")
        en = render(template, "en", context, "https://r.test")
        assert "提醒" in zh[0] and en[0].startswith("Reminder")
        assert "2026-06-" in zh[1] and "2026-06-" in en[1]


def test_the_scheduler_runs_the_clock_and_retention_once_at_a_time(app):
    scheduler = jobs.build_scheduler(app, blocking=False)
    for job_id, fn in (("case-clock", jobs.case_clock), ("retention", jobs.retention)):
        job = scheduler.get_job(job_id)
        assert job.func is fn and job.coalesce and job.max_instances == 1
