"""Signed statements: issued by the scheduler, signed again on each request, never written by
one; revoked when the record they describe changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.events.service import EventService
from registry.trust.attestation import AttestationError, verify_attestation
from registry.trust.models import Attestation
from web import jobs

from ..factories import make_seller
from .helpers import settle


def now():
    return datetime.now(UTC)


@pytest.fixture
def seller(session, app):
    seller = make_seller(
        session, legal_name="杭州拾光数码有限公司", domains=["shiguang-shop.example"]
    )
    rows = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": now() - timedelta(days=i % 60, hours=i),
            "order_ref": f"o{i}",
            "buyer_ref": f"b{i}",
        }
        for i in range(800)
    ]
    list(EventService(session, "platform:t", "platform").submit(rows))
    session.commit()
    settle(app)
    return seller


def issue(app) -> None:
    """What the scheduler does: statements for changed sellers, then for those without."""
    jobs.issue_attestations(app)
    while jobs.renew_attestations(app):
        pass


def statement(client, seller):
    return client.get(f"/api/v1/sellers/{seller.public_id}/attestation")


def rows(session) -> int:
    session.rollback()
    return session.execute(select(func.count()).select_from(Attestation)).scalar_one()


def test_a_request_never_writes_a_statement(app, client, session, seller):
    """The reproduction: every GET inserted a row (and failed with "database is locked")."""
    pending = statement(client, seller)
    assert pending.status_code == 503 and pending.json["error"]["code"] == "statement_pending"
    assert pending.headers["Retry-After"] == "5"
    assert rows(session) == 0
    issue(app)
    before = rows(session)
    tokens = {statement(client, seller).json["data"]["token"] for _ in range(5)}
    assert len(tokens) == 1  # the same statement each time: one row, signed again
    assert rows(session) == before == 1


def test_statement_verifies_offline_and_fails_when_tampered_or_expired(app, client, seller):
    issue(app)
    token = statement(client, seller).json["data"]["token"]
    jwks = client.get("/.well-known/jwks.json").json
    claims = verify_attestation(token, jwks, now=now())
    assert claims["sub"] == seller.public_id and claims["domains"] == ["shiguang-shop.example"]
    header, payload, signature = token.split(".")
    with pytest.raises(AttestationError):
        verify_attestation(f"{header}.{payload[:-2]}xx.{signature}", jwks, now=now())
    with pytest.raises(AttestationError) as expired:
        verify_attestation(token, jwks, now=now() + timedelta(days=30))
    assert expired.value.code == "expired"


def test_changed_record_revokes_and_a_revoked_key_ends_statements(
    client, runner, session, seller, app
):
    issue(app)
    token = statement(client, seller).json["data"]["token"]
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "licence_revoked",
                    "occurred_at": now() - timedelta(hours=1),
                }
            ]
        )
    )
    session.commit()
    jobs.rescore_changed(app)
    # Until the job has run, the registry will not sign what it knows to be stale.
    assert statement(client, seller).status_code == 503
    assert jobs.issue_attestations(app) == 1
    revoked = client.get("/api/v1/attestations/revoked").json["data"]
    claims = verify_attestation(token, client.get("/.well-known/jwks.json").json, now=now())
    assert claims["jti"] in {r["jti"] for r in revoked}
    fresh = statement(client, seller).json["data"]
    assert fresh["jti"] != claims["jti"]
    kid = client.get("/.well-known/jwks.json").json["keys"][0]["kid"]
    assert runner.invoke(args=["revoke-signing-key", kid]).exit_code == 0
    with pytest.raises(AttestationError) as gone:
        verify_attestation(token, client.get("/.well-known/jwks.json").json, now=now())
    assert gone.value.code == "unknown_key"
    assert statement(client, seller).status_code == 503  # nothing signs with a revoked key
    issue(app)
    assert statement(client, seller).status_code == 200


def test_a_new_score_alone_issues_a_statement_but_revokes_nothing(app, client, session, seller):
    issue(app)
    first = statement(client, seller).json["data"]["jti"]
    list(
        EventService(session, "platform:t", "platform").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "late_shipment",
                    "occurred_at": now() - timedelta(hours=2),
                }
            ]
        )
    )
    session.commit()
    settle(app)
    jobs.issue_attestations(app)
    assert client.get("/api/v1/attestations/revoked").json["data"] == []
    assert statement(client, seller).json["data"]["jti"] != first


def test_renewal_covers_every_seller_and_prepare_issues_them(app, runner, session, seller):
    make_seller(session)
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert "2 statements issued" in result.output
    assert jobs.renew_attestations(app) == 0  # nothing due until two days before expiry


def test_a_key_id_beginning_with_a_dash_is_read_as_a_key_id(runner):
    """base64url ids may begin with "-" (a test failed now and then on such a random id)."""
    result = runner.invoke(args=["revoke-signing-key", "-2Dz-cK2ynRMpawVEr_aXQ"])
    assert result.exit_code == 1
    assert "no key with id -2Dz-cK2ynRMpawVEr_aXQ" in result.output


def test_the_published_keys_are_read_never_made(app, client):
    """Reads stay reads: asking for the key set of a registry without keys makes none."""
    folder = Path(app.config["SIGNING_KEY_DIR"])
    assert not list(folder.glob("key-*.pem"))
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.json["keys"] == []
    assert not list(folder.glob("key-*.pem"))
