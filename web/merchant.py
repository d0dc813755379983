"""The merchant's desk (``/merchant``): the sellers a merchant account speaks for, their open
cases with the deadline counting down, the answer to a case (what it does, a settlement
offer, the words), evidence files (both parties'; the merchant adds its own while the case
waits for its answer), and disputes of the sellers' records.

Merchant accounts only (``web.people``); every step goes through the services with the
person as principal, so the audit log names them, and a case or a seller of another merchant
is a 404, never shown.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from registry.complaints.access import BEFORE_MERCHANT, MERCHANT_UPLOAD_STATES, Viewer
from registry.complaints.rules import MERCHANT_TURN
from registry.core.errors import RegistryError, ValidationFailed
from registry.core.shapes import read
from registry.core.types import utcnow
from registry.disputes.models import KINDS
from registry.disputes.service import DisputeService, public
from registry.disputes.shapes import DisputeFiling
from registry.registration.models import Seller

from .account_forms import PlainForm
from .api.disputes import merchant_filer
from .case_files import attach_merchant_files, evidence_list, upload_problem
from .complaint_pages import complaint_service
from .db import get_session
from .forms import DisputeForm, EvidenceForm, ReplyForm
from .headers import private
from .page_errors import page_message
from .people import current_principal, person_required

bp = Blueprint("merchant", __name__, url_prefix="/merchant")


def _sellers() -> dict[int, Seller]:
    ids = sorted(merchant_filer(current_principal()).seller_ids)
    rows = get_session().execute(select(Seller).where(Seller.id.in_(ids))).scalars()
    return {s.id: s for s in rows}  # type: ignore[misc]


def _days_left(due) -> int | None:
    if due is None:
        return None
    return (due - utcnow()).days


@bp.get("")
@private
@person_required("merchant")
def home():
    """Their sellers, the cases awaiting their answer first, and their disputes."""
    sellers = _sellers()
    service = complaint_service(get_session())
    cases = [
        {
            "row": c,
            "seller": sellers[c.seller_id],
            "turn": c.status in MERCHANT_TURN,
            "due": c.rebuttal_due_at if c.status == "rebutted" else c.reply_due_at,
        }
        for c in service.for_merchant(sellers)
    ]
    for case in cases:
        case["days_left"] = _days_left(case["due"]) if case["turn"] else None
    cases.sort(
        key=lambda c: (not c["turn"], c["days_left"] if c["days_left"] is not None else 9999)
    )
    disputes = [
        {**public(d, private=True), "seller": sellers[d.seller_id]}
        for d in DisputeService(get_session()).of_sellers(frozenset(sellers))
    ]
    return render_template(
        "merchant_home.html",
        sellers=list(sellers.values()),
        cases=cases,
        disputes=disputes,
        bar=PlainForm(),
    )


@bp.route("/cases/<public_id>", methods=["GET", "POST"])
@private
@person_required("merchant")
def case(public_id: str):
    """One case: the consumer's account (scrubbed), their rebuttal, and the answer form."""
    session = get_session()
    service = complaint_service(session)
    row = _own_case(service, public_id)
    form = ReplyForm()
    problem = None
    if form.validate_on_submit():
        try:
            service.reply(
                row.id,
                form.reply.data,
                principal=current_principal(),
                response=form.response.data,
                settlement=form.settlement.data,
            )
            session.commit()
        except RegistryError as exc:
            session.rollback()
            problem = page_message(exc)
        else:
            flash("replied")
            return redirect(url_for("merchant.case", public_id=public_id), 303)
    return _case_page(service, row, form=form, problem=problem)


def _own_case(service, public_id: str):
    row = service.get(public_id)
    if row.seller_id not in _sellers() or row.status in BEFORE_MERCHANT:
        # Another merchant's case is nobody's business here, and a case no moderator has
        # handed over (submitted, rejected) is not yet the merchant's: the evidence rule's.
        raise NotFound()
    return row


def _case_page(service, row, *, form=None, upload=None, problem=None, status=None):
    view = service.queries.public_view(row, full=True)
    due = row.rebuttal_due_at if row.status == "rebutted" else row.reply_due_at
    return render_template(
        "merchant_case.html",
        row=row,
        complaint=view,
        seller=_sellers()[row.seller_id],
        form=form or ReplyForm(formdata=None),
        upload=upload or EvidenceForm(formdata=None),
        evidence=evidence_list(service, row, Viewer(principal=current_principal())),
        may_upload=row.status in MERCHANT_UPLOAD_STATES,
        problem=problem,
        turn=row.status in MERCHANT_TURN,
        due=due,
        days_left=_days_left(due),
        bar=PlainForm(),
    ), (status or (400 if problem else 200))


@bp.post("/cases/<public_id>/evidence")
@private
@person_required("merchant")
def upload_evidence(public_id: str):
    """The merchant's files for a case, while it waits for the merchant's answer: checked
    and cleaned as the consumer's are; the consumer is told."""
    session = get_session()
    service = complaint_service(session)
    row = _own_case(service, public_id)
    upload = EvidenceForm()
    if not upload.validate_on_submit():
        problem = page_message(ValidationFailed("form"))
        return _case_page(service, row, upload=upload, problem=problem, status=400)
    try:
        files = attach_merchant_files(service, row, Viewer(principal=current_principal()))
    except RegistryError as exc:
        problem = upload_problem(exc)
        return _case_page(service, row, upload=upload, problem=problem, status=exc.status)
    flash(f"evidence_added:{len(files)}")
    return redirect(url_for("merchant.case", public_id=public_id), 303)


@bp.route("/sellers/<public_id>/disputes", methods=["GET", "POST"])
@private
@person_required("merchant")
def disputes(public_id: str):
    """A seller's records, each with a form to dispute it or ask for removal or repair."""
    session = get_session()
    sellers = {s.public_id: s for s in _sellers().values()}
    seller = sellers.get(public_id)
    if seller is None:
        raise NotFound()
    form = DisputeForm()
    problem = None
    if form.validate_on_submit():
        try:
            asked = read(
                DisputeFiling,
                {
                    "kind": form.kind.data,
                    "event_id": form.event_id.data,
                    "statement": form.statement.data,
                },
                "dispute not filed",
            )
            DisputeService(session).file(merchant_filer(current_principal()), public_id, asked)
            session.commit()
        except RegistryError as exc:
            session.rollback()
            problem = page_message(exc)
        else:
            flash("disputed")
            return redirect(url_for("merchant.disputes", public_id=public_id), 303)
    service = DisputeService(session)
    return render_template(
        "merchant_disputes.html",
        seller=seller,
        records=service.disputable(seller.id),
        filed=[public(d, private=True) for d in service.of_sellers(frozenset({seller.id}))],
        form=form,
        kinds=KINDS,
        problem=problem,
        bar=PlainForm(),
    ), (400 if problem else 200)
