"""The public-text gate: every text column of the schema is public-scrubbed (with a private
twin), published as the registry's own fact, or private; and the gate scrubs on the way in."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text

from registry.privacy.gate import PRIVATE, PUBLIC_TEXT, PUBLISHED_AS_IS, public_text
from registry.schema import metadata


def _text_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | JSON)
        or isinstance(getattr(column.type, "impl", None), String)  # SQLModel's AutoString
    }


def _classified() -> dict[tuple[str, str], list[str]]:
    seen: dict[tuple[str, str], list[str]] = {}
    for table, pairs in PUBLIC_TEXT.items():
        for public, private in pairs.items():
            seen.setdefault((table, public), []).append("public text")
            seen.setdefault((table, private), []).append("its private original")
    for kind, groups in (("published as is", PUBLISHED_AS_IS), ("private", PRIVATE)):
        for table, columns in groups.items():
            for column in columns:
                seen.setdefault((table, column), []).append(kind)
    return seen


def test_every_text_column_has_exactly_one_decision():
    """A new field cannot reach the public without a decision: add it to registry.privacy.gate."""
    seen = _classified()
    undecided = sorted(_text_columns() - set(seen))
    assert undecided == [], f"columns with no publication decision: {undecided}"
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert twice == {}
    stale = sorted(set(seen) - _text_columns())
    assert stale == [], f"decisions about columns that do not exist: {stale}"


def test_the_gate_scrubs_and_keeps_the_original():
    text = "王小明在此投诉，电话13812345678。"
    shown = public_text(text, limit=4000, names=["王小明"])
    assert shown.original == text
    assert "13812345678" not in shown.public and "王小明" not in shown.public
    assert public_text("  ", limit=10) == public_text(None, limit=10)
    assert public_text(None, limit=10).public is None


def test_the_gate_bounds_the_public_copy():
    shown = public_text("很长" * 3000, limit=100)
    assert len(shown.public) == 100 and shown.public.endswith("…")
    assert len(shown.original) == 6000


def test_rescrub_derives_public_copies_again_from_the_originals(app, runner, session):
    """Texts published before the gate (or by an older scrubber) are scrubbed again."""
    from registry.events.models import Event
    from registry.events.service import EventService
    from registry.journal import changelog

    from ...factories import make_seller

    seller = make_seller(session)
    [result] = EventService(session, "platform:p", "platform").submit(
        [
            {
                "seller": seller.public_id,
                "kind": "complaint",
                "category": "after_sales",
                "occurred_at": "2026-11-01T10:00:00+00:00",
                "summary": "买家留言：电话13812345678",
            }
        ]
    )
    session.commit()
    row = session.get(Event, result.event_id)
    row.summary = row.summary_original  # as an upgraded registry stored it
    session.commit()
    head = changelog.head(session)
    out = runner.invoke(args=["rescrub"])
    assert out.exit_code == 0 and "1 event summaries" in out.output, out.output
    session.rollback()
    assert "13812345678" not in session.get(Event, result.event_id).summary
    assert session.get(Event, result.event_id).summary_original.endswith("13812345678")
    assert changelog.head(session) == head + 1
    again = runner.invoke(args=["rescrub"])
    assert "0 event summaries and 0 complaint texts" in again.output
