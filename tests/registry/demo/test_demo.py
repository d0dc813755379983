from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from stdnum.cn import uscc

from registry.demo import generate as demo
from registry.events.models import Event
from registry.registration.models import Identity, Seller

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_registrations_are_deterministic_and_valid():
    first = demo.registrations(50, now=NOW)
    assert first == demo.registrations(50, now=NOW)
    assert all(uscc.is_valid(r["identifier"]) for r in first)
    assert all("演示" in r["business_scope"] for r in first)
    assert all(d.endswith(".example") for r in first for d in r["domains"])


def test_load_gives_a_living_registry(session):
    summary = demo.load(session, count=40, now=NOW)
    session.commit()
    assert summary["sellers"] == 40
    assert session.execute(select(func.count()).select_from(Seller)).scalar_one() == 40
    assert session.execute(select(func.count()).select_from(Identity)).scalar_one() == 40
    kinds = set(session.execute(select(Event.kind).distinct()).scalars())
    assert {"order", "complaint"} <= kinds
    assert not demo.is_empty(session)


def test_cli_load_demo_only_when_empty(runner):
    result = runner.invoke(args=["load-demo", "--count", "15"])
    assert result.exit_code == 0 and "'sellers': 15" in result.output
    again = runner.invoke(args=["load-demo", "--count", "15"])
    assert "not empty" in again.output


def test_committed_sample_is_what_the_generator_makes_and_imports(runner):
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "data" / "sample_registrations_gb18030.csv"
    assert path.read_bytes() == demo.sample_csv(20)
    result = runner.invoke(args=["import-registrations", str(path)])
    assert result.exit_code == 0 and "20 created" in result.output
