"""The retention job: RETENTION_DAYS after a case closes its private data and evidence files
are deleted; the public record and the audit chain stay. Time is the job's ``now``."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from registry.complaints.models import AccessCode, Complaint, ComplaintEvidence
from registry.complaints.service import ComplaintService
from registry.events.models import Event
from registry.journal.audit import verify_chain
from registry.journal.models import AuditEntry
from registry.notify.models import Notification
from registry.privacy.gate import rescrub
from web import jobs
from web.config import evidence_dir

from ..factories import make_seller
from ..registry.complaints.helpers import MODERATOR, NOW, SECRET
from .test_complaint_status import open_status

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
NARRATIVE = "付款后商家一直不发货，我的电话13912345678也没人回，请帮忙处理退款。"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def closed_case(app, session, at=NOW, **overrides) -> tuple[Complaint, str]:
    """A complaint with evidence, answered and accepted as resolved at ``at`` + 2 days, its
    messages sent: (row, complainant token)."""

    def svc(now):
        return ComplaintService(session, now, secret=SECRET, evidence_dir=evidence_dir(app))

    seller = make_seller(session, contact_email="shop@seller.test")
    data = {
        "seller": seller.public_id,
        "category": "contract_fulfillment",
        "narrative": NARRATIVE,
        "contact": "buyer@example.com",
        "complainant_name": "王小明",
        "order_ref": "TB-2026-0001",
        "desired_resolution": "退款到王小明的账户",
        **overrides,
    }
    complaint, token = svc(at).file(data, f"client-{seller.id}", [png(), png()])
    session.commit()
    reply = svc(at).accept(complaint.id, MODERATOR)
    svc(at + DAY).reply(complaint.id, "已联系王小明，已退款。", token=reply)
    svc(at + 2 * DAY).confirm(complaint.id, token, True)
    session.commit()
    jobs.send_notifications(app, now=at + 3 * DAY)
    fresh(session)
    return session.get(Complaint, complaint.id), token


def fresh(session) -> None:
    """Read what the jobs wrote: end the snapshot and forget the rows read."""
    session.rollback()
    session.expire_all()


def outbox_files(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def files_of(app) -> list[Path]:
    folder = evidence_dir(app)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_private_data_and_files_go_after_the_period_the_public_record_stays(app, client, session):
    complaint, token = closed_case(app, session)
    closed = NOW + 2 * DAY
    assert complaint.status == "closed" and complaint.closed_at == closed
    assert len(files_of(app)) == 2
    public = complaint.narrative_public, complaint.merchant_reply, complaint.outcome
    assert "13912345678" not in public[0]
    shown = client.get(f"/api/v1/complaints/{complaint.public_id}").get_json()["data"]

    # Its messages were written to the outbox folder (no SMTP): filed, accepted, reply
    # requested, replied, closed. Another case, closed later, keeps its own.
    mine, my_files = set(outbox_files(app)), set(files_of(app))
    assert len(mine) == 5
    closed_case(app, session, at=NOW + 300 * DAY)
    theirs, their_files = set(outbox_files(app)) - mine, set(files_of(app)) - my_files
    assert jobs.retention(app, now=closed + 365 * DAY) == 0  # not past the period yet
    assert jobs.retention(app, now=closed + 365 * DAY + SECOND) == 1
    fresh(session)
    row = session.get(Complaint, complaint.id)
    assert row.private_deleted_at == closed + 365 * DAY + SECOND
    assert (row.contact, row.complainant_name, row.order_ref, row.desired_resolution) == (
        None,
        None,
        None,
        None,
    )
    assert row.narrative_original == "" and row.merchant_reply_original is None
    assert row.client_digest is None and row.status_reason_original is None
    # The files, from disk and their rows.
    assert set(files_of(app)) == their_files and len(their_files) == 2
    mine_left = select(ComplaintEvidence).where(ComplaintEvidence.complaint_id == row.id)
    assert session.execute(mine_left).first() is None
    # The copy of the narrative on the scoring event, and the case's messages.
    event = session.execute(select(Event).where(Event.complaint_id == row.id)).scalar_one()
    assert event.summary_original is None and event.summary == public[0]
    notes = session.execute(select(Notification).where(Notification.complaint_id == row.id))
    assert all(n.recipient is None and n.context == {} for n in notes.scalars())
    assert set(outbox_files(app)) == theirs
    # The public record as it was.
    assert (row.narrative_public, row.merchant_reply, row.outcome) == public
    assert client.get(f"/api/v1/complaints/{complaint.public_id}").get_json()["data"] == shown
    # One audit entry naming what went, never the data; the chain holds.
    [entry] = session.execute(
        select(AuditEntry).where(AuditEntry.action == "complaint.retention")
    ).scalars()
    said = json.loads(entry.new)
    assert entry.actor == "system:clock" and said["evidence_files"] == 2
    assert {"contact", "complainant_name", "narrative_original"} <= set(said["deleted"])
    for secret in ("buyer@example.com", "王小明", "13912345678", "TB-2026-0001"):
        assert secret not in entry.new
    assert verify_chain(session).ok
    # The complainant's page says so, with the date.
    path = f"/complaints/{complaint.public_id}/status"
    assert open_status(client, path, token).status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert 'id="private-deleted"' in html and "2027年6月3日" in html and "365" in html
    assert "您的个人资料已删除" in html.split('id="timeline"')[1]  # a step of its timeline
    assert "付款后商家" not in html.split('id="private-deleted"')[1].split("</section>")[0]


def test_a_second_run_deletes_nothing_more(app, session):
    complaint, _ = closed_case(app, session)
    later = NOW + 400 * DAY
    assert jobs.retention(app, now=later) == 1
    assert jobs.retention(app, now=later + DAY) == 0
    fresh(session)
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.action == "complaint.retention")
    ).all()
    assert len(actions) == 1


def test_cases_not_past_the_period_and_open_cases_are_untouched(app, session):
    old, _ = closed_case(app, session)
    recent, _ = closed_case(app, session, at=NOW + 100 * DAY)
    seller = make_seller(session)
    service = ComplaintService(session, NOW, secret=SECRET)
    open_case, _ = service.file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "other@example.com",
        },
        "client-open",
    )
    session.commit()
    assert jobs.retention(app, now=NOW + 380 * DAY) == 1
    fresh(session)
    assert session.get(Complaint, old.id).private_deleted_at is not None
    for untouched, contact in ((recent, "buyer@example.com"), (open_case, "other@example.com")):
        row = session.get(Complaint, untouched.id)
        assert row.private_deleted_at is None and row.contact == contact
        assert row.narrative_original == NARRATIVE
    assert len(files_of(app)) == 2  # the recent case's


def test_the_period_is_configured_and_a_run_works_in_batches(app, session):
    rows = [closed_case(app, session)[0] for _ in range(3)]
    app.config["RETENTION_DAYS"] = 30
    app.config["RETENTION_BATCH"] = 2
    assert jobs.retention(app, now=NOW + 20 * DAY) == 0
    assert jobs.retention(app, now=NOW + 40 * DAY) == 3
    fresh(session)
    assert all(session.get(Complaint, r.id).contact is None for r in rows)
    assert files_of(app) == []


def test_a_case_with_a_message_still_to_send_waits_for_the_outbox(app, session):
    complaint, _ = closed_case(app, session)
    with app.extensions["registry_db"].writer() as s:
        s.add(
            Notification(
                audience="consumer",
                recipient="buyer@example.com",
                template="closed",
                context={
                    "public_id": complaint.public_id,
                    "seller_name": "杭州测试商贸有限公司",
                    "category": "contract_fulfillment",
                    "outcome": "resolved",
                },
                complaint_id=complaint.id,
                next_attempt_at=NOW,
            )
        )
        s.commit()
    assert jobs.retention(app, now=NOW + 400 * DAY) == 0
    jobs.send_notifications(app, now=NOW + 400 * DAY)
    assert jobs.retention(app, now=NOW + 400 * DAY) == 1


def test_rescrub_keeps_the_public_text_of_a_case_whose_original_went(app, session):
    complaint, _ = closed_case(app, session)
    jobs.retention(app, now=NOW + 400 * DAY)
    fresh(session)
    before = session.get(Complaint, complaint.id).narrative_public
    with app.extensions["registry_db"].writer() as s:
        rescrub(s)
        s.commit()
    fresh(session)
    assert session.get(Complaint, complaint.id).narrative_public == before


def test_expired_one_time_codes_are_forgotten(app, session):
    with app.extensions["registry_db"].writer() as s:
        for hours in (-49, 1):
            s.add(
                AccessCode(
                    complainant_ref=f"ref{hours}",
                    client_digest="c",
                    code_digest="d",
                    created_at=NOW,
                    expires_at=NOW + timedelta(hours=hours),
                )
            )
        s.commit()
    jobs.retention(app, now=NOW)
    fresh(session)
    left = session.execute(select(AccessCode.complainant_ref)).scalars().all()
    assert left == ["ref1"]
