"""A case's evidence as the pages and the API take and show it: who asks (a ``Viewer`` made
from the request), the merchant's upload (one path for its desk, its reply link and its API
token), the files both parties attached, and the download answer. Who may see or add them
is decided in one place, ``registry.complaints.access``; this module only asks it."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from werkzeug.wrappers import Response

from registry.complaints.access import EvidenceAccess, Viewer
from registry.complaints.models import Complaint, ComplaintEvidence
from registry.complaints.service import ComplaintService
from registry.core.errors import PayloadTooLarge, RegistryError

from .page_errors import field_message, page_message
from .payload import evidence_files
from .people import current_principal

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def page_viewer(*, token: str | None = None, complainant: bool = False) -> Viewer:
    """Who asks through the pages: a private token, a signed-in person, or a session that
    proved to be the complainant's."""
    person = current_principal() if current_user.is_authenticated else None
    return Viewer(token=token or None, principal=person, complainant=complainant)


def attach_merchant_files(
    service: ComplaintService, complaint: Complaint, viewer: Viewer
) -> list[str]:
    """Store the request's ``evidence`` files as the merchant's and commit; return their ids.

    Whoever *viewer* is (the seller's staff, its API token, the reply link's token), the
    service asks the evidence rule and the case's state, and checks and cleans every file;
    a refusal is raised after the session is rolled back."""
    session = service.session
    try:
        ids = service.add_merchant_evidence(complaint.id, evidence_files(), viewer)
        session.commit()
    except RegistryError:
        session.rollback()
        raise
    return ids


def upload_problem(exc: RegistryError) -> str:
    """What a page says of a refused upload: the files' rules when the files were at fault."""
    if isinstance(exc, PayloadTooLarge) or "evidence" in (exc.details or {}):
        return field_message("evidence")
    return page_message(exc)


def evidence_list(
    service: ComplaintService, complaint: Complaint, viewer: Viewer
) -> list[dict[str, Any]]:
    """The files of both parties, oldest first; none for a viewer the rule keeps out."""
    if service.evidence is None or not EvidenceAccess(complaint).may_see(viewer):
        return []
    return [
        {
            "id": e.public_id,
            "party": e.party,
            "type": e.media_type,
            "size": e.size,
            "sha256": e.sha256,
            "created_at": e.created_at,
        }
        for e in service.evidence.listing(complaint.id)
    ]


def evidence_response(row: ComplaintEvidence, data: bytes) -> Response:
    """An evidence file as a download that no browser runs or shows inline."""
    response = Response(data, mimetype=row.media_type)
    name = f"evidence-{row.public_id[3:15]}.{_EXTENSIONS.get(row.media_type, 'bin')}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
