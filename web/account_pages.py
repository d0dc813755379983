"""Signing in and out, the second factor, invitations, and a person's account page (where
a merchant claims sellers and a regulator issues claim codes).

Sign-in: ``/login`` takes the e-mail and password; a role that needs a second factor then
gives a TOTP code at ``/login/code`` (or enrols at ``/login/enrol`` the first time), and
only then is the person signed in. The session is cleared and begun anew at each step, so
nothing of an anonymous session (its CSRF token included) survives into a signed-in one.
Failed steps are counted per account and per client address (``web.throttle``); every
failure says the same words, whether or not the e-mail has an account.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from registry.accounts.claims import ClaimService
from registry.accounts.models import Account
from registry.accounts.service import AccountService, normalize_email
from registry.core.errors import NotFound, RegistryError, Unauthorized, ValidationFailed
from registry.registration.models import Seller
from registry.registration.sellers import SellerService

from .account_forms import (
    ClaimCodeForm,
    ClaimDomainForm,
    CodeForm,
    EnrolForm,
    IssueCodeForm,
    LoginForm,
    PasswordForm,
    PlainForm,
)
from .db import get_session
from .headers import private
from .outbound import totp_box
from .page_errors import page_message
from .people import SECOND_FACTOR, Person, current_account, current_principal, person_required
from .templating import _l, gettext

bp = Blueprint("accounts", __name__)

#: the pending step between the password and the code
PENDING, PENDING_AT = "pending_account", "pending_at"
PENDING_FOR = 300  # seconds to give the code after the password
FAILED = _l("The e-mail, password or code is not right.")
THROTTLED = _l("Too many failed attempts. Please try again in %(minutes)s minutes.")
BAD_CODE = _l("This claim code is not valid, or it was used.")
NO_BOUND_DOMAIN = _l(
    "No seller has this domain bound. Ask the regulator to bind it first, or use a claim code."
)
NOT_A_DOMAIN = _l("This is not a domain name.")
NO_SELLER = _l("No seller has this id.")
HOME = {
    "moderator": "moderation.queue",
    "regulator": "accounts.account",
    "merchant": "accounts.account",
}


def _throttled(email: str) -> int:
    """Seconds until this account and this client may try again (0: now)."""
    per_account, per_client = current_app.extensions["login_throttles"]
    address = request.remote_addr or "unknown"
    return max(per_account.blocked_for(email), per_client.blocked_for(address))


def _failed(email: str) -> None:
    per_account, per_client = current_app.extensions["login_throttles"]
    per_account.failed(email)
    per_client.failed(request.remote_addr or "unknown")


def _refused(template: str, wait: int, **context) -> tuple[str, int, dict[str, str]]:
    minutes = max(1, -(-wait // 60))
    problem = gettext(THROTTLED.msgid) % {"minutes": minutes}
    return render_template(template, problem=problem, **context), 429, {"Retry-After": str(wait)}


def _safe_next(default: str) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default


def _begin_session() -> None:
    """Clear the session and give it a new id: a sign-in never continues an older one."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(16)


def _pending() -> Account | None:
    """The account that gave its password and still owes a code, if still in time."""
    marker = session.get(PENDING)
    started = session.get(PENDING_AT, 0)
    if not isinstance(marker, str) or not isinstance(started, int | float):
        return None
    if time.time() - started > PENDING_FOR:
        return None
    number, _, epoch = marker.partition(":")
    if not (number.isdigit() and epoch.isdigit()):
        return None
    account = get_session().get(Account, int(number))
    if account is None or account.disabled_at is not None or account.session_epoch != int(epoch):
        return None
    return account


def _sign_in(service: AccountService, account: Account, second_factor: bool) -> Response:
    service.signed_in(account)
    get_session().commit()
    _begin_session()
    if second_factor:
        session[SECOND_FACTOR] = True
    login_user(Person.of(account))
    return redirect(_safe_next(url_for(HOME[account.role])))


@bp.route("/login", methods=["GET", "POST"])
@private
def login():
    form = LoginForm()
    problem = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            email = normalize_email(form.email.data)
            wait = _throttled(email)
            if wait:
                return _refused("login.html", wait, form=form)
            service = AccountService(get_session())
            try:
                account = service.authenticate(email, form.password.data)
            except Unauthorized:
                _failed(email)
                problem = gettext(FAILED.msgid)
            else:
                if not service.needs_second_factor(account):
                    return _sign_in(service, account, second_factor=False)
                get_session().commit()  # a rehashed password
                _begin_session()
                session[PENDING] = f"{account.id}:{account.session_epoch}"
                session[PENDING_AT] = int(time.time())
                step = "accounts.code" if account.totp_confirmed_at else "accounts.enrol"
                return redirect(url_for(step, next=request.args.get("next") or None))
    return render_template("login.html", form=form, problem=problem), status


@bp.route("/login/code", methods=["GET", "POST"])
@private
def code():
    """The second factor: a TOTP code, once."""
    account = _pending()
    if account is None:
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    problem, status = None, 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            wait = _throttled(account.email)
            if wait:
                return _refused("login_code.html", wait, form=form)
            service = AccountService(get_session(), box=totp_box(current_app))
            try:
                service.verify_second_factor(account, form.code.data)
            except Unauthorized:
                _failed(account.email)
                problem = gettext(FAILED.msgid)
            else:
                return _sign_in(service, account, second_factor=True)
    return render_template("login_code.html", form=form, problem=problem), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@private
def enrol():
    """Set up the second factor: the secret is shown once, and confirmed with a code."""
    account = _pending()
    if account is None or account.totp_confirmed_at is not None:
        return redirect(url_for("accounts.login"))
    form = EnrolForm()
    service = AccountService(get_session(), box=totp_box(current_app))
    secret = uri = problem = None
    status = 200
    if form.validate_on_submit():
        if not form.code.data:
            secret, uri = service.start_totp(account, current_app.config["REGISTRY_NAME_EN"])
            get_session().commit()
        else:
            wait = _throttled(account.email)
            if wait:
                return _refused("login_enrol.html", wait, form=form, secret=None, uri=None)
            try:
                service.confirm_totp(account, form.code.data)
            except RegistryError:
                _failed(account.email)
                problem, status = gettext(FAILED.msgid), 400
            else:
                return _sign_in(service, account, second_factor=True)
    elif request.method == "POST":
        status = 400
    return render_template(
        "login_enrol.html", form=form, secret=secret, uri=uri, problem=problem
    ), status


@bp.route("/logout", methods=["GET", "POST"])
@private
def logout():
    """GET asks; POST (with its CSRF token) signs out and clears the session."""
    form = PlainForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        return redirect(url_for("pages.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("logout.html", form=form), status


@bp.route("/invitation", methods=["GET", "POST"])
@private
def invitation():
    """An invitation link (``/invitation#token=...``) sets the account's password once."""
    form = PasswordForm()
    problem, status = None, 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            address = request.remote_addr or "unknown"
            _per_account, per_client = current_app.extensions["login_throttles"]
            wait = per_client.blocked_for(address)
            if wait:
                return _refused("invitation.html", wait, form=form)
            try:
                AccountService(get_session()).accept_invitation(form.token.data, form.password.data)
                get_session().commit()
            except Unauthorized as exc:
                per_client.failed(address)
                get_session().rollback()
                problem = page_message(exc)
            except RegistryError as exc:
                get_session().rollback()
                problem = page_message(exc)
            else:
                flash("password_set")
                return redirect(url_for("accounts.login"))
    return render_template("invitation.html", form=form, problem=problem), status


# -- the account page ---------------------------------------------------------------------


def _account_page(status: int = 200, **context):
    account = current_account()
    session_ = get_session()
    ids = AccountService(session_).seller_ids(account.id)
    sellers = [session_.get(Seller, sid) for sid in ids]
    claims = ClaimService(session_).claims_of(account) if account.role == "merchant" else []
    forms = {
        "code_form": context.pop("code_form", None) or ClaimCodeForm(formdata=None),
        "domain_form": context.pop("domain_form", None) or ClaimDomainForm(formdata=None),
        "issue_form": context.pop("issue_form", None) or IssueCodeForm(formdata=None),
        "signout_form": PlainForm(formdata=None),
    }
    page = render_template(
        "account.html", account=account, sellers=sellers, claims=claims, **forms, **context
    )
    return page, status


@bp.get("/account")
@private
@person_required()
def account():
    return _account_page()


@bp.post("/account/claim-code")
@private
@person_required("merchant")
def claim_code():
    form = ClaimCodeForm()
    if not form.validate_on_submit():
        return _account_page(400, code_form=form)
    email = current_user.email
    wait = _throttled(email)
    if wait:
        problem = gettext(THROTTLED.msgid) % {"minutes": max(1, -(-wait // 60))}
        return _account_page(429, code_form=form, problem=problem)
    try:
        ClaimService(get_session()).claim_by_code(current_account(), form.code.data)
        get_session().commit()
    except RegistryError as exc:
        get_session().rollback()
        if isinstance(exc, Unauthorized):
            _failed(email)
            return _account_page(400, code_form=form, problem=gettext(BAD_CODE.msgid))
        return _account_page(exc.status, code_form=form, problem=page_message(exc))
    flash("claimed")
    return redirect(url_for("accounts.account"))


@bp.post("/account/claim-domain")
@private
@person_required("merchant")
def claim_domain():
    form = ClaimDomainForm()
    if not form.validate_on_submit():
        return _account_page(400, domain_form=form)
    try:
        ClaimService(get_session()).start_domain_claim(current_account(), form.domain.data)
        get_session().commit()
    except RegistryError as exc:
        get_session().rollback()
        known = {NotFound: NO_BOUND_DOMAIN, ValidationFailed: NOT_A_DOMAIN}.get(type(exc))
        problem = gettext(known.msgid) if known is not None else page_message(exc)
        return _account_page(exc.status, domain_form=form, problem=problem)
    return redirect(url_for("accounts.account"))


@bp.post("/account/claim-codes")
@private
@person_required("regulator")
def issue_claim_code():
    """A regulator issues a seller's claim code, shown once on the page that answers."""
    form = IssueCodeForm()
    if not form.validate_on_submit():
        return _account_page(400, issue_form=form)
    try:
        seller = SellerService(get_session()).get(form.seller.data.strip())
        code, row = ClaimService(get_session()).issue_code(seller, current_principal())
        get_session().commit()
    except RegistryError as exc:
        get_session().rollback()
        problem = gettext(NO_SELLER.msgid) if isinstance(exc, NotFound) else page_message(exc)
        return _account_page(exc.status, issue_form=form, problem=problem)
    return _account_page(issued={"code": code, "seller": seller, "expires_at": row.expires_at})
