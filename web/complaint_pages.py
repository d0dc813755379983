"""Consumers file complaints and confirm outcomes; merchants reply with a one-time link.

A private link carries its token in the fragment (``/complaints/<id>#token=...``): the browser
never sends it, so no request line, access log or Referer holds it. The page's static script
(``private-link.js``) puts it into the form, which is POSTed with its CSRF token; without
JavaScript, the token can be pasted into the form. An old link with ``?token=`` is redirected
to the fragment form once, so that the token leaves the address at the first request."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from registry.complaints.models import ComplaintEvidence
from registry.complaints.service import ComplaintService
from registry.core.errors import NotFound, RegistryError
from registry.registration.sellers import SellerService

from .config import evidence_dir
from .db import get_session
from .forms import ComplaintForm, ConfirmForm, ReplyForm, SiteReportForm
from .headers import private
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
    link = external_url(
        "complaints.complaint", fragment={"token": token}, public_id=complaint.public_id
    )
    return complaint, link, None


@bp.route("/sellers/<public_id>/complain", methods=["GET", "POST"])
@private
def complain(public_id: str):
    session = get_session()
    seller = SellerService(session).get(public_id)
    form = ComplaintForm()
    complaint, link, problem = _file(session, form, {"seller": public_id})
    if complaint is not None:
        return render_template(
            "complaint_filed.html", complaint=complaint, seller=seller, link=link
        )
    status = 400 if request.method == "POST" else 200
    return render_template("complain.html", form=form, seller=seller, problem=problem), status


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
            "complaint_filed.html", complaint=complaint, seller=seller, link=link
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
            service.reply(row.id, form.reply.data, token=token)
            session.commit()
            return redirect(url_for("complaints.complaint", public_id=public_id))
        except RegistryError as exc:
            session.rollback()
            problem = page_message(exc)
    view = service.public_view(row)
    if not view["seller"]:
        raise NotFound("this complaint has no seller to reply yet")
    seller = SellerService(session).get(view["seller"])
    return render_template(
        "reply.html", complaint=view, seller=seller, form=form, token=token, problem=problem
    )


_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def evidence_response(row: ComplaintEvidence, data: bytes) -> Response:
    """An evidence file as a download that no browser runs or shows inline."""
    response = Response(data, mimetype=row.media_type)
    name = f"evidence-{row.public_id[3:15]}.{_EXTENSIONS.get(row.media_type, 'bin')}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/complaints/<public_id>/evidence/<evidence_id>")
@private
def evidence(public_id: str, evidence_id: str):
    """An evidence file for the holder of the complainant's or the merchant's private token
    (POSTed with the form's CSRF token, checked for every form: a token never travels in
    an address)."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    found, data = service.evidence.open(
        row, evidence_id, token=request.form.get("token", "").strip() or None
    )
    return evidence_response(found, data)
