"""Signing in: password then TOTP, session rotation, CSRF, generic failures, disabled
accounts, and throttling per account and per client address."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from registry.accounts.models import Account
from registry.accounts.service import AccountService
from registry.journal.models import AuditEntry

from ..people import PASSWORD, code_now, csrf, make_account, sign_in

FAILED_EN = "The e-mail, password or code is not right."


def test_a_merchant_signs_in_with_a_password(client, session):
    merchant = make_account(session, "merchant")
    response = sign_in(client, merchant)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")
    page = client.get("/account?lang=en")
    assert page.status_code == 200
    assert merchant.email in page.get_data(as_text=True)


def test_the_password_is_stored_as_an_argon2id_hash(session):
    account = make_account(session, "merchant")
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_a_moderator_needs_the_totp_code(client, session):
    moderator = make_account(session, "moderator")
    token = csrf(client, "/login")
    first = client.post(
        "/login", data={"csrf_token": token, "email": moderator.email, "password": PASSWORD}
    )
    assert first.status_code == 302 and "/login/code" in first.headers["Location"]
    # The password alone signs no one in: the console still sends to the sign-in page.
    assert client.get("/moderation").status_code == 302
    token = csrf(client, "/login/code")
    wrong = client.post("/login/code?lang=en", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400 and FAILED_EN in wrong.get_data(as_text=True)
    good = client.post("/login/code", data={"csrf_token": token, "code": code_now(moderator)})
    assert good.status_code == 302 and good.headers["Location"].endswith("/moderation")
    assert client.get("/moderation").status_code == 200


def test_a_totp_code_is_good_once(client, session, app):
    moderator = make_account(session, "moderator")
    code = code_now(moderator)
    assert sign_in(client, moderator, code=code).status_code == 302
    other = app.test_client()
    replay = sign_in(other, moderator, code=code)
    assert replay.status_code == 400


def test_enrolment_shows_the_secret_once_and_a_pyotp_code_confirms_it(client, session):
    moderator = make_account(session, "moderator", enrol=False)
    token = csrf(client, "/login")
    step = client.post(
        "/login", data={"csrf_token": token, "email": moderator.email, "password": PASSWORD}
    )
    assert "/login/enrol" in step.headers["Location"]
    token = csrf(client, "/login/enrol")
    shown = client.post("/login/enrol?lang=en", data={"csrf_token": token}).get_data(as_text=True)
    assert "otpauth://totp/" in shown
    secret = shown.split("data-totp-secret>", 1)[1].split("<", 1)[0]
    assert len(secret) >= 16
    done = client.post("/login/enrol", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/moderation").status_code == 200
    # Enrolled: the page shows no secret again, to this session or any other.
    assert client.get("/login/enrol").status_code == 302


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(client, session):
    merchant = make_account(session, "merchant")
    answers = []
    for email, password in ((merchant.email, "wrong password!"), ("nobody@example.org", PASSWORD)):
        token = csrf(client, "/login")
        response = client.post(
            "/login?lang=en", data={"csrf_token": token, "email": email, "password": password}
        )
        page = response.get_data(as_text=True).replace(email, "")
        # The form's new CSRF token is signed with the time: the one difference allowed.
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "", page)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and FAILED_EN in answers[0][1]


def test_the_session_is_new_after_sign_in(client, session):
    merchant = make_account(session, "merchant")
    before = csrf(client, "/login")
    old_cookie = client.get_cookie("session").value
    sign_in(client, merchant)
    after = csrf(client, "/account")
    assert after != before  # a new CSRF token: the session was cleared
    assert client.get_cookie("session").value != old_cookie
    # The anonymous session's cookie, replayed, is nobody's.
    client.set_cookie("session", old_cookie)
    assert client.get("/account").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client, session):
    merchant = make_account(session, "merchant")
    response = client.post("/login", data={"email": merchant.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_signing_out_takes_a_post_with_its_token(client, session):
    merchant = make_account(session, "merchant")
    sign_in(client, merchant)
    assert client.get("/logout").status_code == 200  # asks, does not sign out
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 400  # no CSRF token
    token = csrf(client, "/logout")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(client, session, app):
    merchant = make_account(session, "merchant")
    sign_in(client, merchant)
    assert client.get("/account").status_code == 200
    account = session.get(Account, merchant.id)
    AccountService(session).disable(account, "cli")
    session.commit()
    assert client.get("/account").status_code == 302
    again = sign_in(app.test_client(), merchant)
    assert again.status_code == 400


def test_next_goes_only_to_a_path_of_this_site(client, session):
    merchant = make_account(session, "merchant")
    token = csrf(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": token, "email": merchant.email, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/account")


def test_sign_in_is_audited_with_the_person(client, session):
    merchant = make_account(session, "merchant")
    sign_in(client, merchant)
    session.rollback()
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "account.sign_in")
    ).scalars()
    assert list(actors) == [f"user:{merchant.id}"]


# -- throttling -----------------------------------------------------------------------------


@pytest.fixture
def throttled_app(make_app):
    return make_app(LOGIN_ACCOUNT_LIMIT="3 per minute", LOGIN_CLIENT_LIMIT="5 per minute")


@pytest.fixture
def make_app(tmp_path, migrated_template):
    from tests.conftest import make_test_app
    from web import create_app

    base = make_test_app(tmp_path, migrated_template)
    base.extensions["registry_db"].dispose()
    made = []

    def make(**config):
        app = create_app({**base.config, **config})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["registry_db"].dispose()


def _attempt(client, email, password, address):
    env = {"REMOTE_ADDR": address}
    token = csrf(client, "/login", environ_base=env)
    return client.post(
        "/login?lang=en",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base=env,
    )


def _session_of(app):
    return app.extensions["registry_db"].writer()


def test_failures_are_counted_per_account(throttled_app):
    with _session_of(throttled_app) as s:
        merchant = make_account(s, "merchant")
    client = throttled_app.test_client()
    codes = [
        _attempt(client, merchant.email, "wrong password!", f"198.51.100.{i}").status_code
        for i in range(3)
    ]
    assert codes == [400, 400, 400]
    # From yet another address, and with the right password: the account waits.
    blocked = _attempt(client, merchant.email, PASSWORD, "198.51.100.99")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) <= 61
    assert "Too many failed attempts" in blocked.get_data(as_text=True)


def test_failures_are_counted_per_client_address(throttled_app):
    with _session_of(throttled_app) as s:
        merchant = make_account(s, "merchant")
    client = throttled_app.test_client()
    for i in range(5):  # five different e-mails, one address
        assert _attempt(client, f"guess{i}@example.org", "x" * 12, "203.0.113.5").status_code == 400
    assert _attempt(client, merchant.email, PASSWORD, "203.0.113.5").status_code == 429
    assert _attempt(client, merchant.email, PASSWORD, "203.0.113.6").status_code == 302


REDIS = ("127.0.0.1", 6379)


def _redis_or_skip() -> None:
    import socket

    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")


def test_two_workers_share_one_count_in_redis(make_app):
    import uuid

    _redis_or_skip()
    settings = {
        "LOGIN_ACCOUNT_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/12",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this test's own counts
    }
    first, second = make_app(**settings), make_app(**settings)
    with _session_of(first) as s:
        merchant = make_account(s, "merchant")
    one, two = first.test_client(), second.test_client()
    assert _attempt(one, merchant.email, "wrong password!", "192.0.2.1").status_code == 400
    assert _attempt(two, merchant.email, "wrong password!", "192.0.2.2").status_code == 400
    assert _attempt(one, merchant.email, "wrong password!", "192.0.2.3").status_code == 400
    assert _attempt(two, merchant.email, PASSWORD, "192.0.2.4").status_code == 429
