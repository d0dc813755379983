"""Consumers file complaints; moderators and merchants move them along."""

from __future__ import annotations

from flask import request, url_for

from registry.errors import BadPayload, NotFound
from registry.tokens import TokenService

from .. import payload
from ..auth import authenticate
from ..complaint_pages import client_key, complaint_service
from ..db import get_session
from ..envelope import ok
from . import bp


def _reply_url(public_id: str, token: str) -> str:
    return url_for("pages.reply", public_id=public_id, token=token, _external=True)


@bp.post("/complaints")
def file_complaint():
    """Anyone may file; the answer holds the private token to confirm the outcome later."""
    data = payload.json_object()
    session = get_session()
    complaint, token = complaint_service(session).file(data, client_key())
    session.commit()
    return ok(
        {
            "id": complaint.public_id,
            "status": complaint.status,
            "token": token,
            "follow_url": url_for(
                "pages.complaint", public_id=complaint.public_id, token=token, _external=True
            ),
        },
        201,
    )


@bp.get("/complaints/<public_id>")
def get_complaint(public_id: str):
    service = complaint_service(get_session())
    return ok(service.public_view(service.get(public_id)))


@bp.get("/moderation/queue")
def moderation_queue():
    actor = authenticate("moderator")
    service = complaint_service(get_session())
    return ok([service.moderator_view(c, actor) for c in service.moderation_queue()])


@bp.post("/complaints/<public_id>/<action>")
def complaint_action(public_id: str, action: str):
    """accept | reject | invalid (moderators), reply (merchants), confirm (the consumer)."""
    data = payload.json_object(optional=True)
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    out: dict = {}
    if action in ("accept", "reject", "invalid", "reply-link"):
        actor = authenticate("moderator")
        if action == "accept":
            token = service.accept(row.id, actor, severity=data.get("severity"))
            out["reply_url"] = _reply_url(public_id, token)
        elif action == "reject":
            service.reject(row.id, actor, str(data.get("reason", "")))
        elif action == "invalid":
            service.mark_invalid(row.id, actor, str(data.get("reason", "")))
        else:
            out["reply_url"] = _reply_url(public_id, service.reissue_reply_token(row.id, actor))
    elif action == "reply":
        principal = None
        if request.headers.get("Authorization"):
            principal = TokenService(session).authenticate(request.headers["Authorization"])
        service.reply(
            row.id, str(data.get("reply", "")), principal=principal, token=data.get("token")
        )
    elif action == "confirm":
        resolved = data.get("resolved")
        if not isinstance(resolved, bool):
            raise BadPayload("resolved must be true or false")
        service.confirm(row.id, str(data.get("token", "")), resolved)
    else:
        raise NotFound(f"unknown action {action!r}")
    session.commit()
    return ok({**service.public_view(row), **out})
