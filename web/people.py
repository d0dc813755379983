"""People who sign in (Flask-Login): who the request's person is, and which pages need one.

The session names the account and its ``session_epoch`` (``get_id`` is ``"<id>:<epoch>"``):
disabling an account or changing its password raises the epoch, and every session made
before it ends at its next request. A person is signed in only after every factor their
role needs: a moderator or regulator who has typed a password but no TOTP code is not
signed in at all (the pending step is kept apart, see ``web.account_pages``).
Flask-Login's "strong" session protection ends a session whose client address or browser
changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, session
from flask_login import LoginManager, UserMixin, current_user

from registry.accounts.models import SECOND_FACTOR_ROLES, Account
from registry.accounts.service import AccountService
from registry.core.errors import Forbidden
from registry.trust.tokens import Principal

from .db import get_session

#: the session key that says the second factor was given at this sign-in
SECOND_FACTOR = "second_factor"


@dataclass
class Person(UserMixin):
    """The signed-in person as the pages see them."""

    account_id: int
    epoch: int
    email: str
    role: str

    def get_id(self) -> str:
        return f"{self.account_id}:{self.epoch}"

    @classmethod
    def of(cls, account: Account) -> Person:
        assert account.id is not None
        return cls(account.id, account.session_epoch, account.email, account.role)


def load_person(user_id: str) -> Person | None:
    """The person a session names, or None when the account is gone, disabled, its epoch
    moved on, or a factor its role needs is missing."""
    number, _, epoch = str(user_id).partition(":")
    if not (number.isdigit() and epoch.isdigit()) or len(user_id) > 40:
        return None
    account = get_session().get(Account, int(number))
    if (
        account is None
        or account.disabled_at is not None
        or account.session_epoch != int(epoch)
        or (account.role in SECOND_FACTOR_ROLES and not session.get(SECOND_FACTOR))
    ):
        return None
    return Person.of(account)


def current_account() -> Account:
    """The signed-in person's account row (in this request's database session)."""
    return AccountService(get_session()).get(current_user.account_id)


def current_principal() -> Principal:
    """The signed-in person as the services' principal (audited as ``user:<id>``)."""
    if "principal" not in g:
        g.principal = AccountService(get_session()).principal(current_account())
    return g.principal


def person_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Pages for signed-in people of *roles*: anyone else is sent to ``/login`` (302), a
    person of another role is refused (403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager().unauthorized()
            if roles and current_user.role not in roles:
                raise Forbidden(f"this page is for {' or '.join(roles)} accounts")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def login_manager() -> LoginManager:
    from flask import current_app

    return current_app.login_manager  # type: ignore[attr-defined]


class Logins(LoginManager):
    """Flask-Login without what would read the session of every answer: no remember-me
    cookie is used, and ``current_user`` reaches templates as the lazy proxy. (Flask-Login's
    own hook and context processor read the session each time, which adds ``Vary: Cookie``
    to every page and badge, and a session lookup to every request.)"""

    def _update_remember_cookie(self, response):  # the hook Flask-Login registers
        return response


def init_app(app: Flask) -> None:
    manager = Logins()
    manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    manager.session_protection = "strong"
    manager.login_view = "accounts.login"
    manager.login_message = None  # the sign-in page says what it needs itself
    manager.user_loader(load_person)
