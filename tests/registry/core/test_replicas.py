"""A replica's lag in seconds, from the primary's positions at recent checks."""

from __future__ import annotations

import pytest

from registry.core.replicas import ReplicaState, lag_seconds, lsn


def test_a_wal_position_reads_as_bytes():
    assert lsn("0/3000000") == 0x3000000
    assert lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn(None) is None


CHECKS = [(10.0, 100), (11.0, 200), (12.0, 300)]


@pytest.mark.parametrize(
    ("position", "head", "idle", "lag"),
    [
        # replayed all the primary has now: no lag, however long the primary was idle
        (400, 400, 3600.0, 0.0),
        # replayed what the primary had at the check of 11.0, not that of 12.0
        (250, 400, 3600.0, 2.0),
        (300, 400, 3600.0, 1.0),
        # behind every remembered check: at least as old as the oldest, or its own age
        (50, 400, 1.0, 3.0),
        (50, 400, 7.5, 7.5),
        (50, 400, None, 3.0),
    ],
)
def test_lag_is_the_age_of_the_newest_check_the_replica_has_replayed(position, head, idle, lag):
    assert lag_seconds(CHECKS, 13.0, head, position, idle) == pytest.approx(lag)


def test_a_first_check_behind_the_primary_takes_the_replicas_own_age():
    assert lag_seconds([(5.0, 100)], 5.0, 100, 90, 42.0) == 42.0


def test_a_replica_is_read_only_while_it_keeps_up():
    ok = ReplicaState(1, up=True, checked=1.0, replayed=10, lag_seconds=4.0, lag_bytes=5)
    assert ok.usable(5.0) and not ok.usable(3.0)
    assert ok.public(5.0) == {"replica": 1, "state": "ok", "lag_seconds": 4.0, "lag_bytes": 5}
    assert ok.public(3.0)["state"] == "lagging"
    down = ReplicaState(1, up=False, checked=1.0)
    assert not down.usable(5.0) and down.public(5.0)["state"] == "down"
    assert ReplicaState(2).public(5.0)["state"] == "unchecked"
