"""Consumers file complaints and confirm outcomes; merchants reply with a one-time link.

A private link carries its token in the fragment (``/complaints/<id>#token=...``): the browser
never sends it, so no request line, access log or Referer holds it. The page's static script
(``private-link.js``) puts it into the form, which is POSTed with its CSRF token; without
JavaScript, the token can be pasted into the form. An old link with ``?token=`` is redirected
to the fragment form once, so that the token leaves the address at the first request."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie,
)
from werkzeug.wrappers import Response

from registry.complaints.access import MERCHANT_UPLOAD_STATES, Viewer
from registry.complaints.service import ComplaintService
from registry.complaints.timeline import next_deadline, timeline
from registry.core.errors import NotFound, RegistryError, Unauthorized, ValidationFailed
from registry.registration.sellers import SellerService

from .case_files import (
    attach_merchant_files,
    evidence_list,
    evidence_response,
    page_viewer,
    upload_problem,
)
from .config import evidence_dir
from .db import get_session
from .forms import (
    AcceptOutcomeForm,
    CodeForm,
    ComplaintForm,
    ConfirmForm,
    EscalateForm,
    EvidenceForm,
    OpenForm,
    RebutForm,
    RecoverForm,
    ReplyForm,
    SiteReportForm,
)
from .headers import private
from .i18n import select_locale
from .links import external_url, with_fragment
from .page_errors import field_message, page_message
from .payload import evidence_files

bp = Blueprint("complaints", __name__)


def client_key() -> str:
    """Who is filing, for rate limits: the client address (hashed again by the service)."""
    return hashlib.sha256((request.remote_addr or "unknown").encode()).hexdigest()


def complaint_service(session) -> ComplaintService:
    return ComplaintService(
        session,
        secret=current_app.config["DIGEST_SECRET"],
        regulator_address=current_app.config.get("REGULATOR_MAIL_TO"),
        evidence_dir=evidence_dir(current_app),
    )


def _token_out_of_query(endpoint: str, public_id: str) -> Response | None:
    """For an old link's ``?token=``: the same page with the token in the fragment."""
    token = request.args.get("token")
    if not token or request.method != "GET":
        return None
    url = with_fragment(url_for(endpoint, public_id=public_id), {"token": token})
    return redirect(url, 303)


def _file(session, form, about: dict) -> tuple[object, str | None, str | None]:
    """File what the form holds about a seller or a site: (complaint, link, problem)."""
    if not form.validate_on_submit():
        return None, None, None
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "evidence")}
    data["amount"] = None if data["amount"] is None else str(data["amount"])
    data["locale"] = select_locale()
    try:
        complaint, token = complaint_service(session).file(
            {**data, **about}, client_key(), evidence_files()
        )
        session.commit()
    except RegistryError as exc:
        session.rollback()
        if isinstance(exc.details, dict):
            for field in exc.details:
                if field in form:
                    form[field].errors = [*form[field].errors, field_message(field)]
        return None, None, page_message(exc)
    return complaint, status_link(complaint.public_id, token), None


@bp.route("/sellers/<public_id>/complain", methods=["GET", "POST"])
@private
def complain(public_id: str):
    session = get_session()
    seller = SellerService(session).get(public_id)
    form = ComplaintForm()
    complaint, link, problem = _file(session, form, {"seller": public_id})
    if complaint is not None:
        return render_template(
            "complaint_filed.html",
            complaint=complaint,
            seller=seller,
            link=link,
            periods=periods(),
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "complain.html", form=form, seller=seller, problem=problem, periods=periods()
    ), status


def status_link(public_id: str, token: str) -> str:
    """The complainant's private link: their status page, the token in the fragment."""
    return external_url("complaints.status", fragment={"token": token}, public_id=public_id)


def periods() -> dict[str, int]:
    """The days a consumer is told of (from the rules, so that pages never disagree)."""
    from registry.complaints import rules

    return {
        "moderation": rules.MODERATION_PERIOD.days,
        "reply": rules.REPLY_PERIOD.days,
        "rebut": rules.REBUT_PERIOD.days,
        "confirm": rules.CONFIRM_PERIOD.days,
    }


@bp.route("/report-site", methods=["GET", "POST"])
@private
def report_site():
    """Report a site no registered seller is bound to (reached from an empty search)."""
    session = get_session()
    form = SiteReportForm()
    if request.method == "GET" and not form.site.data:
        form.site.data = (request.args.get("site") or "")[:2000]
    complaint, link, problem = _file(session, form, {"site": form.site.data or ""})
    if complaint is not None:
        seller = None
        if complaint.seller_id is not None:  # the site turned out to be a registered seller's
            seller = SellerService(session).get(
                complaint_service(session).public_view(complaint)["seller"]
            )
        return render_template(
            "complaint_filed.html", complaint=complaint, seller=seller, link=link, periods=periods()
        )
    status = 400 if request.method == "POST" else 200
    return render_template("report_site.html", form=form, problem=problem), status


@bp.route("/complaints/<public_id>", methods=["GET", "POST"])
@private
def complaint(public_id: str):
    """A complaint's public page; with the complainant's token, the outcome can be confirmed."""
    moved = _token_out_of_query("complaints.complaint", public_id)
    if moved is not None:
        return moved
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    form = ConfirmForm()
    token = request.form.get("token", "").strip() if request.method == "POST" else ""
    problem = None
    if form.validate_on_submit():
        try:
            service.confirm(row.id, token, form.resolved.data == "yes")
            session.commit()
            flash("confirmed")
            return redirect(url_for("complaints.complaint", public_id=public_id))
        except RegistryError as exc:
            session.rollback()
            problem = page_message(exc)
    view = service.public_view(row)
    seller = SellerService(session).get(view["seller"]) if view["seller"] else None
    return render_template(
        "complaint.html",
        complaint=view,
        seller=seller,
        form=form,
        can_confirm=row.status == "merchant_replied",
        token=token,
        problem=problem,
    )


@bp.route("/complaints/<public_id>/reply", methods=["GET", "POST"])
@private
def reply(public_id: str):
    """The merchant's one-time link: reply in public."""
    moved = _token_out_of_query("complaints.reply", public_id)
    if moved is not None:
        return moved
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    token = request.form.get("token", "").strip() if request.method == "POST" else ""
    form = ReplyForm()
    problem = None
    if form.validate_on_submit():
        try:
            service.reply(
                row.id,
                form.reply.data,
                token=token,
                response=form.response.data,
                settlement=form.settlement.data,
            )
            session.commit()
            return redirect(url_for("complaints.complaint", public_id=public_id))
        except RegistryError as exc:
            session.rollback()
            problem = page_message(exc)
    return _reply_page(service, row, form=form, token=token, problem=problem)


def _reply_page(service, row, *, form=None, upload=None, token="", problem=None, status=None):
    view = service.public_view(row)
    if not view["seller"]:
        raise NotFound("this complaint has no seller to reply yet")
    seller = SellerService(service.session).get(view["seller"])
    return render_template(
        "reply.html",
        complaint=view,
        seller=seller,
        form=form or ReplyForm(formdata=None),
        upload=upload or EvidenceForm(formdata=None),
        may_upload=row.status in MERCHANT_UPLOAD_STATES,
        token=token,
        problem=problem,
    ), (status or 200)


@bp.post("/complaints/<public_id>/reply/evidence")
@private
def reply_evidence(public_id: str):
    """The reply link's files: the merchant's evidence, as its desk takes it (the token in
    the form, never in the address); the link stays good for the reply."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    token = request.form.get("token", "").strip()
    upload = EvidenceForm()
    if not upload.validate_on_submit():
        problem = page_message(ValidationFailed("form"))
        return _reply_page(service, row, upload=upload, token=token, problem=problem, status=400)
    try:
        files = attach_merchant_files(service, row, Viewer(token=token or None))
    except RegistryError as exc:
        problem = upload_problem(exc)
        return _reply_page(
            service, row, upload=upload, token=token, problem=problem, status=exc.status
        )
    flash(f"evidence_added:{len(files)}")
    # Back to the reply form with the link as it came: its token in the fragment only.
    url = with_fragment(url_for("complaints.reply", public_id=public_id), {"token": token})
    return redirect(url, 303)


#: the session keys of the complainant's access: complaints opened with their private link,
#: and the contact digest a one-time code proved
OPENED, PROVED = "complaints_opened", "complainant"
_ACTIONS = {"rebut": RebutForm, "escalate": EscalateForm, "accept": AcceptOutcomeForm}


def _may_see(row) -> bool:
    return row.public_id in cookie.get(OPENED, []) or (
        bool(row.complainant_ref) and cookie.get(PROVED) == row.complainant_ref
    )


def _remember(public_id: str) -> None:
    opened = [p for p in cookie.get(OPENED, []) if p != public_id]
    cookie[OPENED] = [public_id, *opened][:20]


@bp.route("/complaints/<public_id>/status", methods=["GET", "POST"])
@private
def status(public_id: str):
    """The complainant's own page: their text, the timeline, the next deadline, the answers,
    and what they may do next. Opened with the private link (its token POSTed once, then
    remembered in the signed session) or after a one-time code."""
    moved = _token_out_of_query("complaints.status", public_id)
    if moved is not None:
        return moved
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    problem, code = None, 200
    action = request.form.get("action", "") if request.method == "POST" else ""
    if action == "open":
        form = OpenForm()
        if form.validate_on_submit():
            try:
                service.open_with_token(row.id, form.token.data.strip())
            except Unauthorized as exc:
                problem, code = page_message(exc), 401
            else:
                _remember(row.public_id)
                return redirect(url_for("complaints.status", public_id=public_id), 303)
        else:
            problem, code = page_message(ValidationFailed("no token")), 400
    if not _may_see(row):
        return render_template(
            "status_open.html", public_id=public_id, form=OpenForm(), problem=problem
        ), (code if problem else 200)
    forms = {name: cls(prefix=name) for name, cls in _ACTIONS.items()}
    if action in forms:
        form = forms[action]
        if form.validate_on_submit():
            try:
                if action == "rebut":
                    service.rebut(row.id, form.rebuttal.data)
                elif action == "escalate":
                    service.escalate(row.id, form.escalation_reason.data or None)
                else:
                    service.mediation.confirm_proved(row.id, True)
                session.commit()
            except RegistryError as exc:
                session.rollback()
                problem, code = page_message(exc), exc.status
            else:
                flash(action)
                return redirect(url_for("complaints.status", public_id=public_id), 303)
        else:
            problem, code = page_message(ValidationFailed("form")), 400
    view = service.queries.public_view(row, full=True)
    return render_template(
        "status.html",
        row=row,
        complaint=view,
        seller=SellerService(session).get(view["seller"]),
        steps=timeline(session, row),
        deadline=next_deadline(row),
        can_rebut=service.consumer.can_rebut(row),
        rebut_by=service.consumer.rebut_by(row),
        can_escalate=row.status in ("merchant_replied", "no_response"),
        can_accept=row.status == "merchant_replied",
        forms=forms,
        problem=problem,
        periods=periods(),
        retention_days=current_app.config["RETENTION_DAYS"],
        evidence=evidence_list(service, row, page_viewer(complainant=True)),
    ), code


@bp.route("/complaints/recover", methods=["GET", "POST"])
@private
def recover():
    """A lost link: a one-time code is sent to the contact given at filing. The answer is
    the same whether or not that contact filed anything."""
    form, code_form = RecoverForm(prefix="ask"), CodeForm(prefix="code")
    problem, status_code, sent = None, 200, False
    if request.method == "POST" and request.form.get("step") == "ask":
        if form.validate_on_submit():
            session = get_session()
            try:
                complaint_service(session).consumer.request_code(form.contact.data, client_key())
                session.commit()
                sent = True
                code_form.contact.data = form.contact.data
            except RegistryError as exc:
                session.rollback()
                problem, status_code = page_message(exc), exc.status
        else:
            problem, status_code = page_message(ValidationFailed("form")), 400
    elif request.method == "POST" and request.form.get("step") == "code":
        if code_form.validate_on_submit():
            session = get_session()
            try:
                ref = complaint_service(session).consumer.redeem_code(
                    code_form.contact.data, code_form.code.data
                )
                session.commit()  # a wrong code counts against the code's attempts
            except RegistryError as exc:
                session.rollback()
                ref, problem, status_code = None, page_message(exc), exc.status
            if ref is not None:
                cookie[PROVED] = ref
                return redirect(url_for("complaints.mine"), 303)
            if problem is None:
                problem, status_code = page_message(Unauthorized("wrong code")), 401
            sent = True
        else:
            problem, status_code, sent = page_message(ValidationFailed("form")), 400, True
    return render_template(
        "recover.html", form=form, code_form=code_form, sent=sent, problem=problem
    ), status_code


@bp.get("/complaints/mine")
@private
def mine():
    """The complaints filed with the contact a one-time code proved."""
    ref = cookie.get(PROVED)
    if not ref:
        return redirect(url_for("complaints.recover"), 303)
    rows = complaint_service(get_session()).consumer.mine(ref)
    return render_template("mine.html", complaints=rows)


@bp.route("/complaints/<public_id>/evidence/<evidence_id>", methods=["GET", "POST"])
@private
def evidence(public_id: str, evidence_id: str):
    """An evidence file, for those ``registry.complaints.access`` lets in: the holder of the
    complainant's or the merchant's private token (POSTed with the form's CSRF token: a token
    never travels in an address), the complainant's own session, or a signed-in person (the
    seller's staff, a moderator, a regulator once the case is escalated; a plain link)."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    token = request.form.get("token", "").strip() if request.method == "POST" else None
    viewer = page_viewer(token=token, complainant=_may_see(row))
    found, data = service.evidence.open(row, evidence_id, viewer)
    return evidence_response(found, data)
