"""Helpers of the tests of people who sign in: accounts, TOTP codes, forms' CSRF tokens."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pyotp

from registry.accounts.service import AccountService
from registry.core.sealing import TOTP_SECRETS, SecretBox
from registry.core.types import utcnow

PASSWORD = "correct horse battery"
#: the test apps' ALERT_SECRET_KEY (tests/conftest.py): TOTP secrets are sealed under it
SEALING_KEY = "test-sealing-key"
BOX = SecretBox(SEALING_KEY, TOTP_SECRETS)
_n = itertools.count(1)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_account(session, role: str, *, email=None, seller_ids=(), enrol: bool = True, commit=True):
    """An account with PASSWORD; a moderator's or regulator's has a confirmed TOTP secret
    (confirmed a few steps ago, so that the current code is still unused)."""
    email = email or f"{role}{next(_n)}@example.org"
    account, _ = AccountService(session).create(
        email=email, role=role, password=PASSWORD, seller_ids=seller_ids
    )
    if enrol and role in ("moderator", "regulator"):
        earlier = utcnow() - timedelta(minutes=3)
        service = AccountService(session, earlier, box=BOX)
        secret, _uri = service.start_totp(account, "Registry")
        service.confirm_totp(account, pyotp.TOTP(secret).at(earlier))
    if commit:
        session.commit()
    return account


def totp_secret(account) -> str:
    """The account's TOTP secret, opened from its sealed column."""
    return BOX.open(account.totp_secret)


def code_now(account) -> str:
    return pyotp.TOTP(totp_secret(account)).now()


def csrf(client, path: str, **kwargs) -> str:
    """The CSRF token of the form on *path* (the page as the client's session sees it)."""
    page = client.get(path, **kwargs).get_data(as_text=True)
    found = _CSRF.search(page)
    assert found, f"no form on {path}"
    return found.group(1)


def sign_in(client, account, password: str = PASSWORD, code: str | None = None, address=None):
    """Sign in through the pages (password, then the TOTP code when the role needs one);
    return the last response. *address*: the client's address (default the test client's)."""
    env = {"REMOTE_ADDR": address} if address else {}
    token = csrf(client, "/login", environ_base=env)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": account.email, "password": password},
        environ_base=env,
    )
    if response.status_code != 302 or "/login/code" not in response.headers["Location"]:
        return response
    token = csrf(client, "/login/code", environ_base=env)
    return client.post(
        "/login/code",
        data={"csrf_token": token, "code": code or code_now(account)},
        environ_base=env,
    )
