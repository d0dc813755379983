"""API tokens expire and are revoked by prefix; `flask tokens` lists them without secrets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from registry.core.types import utcnow
from registry.journal.models import AuditEntry
from registry.trust.models import ApiToken
from registry.trust.tokens import TokenService

from ..factories import make_seller


def create(runner, *args: str):
    return runner.invoke(args=["create-token", "--role", "moderator", "--name", "审核员", *args])


def audit(session, action: str) -> list[AuditEntry]:
    session.rollback()  # a fresh snapshot: the command wrote through its own session
    return session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars().all()


def queue(client, token: str):
    return client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {token}"})


def test_create_token_with_expiry_prints_when_it_expires(runner, session):
    result = create(runner, "--expires-days", "30")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("mrt_") and "expires at" in result.stderr
    row = session.execute(select(ApiToken)).scalar_one()
    assert abs(row.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    [entry] = audit(session, "token.create")
    assert entry.values()[1]["expires_at"] == row.expires_at.isoformat()


def test_expires_days_must_be_positive(runner):
    result = create(runner, "--expires-days", "0")
    assert result.exit_code == 2 and "0 is not in the range" in result.output


def test_an_expired_token_answers_401_expired(client, session):
    created_then = utcnow() - timedelta(days=3)
    token, _row = TokenService(session, now=created_then).create(
        name="旧令牌", role="moderator", expires_days=1
    )
    session.commit()
    response = queue(client, token)
    assert response.status_code == 401
    error = response.json["error"]
    assert "expired" in error["message"] and error["details"] == {"token": "expired"}


def test_a_token_works_until_it_expires(client, session):
    token, _row = TokenService(session).create(name="新令牌", role="moderator", expires_days=1)
    session.commit()
    assert queue(client, token).status_code == 200


def test_tokens_lists_every_column_but_never_the_secret(runner, session):
    seller = make_seller(session)
    merchant = runner.invoke(
        args=["create-token", "--role", "merchant", "--name", "店主", "--seller", seller.public_id]
    ).stdout.strip()
    moderator = create(runner, "--expires-days", "7").stdout.strip()
    result = runner.invoke(args=["tokens"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["prefix", "name", "role", "seller", "created", "expires", "revoked"]
    rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()
    assert [line.split()[0] for line in lines[1:]] == [r.prefix for r in rows]
    assert seller.public_id in lines[1] and "merchant" in lines[1]
    assert f"{rows[1].expires_at:%Y-%m-%d}" in lines[2]
    for secret in (merchant, moderator, *(r.digest for r in rows)):
        assert secret not in result.output


def test_revoke_token_by_prefix_stops_it_and_is_audited(runner, client, session):
    token = create(runner).stdout.strip()
    assert queue(client, token).status_code == 200
    result = runner.invoke(args=["revoke-token", token[:9]])
    assert result.exit_code == 0 and f"revoked token {token[:12]}" in result.stdout
    response = queue(client, token)
    assert response.status_code == 401 and response.json["error"]["details"] == {"token": "revoked"}
    [entry] = audit(session, "token.revoke")
    assert entry.values()[1]["prefix"] == token[:12]
    again = runner.invoke(args=["revoke-token", token[:12]])
    assert again.exit_code == 0 and "already revoked" in again.stdout
    assert len(audit(session, "token.revoke")) == 1
    listed = runner.invoke(args=["tokens"]).stdout.splitlines()[1]
    assert listed.split()[-2:] != ["-", "-"]  # the revoked column has a date


def test_an_unknown_or_ambiguous_prefix_is_a_clear_error(runner, session):
    for name in ("甲", "乙"):
        TokenService(session).create(name=name, role="platform")
    rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()
    rows[0].prefix, rows[1].prefix = "mrt_abcd1234", "mrt_abcd5678"
    session.commit()
    ambiguous = runner.invoke(args=["revoke-token", "mrt_abcd"])
    assert ambiguous.exit_code == 1
    assert "2 tokens have the prefix 'mrt_abcd'" in ambiguous.output
    assert "mrt_abcd1234" in ambiguous.output and "mrt_abcd5678" in ambiguous.output
    unknown = runner.invoke(args=["revoke-token", "mrt_zzzz"])
    assert unknown.exit_code == 1 and "no token has the prefix 'mrt_zzzz'" in unknown.output
    short = runner.invoke(args=["revoke-token", "mrt"])
    assert short.exit_code == 1 and "at least 6 characters" in short.output
    session.rollback()
    assert all(r.revoked_at is None for r in session.execute(select(ApiToken)).scalars())
    assert runner.invoke(args=["revoke-token", "mrt_abcd5"]).exit_code == 0
