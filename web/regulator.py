"""The regulator's desk (``/regulator``): the queue of escalated complaints with its filters,
a case with everything attached and the decision form, and the disputes addressed to the
source the account decides for.

Regulator accounts only, signed in with their second factor (``web.people``). A decision
goes through the service the API's decision takes (``Escalations.decide``,
``DisputeService.decide``) with the person as principal, so the audit log names them.

Regulators read the consumer's words as typed (and the contact given at filing), beside the
public text: the API's case file gives a regulator's token the same, and a regulator who
decides a case may need to reach the consumer (the 12315 model). The page is never cached.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from registry.complaints.access import Viewer
from registry.complaints.shapes import EscalationDecision
from registry.core.errors import RegistryError
from registry.core.shapes import read
from registry.core.types import utcnow
from registry.disputes.models import OUTCOMES
from registry.disputes.service import DisputeService, public
from registry.disputes.shapes import DisputeDecision
from registry.events.models import Event
from registry.registration.models import Seller

from .account_forms import DisputeDecisionForm, EscalationDecisionForm, PlainForm
from .case_files import evidence_list
from .complaint_pages import complaint_service
from .db import get_session
from .headers import private
from .page_errors import PageProblem, page_message
from .people import current_principal, person_required
from .request import int_arg, page_args

bp = Blueprint("regulator", __name__, url_prefix="/regulator")

PER_PAGE = 25
#: ?status= of the disputes page: open ones (the default), or all
DISPUTE_VIEWS = ("open", "all")


def _seller_filter(chosen: dict[str, str]) -> int | None:
    text = request.args.get("seller", "").strip()[:64]
    if not text:
        return None
    chosen["seller"] = text
    found = (
        get_session()
        .execute(select(Seller.id).where(Seller.public_id == text))
        .scalar_one_or_none()
    )
    return -1 if found is None else found  # an unknown seller: nothing waits for it


def _sellers(ids) -> dict[int, Seller]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = get_session().execute(select(Seller).where(Seller.id.in_(ids))).scalars()
    return {s.id: s for s in rows}  # type: ignore[misc]


@bp.get("")
@private
@person_required("regulator")
def queue():
    """Escalated complaints, the longest waiting first; by seller, and by days waited."""
    chosen: dict[str, str] = {}
    seller_id = _seller_filter(chosen)
    age = int_arg("age", 0, 0, 3650) if request.args.get("age") else 0
    if age:
        chosen["age"] = str(age)
    filters = {
        "seller_id": seller_id,
        "escalated_before": utcnow() - timedelta(days=age) if age else None,
    }
    page = page_args(default=PER_PAGE, most=100)
    service = complaint_service(get_session())
    total = service.escalations.total(**filters)
    pages = max(1, -(-total // page.size))
    if page.number > pages:
        raise PageProblem("page_beyond", 404, page=page.number, pages=pages)
    rows = service.escalation_queue(current_principal(), page.size, page.offset, **filters)
    named = {r["seller"] for r in rows if r["seller"]}
    found = get_session().execute(select(Seller).where(Seller.public_id.in_(named))).scalars()
    return render_template(
        "regulator_queue.html",
        rows=rows,
        sellers={s.public_id: s for s in found} if named else {},
        total=total,
        page=page,
        pages=pages,
        chosen=chosen,
        source=current_principal().source,
        bar=PlainForm(formdata=None),
        now=utcnow(),
    )


def _case_page(public_id: str, status: int = 200, **context) -> tuple[str, int]:
    service = complaint_service(get_session())
    case = service.escalations.case(current_principal(), public_id)
    row = service.get(public_id)
    form = context.pop("form", None) or EscalationDecisionForm(formdata=None)
    page = render_template(
        "regulator_case.html",
        case=case,
        seller=get_session().get(Seller, row.seller_id) if row.seller_id else None,
        evidence=evidence_list(service, row, Viewer(principal=current_principal())),
        form=form,
        decidable=row.status == "escalated",
        bar=form,
        **context,
    )
    return page, status


@bp.get("/cases/<public_id>")
@private
@person_required("regulator")
def case(public_id: str):
    return _case_page(public_id)


@bp.post("/cases/<public_id>/decision")
@private
@person_required("regulator")
def decide(public_id: str) -> Response | tuple[str, int]:
    """Decide an escalated complaint (the API's decision, by the signed-in person)."""
    form = EscalationDecisionForm()
    if not form.validate_on_submit():
        return _case_page(public_id, 400, form=form)
    session = get_session()
    service = complaint_service(session)
    try:
        row = service.get(public_id)
        asked = read(
            EscalationDecision,
            {"decision": form.decision.data, "reason": form.reason.data},
            "decision rejected",
        )
        service.decide(row.id, current_principal(), asked)
        session.commit()
    except RegistryError as exc:
        session.rollback()
        return _case_page(public_id, exc.status, form=form, problem=page_message(exc))
    flash(f"regulator_decided:{form.decision.data}")
    return redirect(url_for("regulator.case", public_id=public_id), 303)


def _records(rows) -> dict[int, dict]:
    """The disputed records: their kind, date and public summary, by event id (one query)."""
    ids = sorted({d.event_id for d in rows})
    if not ids:
        return {}
    # The event's kind is the scoring kind, which has a label (a finding's own kind, such
    # as administrative_penalty, has none).
    found = get_session().execute(
        select(Event.id, Event.kind, Event.occurred_at, Event.summary).where(Event.id.in_(ids))
    )
    return {r[0]: {"kind": r[1], "occurred_at": r[2], "summary": r[3]} for r in found.all()}


def _disputes_page(status: int = 200, **context) -> tuple[str, int]:
    source = current_principal().source
    view = request.args.get("status", "open")
    if view not in DISPUTE_VIEWS:
        raise PageProblem("bad_argument", 400, names="status")
    page = page_args(default=PER_PAGE, most=100)
    rows, total = [], 0
    if source:
        wanted = "open" if view == "open" else None
        rows, total = DisputeService(get_session()).queue(source, wanted, page.number, page.size)
    pages = max(1, -(-total // page.size))
    if page.number > pages:
        raise PageProblem("page_beyond", 404, page=page.number, pages=pages)
    sellers = _sellers(d.seller_id for d in rows)
    records = _records(rows)
    items = [
        {
            **public(d, private=True),
            "seller": sellers.get(d.seller_id),
            "record": records.get(d.event_id),
            "outcomes": OUTCOMES[d.kind],
        }
        for d in rows
    ]
    form = context.pop("form", None) or DisputeDecisionForm(formdata=None)
    return render_template(
        "regulator_disputes.html",
        source=source,
        disputes=items,
        total=total,
        page=page,
        pages=pages,
        view=view,
        views=DISPUTE_VIEWS,
        form=form,
        bar=form,
        **context,
    ), status


@bp.get("/disputes")
@private
@person_required("regulator")
def disputes():
    """The disputes of the records of the account's source, oldest first."""
    return _disputes_page()


@bp.post("/disputes/<public_id>/decision")
@private
@person_required("regulator")
def decide_dispute(public_id: str) -> Response | tuple[str, int]:
    """Decide a dispute of the source's record (only that source decides)."""
    form = DisputeDecisionForm()
    if not form.validate_on_submit():
        return _disputes_page(400, form=form, problem=page_message(PageProblem("invalid_form")))
    session = get_session()
    principal = current_principal()
    try:
        DisputeService(session).decide(
            public_id[:32],
            principal.actor,
            principal.role,
            read(
                DisputeDecision,
                {"outcome": form.outcome.data, "reason": form.reason.data},
                "dispute not decided",
            ),
            source=principal.source,  # none: the person's own id, which no record names
        )
        session.commit()
    except RegistryError as exc:
        session.rollback()
        return _disputes_page(exc.status, form=form, problem=page_message(exc))
    flash(f"dispute_decided:{form.outcome.data}")
    return redirect(url_for("regulator.disputes"), 303)
