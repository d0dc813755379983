from __future__ import annotations

from sqlalchemy import text

from registry.journal.audit import AuditLog, Change, verify_chain


def record(session, n=5):
    AuditLog(session).record(
        [Change("regulator:t", "x.set", "seller", str(i), {"v": i}, {"v": i + 1}) for i in range(n)]
    )
    session.commit()


def test_intact_chain_verifies(session):
    record(session)
    report = verify_chain(session)
    assert report.ok and report.checked == 5


def test_edited_row_is_detected(session):
    record(session)
    session.execute(text("UPDATE audit_log SET actor = 'someone:else' WHERE id = 3"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_id == 3 and "edited" in report.problem


def test_deleted_row_is_detected(session):
    record(session)
    session.execute(text("DELETE FROM audit_log WHERE id = 2"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_id == 3


def test_rehashed_edit_still_breaks_the_next_link(session):
    record(session)
    row = session.execute(text("SELECT prev_hash FROM audit_log WHERE id = 4")).scalar_one()
    session.execute(text("UPDATE audit_log SET entry_hash = :h WHERE id = 3"), {"h": "f" * 64})
    session.commit()
    report = verify_chain(session)
    # the edited entry's own hash no longer matches, and the next one still points to the old
    assert not report.ok and report.first_bad_id == 3 and row != "f" * 64


def test_cli_verify_audit(runner, session):
    record(session, 3)
    ok = runner.invoke(args=["verify-audit"])
    assert ok.exit_code == 0 and "3 entries" in ok.output
    session.execute(text("UPDATE audit_log SET new = '{\"v\": 99}' WHERE id = 2"))
    session.commit()
    broken = runner.invoke(args=["verify-audit"])
    assert broken.exit_code == 1 and "entry 2" in broken.output
