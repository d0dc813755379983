"""Accounts: create (with a password or an invitation), sign in, second factor, disable.

Every change is audited through ``journal.record``; the caller commits. TOTP secrets are
stored sealed (``registry.core.sealing``, purpose ``totp-secrets``): sealed at enrolment,
opened only to check a code. Sign-in failures
raise one ``Unauthorized`` whatever went wrong (unknown e-mail, wrong password, disabled
account), so that no answer tells whether an e-mail has an account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from .. import journal
from ..core.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from ..core.sealing import SecretBox
from ..core.types import utcnow
from ..journal import Change
from ..trust.tokens import Principal
from . import passwords
from .models import ACCOUNT_ROLES, SECOND_FACTOR_ROLES, Account, AccountSeller

INVITE_PREFIX = "inv_"
INVITE_FOR = timedelta(days=7)
SIGN_IN_FAILED = "wrong e-mail, password or code"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,63}$")
#: a source's name as API tokens are named (``flask tokens create --name``)
_SOURCE_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")
SOURCE_PREFIX = "regulator:"


def normalize_email(text: str | None) -> str:
    """The e-mail as stored and throttled: trimmed, lower case."""
    return (text or "").strip().lower()[:254]


def source_of(name: str | None) -> str:
    """The source a regulator account decides for, as its records name it
    (``regulator:<name>``), from the name alone or the whole form; or raise."""
    text = (name or "").strip()
    text = text.removeprefix(SOURCE_PREFIX)
    if not _SOURCE_NAME.match(text):
        raise ValidationFailed(
            "a source is the regulator's token name: 1 to 100 characters",
            {"source": "invalid"},
        )
    return SOURCE_PREFIX + text


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password: str | None) -> str:
    """Return *password* if it is long enough (and not absurdly long), or raise."""
    if not isinstance(password, str) or not (
        passwords.MIN_PASSWORD <= len(password) <= passwords.MAX_PASSWORD
    ):
        raise ValidationFailed(
            f"a password has {passwords.MIN_PASSWORD} to {passwords.MAX_PASSWORD} characters",
            {"password": "length"},
        )
    return password


class AccountService:
    """People's accounts; the caller commits."""

    def __init__(
        self, session: Session, now: datetime | None = None, box: SecretBox | None = None
    ) -> None:
        self.session = session
        self.now = now or utcnow()
        #: seals TOTP secrets; only the second-factor steps need it
        self.box = box

    def _totp_secret(self, account: Account) -> str:
        """The account's TOTP secret, opened ("" when it has none or it cannot be opened)."""
        if not account.totp_secret:
            return ""
        try:
            return self._sealer().open(account.totp_secret)
        except ValueError:
            return ""  # sealed under another key: no code matches, the sign-in fails

    def _sealer(self) -> SecretBox:
        if self.box is None:
            raise RuntimeError("the second factor needs the service's box (TOTP secrets)")
        return self.box

    # -- reads ----------------------------------------------------------------------------

    def get(self, account_id: int) -> Account:
        account = self.session.get(Account, account_id)
        if account is None:
            raise NotFound(f"no account {account_id}")
        return account

    def find(self, email: str) -> Account | None:
        return self.session.execute(
            select(Account).where(Account.email == normalize_email(email))
        ).scalar_one_or_none()

    def accounts(self) -> Sequence[Account]:
        return self.session.execute(select(Account).order_by(Account.id)).scalars().all()

    def seller_ids(self, account_id: int) -> list[int]:
        return list(
            self.session.execute(
                select(AccountSeller.seller_id)
                .where(AccountSeller.account_id == account_id)
                .order_by(AccountSeller.id)
            ).scalars()
        )

    def principal(self, account: Account) -> Principal:
        """The principal the services take: the person, their role and their sellers."""
        sellers = self.seller_ids(account.id) if account.role == "merchant" else []
        return Principal(
            token_id=None,
            name=account.email,
            role=account.role,
            seller_id=sellers[0] if sellers else None,
            account_id=account.id,
            seller_ids=frozenset(sellers),
            source=account.source if account.role == "regulator" else None,
        )

    @staticmethod
    def needs_second_factor(account: Account) -> bool:
        return account.role in SECOND_FACTOR_ROLES

    # -- creation and invitations ---------------------------------------------------------

    def create(
        self,
        *,
        email: str,
        role: str,
        password: str | None = None,
        seller_ids: Iterable[int] = (),
        invite: bool = False,
        actor: str = "cli",
        source: str | None = None,
    ) -> tuple[Account, str | None]:
        """Create an account with a password, or with an invitation (its token returned
        once; its page sets the password)."""
        address = normalize_email(email)
        if role not in ACCOUNT_ROLES:
            raise ValidationFailed(f"unknown role {role!r}", {"role": ", ".join(ACCOUNT_ROLES)})
        if not _EMAIL.match(address):
            raise ValidationFailed("not an e-mail address", {"email": "invalid"})
        sellers = list(dict.fromkeys(seller_ids))
        if sellers and role != "merchant":
            raise ValidationFailed("only a merchant account speaks for sellers", {"seller": role})
        if source is not None and role != "regulator":
            raise ValidationFailed("only a regulator account has a source", {"source": role})
        if self.find(address) is not None:
            raise Conflict("an account with this e-mail exists", {"email": "taken"})
        if not invite:
            check_password(password)
        account = Account(
            email=address,
            role=role,
            created_at=self.now,
            source=None if source is None else source_of(source),
        )
        token = None
        if invite:
            token = INVITE_PREFIX + secrets.token_urlsafe(32)
            account.invite_digest = _digest(token)
            account.invite_expires_at = self.now + INVITE_FOR
        else:
            account.password_hash = passwords.hash_password(password or "")
        self.session.add(account)
        self.session.flush()
        self._audit(
            actor,
            "account.create",
            account,
            None,
            {"role": role, "invite": invite, "source": account.source},
        )
        for seller_id in sellers:
            self.bind_seller(account, seller_id, "operator", actor)
        return account, token

    def invitation(self, token: str | None) -> Account:
        """The account a valid, unused invitation token opens, or raise Unauthorized."""
        if not token or not token.startswith(INVITE_PREFIX) or len(token) > 200:
            raise Unauthorized("this invitation is not valid")
        account = self.session.execute(
            select(Account).where(Account.invite_digest == _digest(token))
        ).scalar_one_or_none()
        if (
            account is None
            or account.disabled_at is not None
            or account.invite_expires_at is None
            or account.invite_expires_at <= self.now
        ):
            raise Unauthorized("this invitation is not valid")
        return account

    def accept_invitation(self, token: str | None, password: str) -> Account:
        """Set the password of an invited account; the invitation is then used up."""
        account = self.invitation(token)
        check_password(password)
        account.password_hash = passwords.hash_password(password)
        account.invite_digest = account.invite_expires_at = None
        account.session_epoch += 1
        self._audit(f"user:{account.id}", "account.accept_invitation", account, None, None)
        return account

    # -- sign-in --------------------------------------------------------------------------

    def authenticate(self, email: str, password: str) -> Account:
        """The account whose e-mail and password these are, or raise Unauthorized."""
        account = self.find(email) if isinstance(email, str) else None
        stored = account.password_hash if account is not None else None
        good = passwords.verify_password(stored, password if isinstance(password, str) else "")
        if account is None or not good or account.disabled_at is not None:
            raise Unauthorized(SIGN_IN_FAILED)
        if account.password_hash and passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        return account

    def verify_second_factor(self, account: Account, code: str) -> None:
        """Accept a TOTP code once (a code seen before is refused), or raise Unauthorized."""
        if account.disabled_at is not None or not account.totp_confirmed_at:
            raise Unauthorized(SIGN_IN_FAILED)
        secret = self._totp_secret(account)
        step = passwords.totp_step(secret, code or "", self.now) if secret else None
        if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
            raise Unauthorized(SIGN_IN_FAILED)
        account.totp_last_step = step

    def signed_in(self, account: Account) -> None:
        """Record a completed sign-in (audited as the person)."""
        account.last_sign_in_at = self.now
        self._audit(f"user:{account.id}", "account.sign_in", account, None, None)

    def start_totp(self, account: Account, issuer: str) -> tuple[str, str]:
        """A new TOTP secret for an account without a confirmed one: (secret, otpauth URI).

        Shown once: each call replaces the unconfirmed secret, and none is shown after
        the enrolment is confirmed."""
        if account.totp_confirmed_at is not None:
            raise Conflict("the second factor is set up already", {"totp": "confirmed"})
        secret = passwords.new_totp_secret()
        account.totp_secret = self._sealer().seal(secret)
        self.session.flush()
        return secret, passwords.provisioning_uri(secret, account.email, issuer)

    def confirm_totp(self, account: Account, code: str) -> None:
        """Confirm the enrolment with a code made from the new secret, or raise."""
        if account.totp_confirmed_at is not None or not account.totp_secret:
            raise Conflict("no second factor is waiting for confirmation", {"totp": "none"})
        secret = self._totp_secret(account)
        step = passwords.totp_step(secret, code or "", self.now) if secret else None
        if step is None:
            raise Unauthorized(SIGN_IN_FAILED)
        account.totp_confirmed_at = self.now
        account.totp_last_step = step
        self._audit(f"user:{account.id}", "account.totp_enrol", account, None, None)

    # -- changes by operators -------------------------------------------------------------

    def disable(self, account: Account, actor: str) -> bool:
        """Disable an account: it cannot sign in, and its sessions end. False if it was."""
        if account.disabled_at is not None:
            return False
        account.disabled_at = self.now
        account.session_epoch += 1
        account.invite_digest = account.invite_expires_at = None
        self._audit(actor, "account.disable", account, None, {"disabled_at": self.now.isoformat()})
        return True

    def set_source(self, account: Account, name: str, actor: str) -> bool:
        """Let a regulator account decide for the source *name*; False if it already did."""
        if account.role != "regulator":
            raise ValidationFailed("only a regulator account has a source", {"role": "regulator"})
        source = source_of(name)
        if account.source == source:
            return False
        old = {"source": account.source}
        account.source = source
        self._audit(actor, "account.source", account, old, {"source": source})
        return True

    def bind_seller(self, account: Account, seller_id: int, via: str, actor: str) -> bool:
        """Let a merchant account speak for *seller_id*; False if it already does."""
        if account.role != "merchant":
            raise ValidationFailed(
                "only a merchant account speaks for sellers", {"role": "merchant"}
            )
        exists = self.session.execute(
            select(func.count())
            .select_from(AccountSeller)
            .where(AccountSeller.account_id == account.id, AccountSeller.seller_id == seller_id)
        ).scalar_one()
        if exists:
            return False
        self.session.add(
            AccountSeller(account_id=account.id, seller_id=seller_id, via=via, created_at=self.now)
        )
        self.session.flush()
        self._audit(
            actor, "account.bind_seller", account, None, {"seller_id": seller_id, "via": via}
        )
        return True

    def _audit(self, actor: str, action: str, account: Account, old, new) -> None:
        journal.record(
            self.session, [Change(actor, action, "account", str(account.id), old, new)], at=self.now
        )
