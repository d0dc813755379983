"""The moderator's console (``/moderation``): the queue with its filters, a case with the
consumer's words beside the public text (and what the scrubber masked), the public text's
correction, decisions with a listed reason, and bulk rejection of obvious spam.

Moderators only, signed in with their second factor (``web.people``); every decision goes
through ``ComplaintService`` with the person as principal, so the audit log names them.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from registry.complaints.access import Viewer
from registry.complaints.queries import QueueFilters
from registry.complaints.rules import MODERATION_REASONS, moderation_reason
from registry.core.errors import RegistryError, ValidationFailed
from registry.core.types import utcnow
from registry.events.models import COMPLAINT_CATEGORIES
from registry.privacy.masks import masked_segments
from registry.registration.models import Seller

from .account_forms import REASON_LABELS, DecisionForm, PlainForm, PublicTextForm
from .case_files import evidence_list
from .complaint_pages import complaint_service
from .db import get_session
from .headers import private
from .page_errors import PageProblem, field_message, page_message
from .people import current_principal, person_required
from .request import int_arg, page_args
from .templating import _l, gettext

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

PER_PAGE = 25
#: ?due= choices: moderation deadline within this many days (0: already passed)
DUE_CHOICES = {"overdue": 0, "1": 1, "3": 3}
MAX_BULK = 100
CHOOSE_REASON = _l("Choose a reason from the list.")


def _filters() -> tuple[QueueFilters, dict[str, str]]:
    """The queue's filters from the query; a value the page cannot use is a 400 page."""
    args = request.args
    chosen: dict[str, str] = {}
    seller_id = None
    if args.get("seller", "").strip():
        chosen["seller"] = args["seller"].strip()[:64]
        seller_id = (
            get_session()
            .execute(select(Seller.id).where(Seller.public_id == chosen["seller"]))
            .scalar_one_or_none()
        )
        if seller_id is None:
            seller_id = -1  # an unknown seller: nothing waits for it
    category = args.get("category") or None
    if category is not None and category not in COMPLAINT_CATEGORIES:
        raise ValidationFailed("unknown category", {"category": category[:40]})
    if category:
        chosen["category"] = category
    now = utcnow()
    age = int_arg("age", 0, 0, 3650) if args.get("age") else 0
    if age:
        chosen["age"] = str(age)
    due = args.get("due") or None
    if due is not None and due not in DUE_CHOICES:
        raise ValidationFailed("unknown due choice", {"due": due[:40]})
    if due:
        chosen["due"] = due
    filters = QueueFilters(
        seller_id=seller_id,
        category=category,
        filed_before=now - timedelta(days=age) if age else None,
        due_before=now + timedelta(days=DUE_CHOICES[due]) if due else None,
    )
    return filters, chosen


@bp.get("")
@private
@person_required("moderator")
def queue():
    filters, chosen = _filters()
    page = page_args(default=PER_PAGE, most=100)
    service = complaint_service(get_session())
    total = service.moderation_total(filters)
    pages = max(1, -(-total // page.size))
    if page.number > pages:
        raise PageProblem("page_beyond", 404, page=page.number, pages=pages)
    rows = service.moderation_queue(page.size, page.offset, filters)
    ids = {row.seller_id for row in rows}
    found = get_session().execute(select(Seller).where(Seller.id.in_(ids))).scalars()
    sellers = {s.id: s for s in found} if ids else {}
    return render_template(
        "moderation_queue.html",
        rows=rows,
        sellers=sellers,
        total=total,
        page=page,
        pages=pages,
        chosen=chosen,
        categories=COMPLAINT_CATEGORIES,
        due_choices=DUE_CHOICES,
        bulk_form=PlainForm(formdata=None),
        now=utcnow(),
    )


@bp.post("/bulk")
@private
@person_required("moderator")
def bulk():
    """Reject the chosen complaints as spam (obvious spam only: one reason for all)."""
    form = PlainForm()
    if not form.validate_on_submit():
        raise PageProblem("csrf", 400)
    ids = [i.strip()[:16] for i in request.form.getlist("ids") if i.strip()][:MAX_BULK]
    if not ids:
        flash("bulk_none")
        return redirect(url_for("moderation.queue"))
    session = get_session()
    service = complaint_service(session)
    actor = current_principal()
    done = 0
    for public_id in dict.fromkeys(ids):
        try:
            service.reject(service.get(public_id).id, actor, moderation_reason("spam"))
        except RegistryError:
            continue  # decided meanwhile, or no such complaint: the others still go
        done += 1
    session.commit()
    flash(f"bulk_rejected:{done}")
    return redirect(url_for("moderation.queue"))


def _case_page(public_id: str, status: int = 200, **context) -> tuple[str, int]:
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    view = service.moderator_view(row, current_principal())
    seller = session.get(Seller, row.seller_id)
    text_form = context.pop("text_form", None) or PublicTextForm(
        formdata=None, text=row.narrative_public
    )
    decision_form = context.pop("decision_form", None) or DecisionForm(formdata=None)
    page = render_template(
        "moderation_case.html",
        case=view,
        seller=seller,
        segments=masked_segments(row.narrative_original, row.narrative_public),
        text_form=text_form,
        decision_form=decision_form,
        editable=row.status == "submitted",
        decidable=row.status not in ("rejected", "invalid"),
        reasons=REASON_LABELS,
        evidence=evidence_list(service, row, Viewer(principal=current_principal())),
        **context,
    )
    return page, status


@bp.get("/<public_id>")
@private
@person_required("moderator")
def case(public_id: str):
    return _case_page(public_id)


@bp.post("/<public_id>/text")
@private
@person_required("moderator")
def edit_text(public_id: str):
    """Correct the public text (it passes the privacy gate again)."""
    form = PublicTextForm()
    if not form.validate_on_submit():
        return _case_page(public_id, 400, text_form=form)
    session = get_session()
    service = complaint_service(session)
    try:
        service.edit_public_text(service.get(public_id).id, current_principal(), form.text.data)
        session.commit()
    except RegistryError as exc:
        session.rollback()
        if isinstance(exc, ValidationFailed):
            form.text.errors = [*form.text.errors, field_message("narrative")]
        return _case_page(public_id, exc.status, text_form=form, problem=page_message(exc))
    flash("text_saved")
    return redirect(url_for("moderation.case", public_id=public_id))


@bp.post("/<public_id>/decision")
@private
@person_required("moderator")
def decide(public_id: str) -> Response | tuple[str, int]:
    form = DecisionForm()
    if not form.validate_on_submit():
        return _case_page(public_id, 400, decision_form=form)
    action = form.action.data
    if action != "accept" and form.reason.data not in MODERATION_REASONS:
        form.reason.errors = [*form.reason.errors, gettext(CHOOSE_REASON.msgid)]
        return _case_page(public_id, 400, decision_form=form)
    session = get_session()
    service = complaint_service(session)
    actor = current_principal()
    try:
        row = service.get(public_id)
        if action == "accept":
            # No reply link is made here: the merchant's link goes out with the notice to
            # the merchant (``awaiting_reply_link``), never through the moderator's hands.
            service.accept(row.id, actor, reply_link=False)
        else:
            reason = moderation_reason(form.reason.data, form.note.data)
            (service.reject if action == "reject" else service.mark_invalid)(row.id, actor, reason)
        session.commit()
    except RegistryError as exc:
        session.rollback()
        return _case_page(public_id, exc.status, decision_form=form, problem=page_message(exc))
    flash(f"decided:{action}")
    return redirect(url_for("moderation.case", public_id=public_id))
