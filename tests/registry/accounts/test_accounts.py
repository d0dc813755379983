"""Accounts: creation, passwords, TOTP codes, invitations, claim codes (the service alone)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from registry.accounts.claims import ClaimService
from registry.accounts.models import Account
from registry.accounts.passwords import totp_step
from registry.accounts.service import SIGN_IN_FAILED, AccountService
from registry.core.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from registry.core.sealing import ALERT_SECRETS, SecretBox
from registry.core.types import utcnow
from registry.journal.models import AuditEntry
from registry.trust.tokens import Principal

from ...factories import make_seller
from ...people import BOX, PASSWORD, SEALING_KEY

REGULATOR = Principal(None, "reg@example.org", "regulator", account_id=7)


def _create(session, role="merchant", **kwargs):
    account, token = AccountService(session).create(
        email=kwargs.pop("email", f"{role}@example.org"), role=role, password=PASSWORD, **kwargs
    )
    return account


@pytest.mark.parametrize(
    "email,password",
    [("merchant@example.org", "wrong password"), ("nobody@example.org", PASSWORD), ("", "")],
)
def test_every_failed_sign_in_says_the_same(session, email, password):
    _create(session)
    with pytest.raises(Unauthorized) as raised:
        AccountService(session).authenticate(email, password)
    assert raised.value.message == SIGN_IN_FAILED


def test_a_disabled_account_cannot_sign_in_and_its_epoch_moves(session):
    account = _create(session)
    service = AccountService(session)
    assert service.authenticate("MERCHANT@example.org ", PASSWORD).id == account.id
    service.disable(account, "cli")
    assert account.session_epoch == 1
    with pytest.raises(Unauthorized):
        service.authenticate(account.email, PASSWORD)
    assert service.disable(account, "cli") is False


@pytest.mark.parametrize("bad", ["not-an-email", "a@b", "x" * 300 + "@example.org"])
def test_a_bad_email_is_refused(session, bad):
    with pytest.raises(ValidationFailed):
        AccountService(session).create(email=bad, role="merchant", password=PASSWORD)


def test_only_merchants_speak_for_sellers(session):
    seller = make_seller(session, commit=False)
    with pytest.raises(ValidationFailed):
        _create(session, "moderator", seller_ids=[seller.id])


def test_totp_codes_within_one_step_either_side_and_once(session):
    account = _create(session, "moderator")
    now = utcnow()
    service = AccountService(session, now - timedelta(minutes=5), box=BOX)
    secret, uri = service.start_totp(account, "Registry")
    assert uri.startswith("otpauth://totp/Registry:moderator%40example.org?secret=")
    service.confirm_totp(account, pyotp.TOTP(secret).at(now - timedelta(minutes=5)))
    with pytest.raises(Conflict):
        service.start_totp(account, "Registry")  # never shown again
    late = AccountService(session, now, box=BOX)
    previous = pyotp.TOTP(secret).at(now - timedelta(seconds=30))
    late.verify_second_factor(account, previous)
    with pytest.raises(Unauthorized):
        late.verify_second_factor(account, previous)  # a code is good once
    with pytest.raises(Unauthorized):
        late.verify_second_factor(account, pyotp.TOTP(secret).at(now - timedelta(minutes=2)))
    assert totp_step(secret, "12345", now) is None
    assert totp_step(secret, "１２３４５６", now) is None  # full-width digits are no code


def test_an_invitation_expires(session):
    service = AccountService(session, utcnow() - timedelta(days=8))
    account, token = service.create(email="i@example.org", role="regulator", invite=True)
    assert account.password_hash is None
    with pytest.raises(Unauthorized):
        AccountService(session).accept_invitation(token, PASSWORD)


def test_a_claim_code_is_one_time_and_expires(session):
    seller = make_seller(session, commit=False)
    merchant = _create(session)
    claims = ClaimService(session, utcnow() - timedelta(days=31))
    old, _ = claims.issue_code(seller, REGULATOR)
    with pytest.raises(Unauthorized):
        ClaimService(session).claim_by_code(merchant, old)
    code, row = ClaimService(session).issue_code(seller, REGULATOR)
    assert len(code) == 19 and code.count("-") == 3
    assert row.digest != code  # stored as a digest
    assert ClaimService(session).claim_by_code(merchant, code) == seller.id
    with pytest.raises(Unauthorized):
        ClaimService(session).claim_by_code(merchant, code)
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "claim_code.issue")
    ).scalars()
    assert set(actors) == {"user:7"}


def test_only_regulators_issue_and_only_merchants_claim(session):
    seller = make_seller(session, commit=False)
    with pytest.raises(Forbidden):
        ClaimService(session).issue_code(seller, Principal(None, "m", "moderator", account_id=1))
    moderator = _create(session, "moderator")
    code, _ = ClaimService(session).issue_code(seller, REGULATOR)
    with pytest.raises(Forbidden):
        ClaimService(session).claim_by_code(moderator, code)


def test_a_tokens_principal_keeps_its_actor():
    assert Principal(3, "ops", "moderator").actor == "moderator:ops"
    assert Principal(None, "a@example.org", "moderator", account_id=3).actor == "user:3"


def test_the_totp_secret_is_sealed_in_its_row(session):
    account = _create(session, "moderator")
    earlier = utcnow() - timedelta(minutes=3)
    service = AccountService(session, earlier, box=BOX)
    secret, uri = service.start_totp(account, "Registry")
    service.confirm_totp(account, pyotp.TOTP(secret).at(earlier))
    session.commit()
    stored = session.execute(
        select(Account.totp_secret).where(Account.id == account.id)
    ).scalar_one()
    assert secret not in stored and stored != secret and secret in uri
    assert BOX.open(stored) == secret
    AccountService(session, box=BOX).verify_second_factor(account, pyotp.TOTP(secret).now())


def test_a_value_sealed_for_webhooks_does_not_open_as_a_totp_secret(session):
    account = _create(session, "moderator")
    earlier = utcnow() - timedelta(minutes=3)
    service = AccountService(session, earlier, box=BOX)
    secret, _ = service.start_totp(account, "Registry")
    service.confirm_totp(account, pyotp.TOTP(secret).at(earlier))
    # The same secret sealed under the same master key, but for webhooks: never a TOTP secret.
    account.totp_secret = SecretBox(SEALING_KEY, ALERT_SECRETS).seal(secret)
    with pytest.raises(ValueError):
        BOX.open(account.totp_secret)
    with pytest.raises(Unauthorized):
        AccountService(session, box=BOX).verify_second_factor(account, pyotp.TOTP(secret).now())
