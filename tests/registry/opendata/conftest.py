"""Helpers of the open data tests: many sellers in one batch, events and complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.events.service import EventService
from registry.registration.importing import RawRecord
from registry.registration.service import RegistrationService

from ...factories import new_code


def add_sellers(session, n: int, start: int = 0) -> None:
    """Register ``n`` sellers through the service, in one batch."""
    records = [
        RawRecord(i + 1, {"identifier": new_code(), "legal_name": f"宁波开放数据{start + i}号商行"})
        for i in range(n)
    ]
    results = list(RegistrationService(session, actor="regulator:test").submit(records))
    assert all(r.status == "created" for r in results), results[:3]
    session.commit()


def add_events(session, seller, role: str, *events: dict) -> None:
    occurred = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    results = list(
        EventService(session, f"{role}:feed", role).submit(
            [{"seller": seller.public_id, "occurred_at": occurred, **e} for e in events]
        )
    )
    assert all(r.status == "created" for r in results), results
    session.commit()


@pytest.fixture
def reader(app):
    s = app.extensions["registry_db"].reader()
    yield s
    s.close()
