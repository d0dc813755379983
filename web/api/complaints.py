"""Consumers file complaints; moderators and merchants move them along."""

from __future__ import annotations

from flask import request

from registry.complaints.access import EvidenceAccess, Viewer
from registry.complaints.evidence import MAX_BYTES, MAX_FILES
from registry.complaints.shapes import (
    Acceptance,
    ComplaintFiling,
    Confirmation,
    Escalation,
    Rebuttal,
    Refusal,
    Reply,
)
from registry.core.errors import Forbidden, NotFound
from registry.core.shapes import Shape

from .. import payload
from ..auth import authenticate
from ..case_files import attach_merchant_files, evidence_list, evidence_response
from ..complaint_pages import client_key, complaint_service, status_link
from ..db import get_session
from ..envelope import ok, paged
from ..headers import private
from ..links import external_url
from ..request import page_args, paging
from . import bp
from .contract import answer, files_body, json_body, operation
from .responses import ComplaintCase, ComplaintFiled, ComplaintPublic, EvidenceFile

_STEP = [answer(200, ComplaintPublic), answer(404), answer(409), answer(422)]
#: each step's body (and whether it may be absent); the moderators' steps take their token first
ACTIONS: dict[str, tuple[type[Shape], bool]] = {
    "accept": (Acceptance, True),
    "reject": (Refusal, False),
    "invalid": (Refusal, False),
    "reply-link": (Shape, True),
    "reply": (Reply, False),
    "confirm": (Confirmation, False),
    "rebut": (Rebuttal, False),
    "escalate": (Escalation, False),
}
MODERATION = ("accept", "reject", "invalid", "reply-link")


def _reply_url(public_id: str, token: str) -> str:
    return external_url("complaints.reply", fragment={"token": token}, public_id=public_id)


@bp.post("/complaints")
@operation(
    "File a complaint (anyone); the answer holds its private token",
    body=json_body(ComplaintFiling),
    answers=[answer(201, ComplaintFiled), answer(422), answer(429)],
)
@private
def file_complaint():
    """Anyone may file (JSON, or multipart with ``evidence`` files); the answer holds the
    private token to follow the complaint and confirm the outcome later."""
    evidence: list[bytes] = []
    if request.mimetype == "multipart/form-data":
        data = payload.form_object()
        evidence = payload.evidence_files()
    else:
        data = payload.json_object()
    session = get_session()
    complaint, token = complaint_service(session).file(
        data,
        client_key(),
        evidence,
    )
    session.commit()
    return ok(
        {
            "id": complaint.public_id,
            "status": complaint.status,
            "site": complaint.site_domain if complaint.seller_id is None else None,
            "evidence": len(evidence),
            "token": token,
            "follow_url": external_url(
                "complaints.complaint", fragment={"token": token}, public_id=complaint.public_id
            ),
            # The complainant's own page: their text, the timeline, rebut and escalate.
            "status_url": status_link(complaint.public_id, token),
        },
        201,
    )


@bp.get("/complaints/<public_id>")
@operation("A complaint, as anyone may see it", answers=[answer(200, ComplaintPublic), answer(404)])
def get_complaint(public_id: str):
    service = complaint_service(get_session())
    return ok(service.public_view(service.get(public_id)))


@bp.get("/moderation/queue")
@operation(
    "The complaints awaiting moderation, oldest first",
    query=paging(50, 100),
    roles=("moderator",),
    answers=[answer(200, ComplaintCase, many=True, paged=True)],
)
def moderation_queue():
    actor = authenticate("moderator")
    service = complaint_service(get_session())
    page = page_args(default=50, most=100)
    queue = service.moderation_queue(page.size, page.offset)
    return paged(
        [service.moderator_view(c, actor) for c in queue], page, service.moderation_total()
    )


@bp.post("/complaints/<public_id>/<action>")
@operation(
    "Accept a complaint (moderator): the merchant's reply link",
    path={"action": "accept"},
    body=json_body(Acceptance, optional=True),
    roles=("moderator",),
    answers=_STEP,
)
@operation(
    "Reject a complaint (moderator)",
    path={"action": "reject"},
    body=json_body(Refusal),
    roles=("moderator",),
    answers=_STEP,
)
@operation(
    "Find a complaint invalid (moderator)",
    path={"action": "invalid"},
    body=json_body(Refusal),
    roles=("moderator",),
    answers=_STEP,
)
@operation(
    "Issue the merchant's reply link again (moderator)",
    path={"action": "reply-link"},
    body=json_body(Shape, optional=True),
    roles=("moderator",),
    answers=_STEP,
)
@operation(
    "Reply as the merchant (merchant token, or the reply link's one-time token)",
    path={"action": "reply"},
    body=json_body(Reply),
    roles=("merchant",),
    token_optional=True,
    answers=_STEP,
)
@operation(
    "Confirm the outcome (the complainant's token)",
    path={"action": "confirm"},
    body=json_body(Confirmation),
    answers=_STEP,
)
@operation(
    "Answer the merchant's reply (the complainant's token)",
    path={"action": "rebut"},
    body=json_body(Rebuttal),
    answers=_STEP,
)
@operation(
    "Ask for the regulator (the complainant's token)",
    path={"action": "escalate"},
    body=json_body(Escalation),
    answers=_STEP,
)
@private
def complaint_action(public_id: str, action: str):
    """accept | reject | invalid | reply-link (moderators), reply (merchants), confirm |
    rebut | escalate (the consumer, with the private token)."""
    if action not in ACTIONS:
        raise NotFound(f"unknown action {action!r}")
    shape, optional = ACTIONS[action]
    actor = authenticate("moderator") if action in MODERATION else None
    data = payload.body(shape, f"{action} refused", optional=optional)
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    out: dict = {}
    if isinstance(data, Acceptance):
        token = service.accept(row.id, actor, severity=data.severity)
        # The merchant is sent its link at the seller's registered e-mail; without one,
        # nobody could be told, and the moderator gets the link to pass on.
        out["merchant_notified"] = service.merchant_reached(row.id)
        if not out["merchant_notified"]:
            out["reply_url"] = _reply_url(public_id, token)
    elif action == "reject":
        service.reject(row.id, actor, data.reason)
    elif action == "invalid":
        service.mark_invalid(row.id, actor, data.reason)
    elif action == "reply-link":
        out["reply_url"] = _reply_url(public_id, service.reissue_reply_token(row.id, actor))
    elif isinstance(data, Reply):
        principal = authenticate() if request.headers.get("Authorization") else None
        service.reply(
            row.id,
            data.reply,
            principal=principal,
            token=data.token,
            response=data.response,
            settlement=data.settlement,
        )
    elif isinstance(data, Rebuttal):
        service.open_with_token(row.id, data.token)
        service.rebut(row.id, data.rebuttal)
    elif isinstance(data, Escalation):
        service.open_with_token(row.id, data.token)
        service.escalate(row.id, data.reason)
    elif isinstance(data, Confirmation):
        service.confirm(row.id, data.token, data.resolved)
    session.commit()
    return ok({**service.public_view(row), **out})


def _evidence_viewer() -> Viewer:
    """Who asks for evidence: an API token (a moderator, the seller's merchant, a regulator
    once the case is escalated), or the complainant's or the merchant's private token in
    ``X-Complaint-Token``."""
    if request.headers.get("Authorization"):
        return Viewer(principal=authenticate())
    return Viewer(token=request.headers.get("X-Complaint-Token", "").strip() or None)


@bp.get("/complaints/<public_id>/evidence")
@operation(
    "A complaint's evidence files, both parties' (its parties and moderators only: a"
    " private token in X-Complaint-Token, or a merchant or moderator token; a regulator"
    " token once the complaint is escalated)",
    roles=("merchant", "moderator", "regulator"),
    token_optional=True,
    answers=[answer(200, EvidenceFile, many=True), answer(403), answer(404)],
)
@private
def list_evidence(public_id: str):
    """The evidence files of a complaint, for those ``EvidenceAccess`` lets in."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    viewer = _evidence_viewer()
    if not EvidenceAccess(row).may_see(viewer):
        raise Forbidden("evidence is shown only to the complaint's parties")
    return ok(evidence_list(service, row, viewer))


@bp.post("/complaints/<public_id>/evidence")
@operation(
    "Attach the merchant's evidence (a merchant token, or the reply link's one-time token in"
    " X-Complaint-Token), while the case waits for its answer: JPEG, PNG or PDF, at most 5"
    " files of 5 MB, checked by content and cleaned; never public",
    body=files_body("evidence", MAX_FILES, MAX_BYTES),
    roles=("merchant",),
    token_optional=True,
    answers=[
        answer(201, EvidenceFile, many=True),
        answer(401),
        answer(403),
        answer(404),
        answer(409),
        answer(413),
        answer(422),
        answer(429),
    ],
)
@private
def add_evidence(public_id: str):
    """The merchant's files, as its desk and its reply link take them; the consumer is
    told. The reply link stays good for the answer."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    viewer = _evidence_viewer()
    ids = set(attach_merchant_files(service, row, viewer))
    files = [f for f in evidence_list(service, row, viewer) if f["id"] in ids]
    return ok(files, 201)


@bp.get("/complaints/<public_id>/evidence/<evidence_id>")
@operation(
    "One evidence file, as an attachment (the complaint's parties and moderators only;"
    " regulators once the complaint is escalated)",
    roles=("merchant", "moderator", "regulator"),
    token_optional=True,
    answers=[
        answer(200, media=("image/jpeg", "image/png", "application/pdf"), description="The file"),
        answer(403),
        answer(404),
    ],
)
@private
def get_evidence(public_id: str, evidence_id: str):
    """One evidence file, as an attachment, for those ``EvidenceAccess`` lets in."""
    service = complaint_service(get_session())
    row = service.get(public_id)
    found, data = service.evidence.open(row, evidence_id, _evidence_viewer())
    return evidence_response(found, data)
