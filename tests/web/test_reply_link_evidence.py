"""The merchant's evidence through its one-time reply link (the reply page's form) and through
the API (a merchant token, or the reply link's token in ``X-Complaint-Token``): the files
are checked and cleaned as the desk's are, the same rule decides who may add them, and the
link still answers the case afterwards."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from registry.journal.models import AuditEntry
from registry.notify.models import Notification
from web.config import evidence_dir

from ..factories import make_token
from ..people import csrf
from .test_evidence import noise_pdf, png
from .test_merchant_evidence import _rows, _service, case, png_with_gps  # noqa: F401


def _post(client, url: str, fields: dict, files: list[tuple[bytes, str]], headers=None):
    values = MultiDict(fields)
    for body, name in files:
        values.add("evidence", FileStorage(io.BytesIO(body), filename=name))
    boundary, data = encode_multipart(values)
    return client.post(
        url,
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers or {},
    )


@pytest.fixture
def linked(app, session, case):  # noqa: F811 (the desk tests' fixture)
    """The desk's two cases (about two sellers), with the reply link of each."""
    service = _service(app, session)
    links = {c.id: service.issue_reply_link(c.id) for c in (case["complaint"], case["theirs"])}
    session.commit()
    return {**case, "link": links[case["complaint"].id], "their_link": links[case["theirs"].id]}


def _page_upload(app, complaint, token: str, files):
    client = app.test_client()
    url = f"/complaints/{complaint.public_id}/reply"
    fields = {"csrf_token": csrf(client, url), "token": token}
    return _post(client, f"{url}/evidence", fields, files)


# -- through the reply link's page ------------------------------------------------------------


def test_the_reply_page_offers_the_upload_form(app, linked):
    page = app.test_client().get(f"/complaints/{linked['complaint'].public_id}/reply")
    html = page.get_data(as_text=True)
    assert 'id="evidence-form"' in html and 'enctype="multipart/form-data"' in html
    assert f"/complaints/{linked['complaint'].public_id}/reply/evidence" in html


def test_the_reply_link_attaches_a_cleaned_file(app, session, linked):
    done = _page_upload(app, linked["complaint"], linked["link"], [(png_with_gps(), "photo.png")])
    assert done.status_code == 303
    # back to the reply form, the token in the fragment only (never sent to a server)
    location = done.headers["Location"]
    path, _, fragment = location.partition("#")
    assert path.endswith(f"/complaints/{linked['complaint'].public_id}/reply")
    assert fragment == f"token={linked['link']}" and "?" not in location
    [row] = _rows(session, linked["complaint"], "merchant")
    stored = (evidence_dir(app) / row.stored_name).read_bytes()
    assert b"Garden Road" not in stored and b"SecretCam" not in stored and b"eXIf" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    [actor] = session.execute(
        select(AuditEntry.actor).where(
            AuditEntry.action == "evidence.attach",
            AuditEntry.entity_id == str(linked["complaint"].id),
            AuditEntry.actor == "merchant:reply-link",
        )
    ).scalars()
    assert actor == "merchant:reply-link"
    [notice] = session.execute(
        select(Notification).where(
            Notification.complaint_id == linked["complaint"].id,
            Notification.template == "evidence_added",
        )
    ).scalars()
    assert notice.audience == "consumer"
    session.commit()
    # The link still answers the case: uploading did not use it up.
    reply = _service(app, session).reply(
        linked["complaint"].id, "已附上发货凭证。", token=linked["link"]
    )
    assert reply.status == "merchant_replied"


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([(b"MZ\x90\x00" + b"\x00" * 200, "invoice.png")], 422),  # a program named as a photo
        ([(png(), f"{n}.png") for n in range(6)], 422),  # six at once
        ([], 422),  # nothing chosen
    ],
)
def test_bad_files_are_refused_on_the_reply_page(app, session, linked, files, status):
    refused = _page_upload(app, linked["complaint"], linked["link"], files)
    assert refused.status_code == status
    html = refused.get_data(as_text=True)
    assert 'role="alert"' in html
    # the page answers again with the link's token in the forms, so nothing is lost
    assert f'name="token" value="{linked["link"]}"' in html
    assert _rows(session, linked["complaint"], "merchant") == []


def test_a_file_over_five_megabytes_is_refused_on_the_reply_page(app, session, linked):
    big = noise_pdf(2200) + noise_pdf(2200)[:1_500_000]
    refused = _page_upload(app, linked["complaint"], linked["link"], [(big, "big.pdf")])
    assert refused.status_code == 413
    assert _rows(session, linked["complaint"], "merchant") == []


@pytest.mark.parametrize("who", ["nobody", "complainant", "other_link", "wrong"])
def test_only_the_case_s_own_reply_link_uploads(app, session, linked, who):
    token = {
        "nobody": "",
        "complainant": linked["token"],
        "other_link": linked["their_link"],
        "wrong": "crt_not-a-real-link",
    }[who]
    refused = _page_upload(app, linked["complaint"], token, [(png(), "a.png")])
    assert refused.status_code == 403
    assert _rows(session, linked["complaint"]) and not _rows(
        session, linked["complaint"], "merchant"
    )


def test_no_upload_by_the_link_once_the_case_is_answered(app, session, linked):
    _service(app, session).reply(linked["complaint"].id, "已退款。", token=linked["link"])
    session.commit()
    page = app.test_client().get(f"/complaints/{linked['complaint'].public_id}/reply")
    assert 'id="evidence-form"' not in page.get_data(as_text=True)
    # the used link is no one's: refused as a stranger is
    refused = _page_upload(app, linked["complaint"], linked["link"], [(png(), "late.png")])
    assert refused.status_code == 403
    assert _rows(session, linked["complaint"], "merchant") == []


# -- through the API --------------------------------------------------------------------------


def _api(client, complaint, headers, files):
    url = f"/api/v1/complaints/{complaint.public_id}/evidence"
    return _post(client, url, {}, files, headers)


def test_the_api_takes_the_reply_link_s_files(client, session, linked):
    answer = _api(
        client,
        linked["complaint"],
        {"X-Complaint-Token": linked["link"]},
        [(png_with_gps(), "p.png"), (png(), "q.png")],
    )
    assert answer.status_code == 201, answer.json
    files = answer.json["data"]
    assert [f["party"] for f in files] == ["merchant", "merchant"]
    assert {f["type"] for f in files} == {"image/png"}
    assert answer.headers["Cache-Control"] == "no-store"
    rows = _rows(session, linked["complaint"], "merchant")
    assert sorted(r.public_id for r in rows) == sorted(f["id"] for f in files)
    # and the parties list them with the consumer's
    listing = client.get(
        f"/api/v1/complaints/{linked['complaint'].public_id}/evidence",
        headers={"X-Complaint-Token": linked["token"]},
    )
    assert {f["party"] for f in listing.json["data"]} == {"consumer", "merchant"}


def test_the_api_takes_a_merchant_token_s_files(client, session, linked):
    token = make_token(session, "merchant", seller_id=linked["seller"].id)
    answer = _api(
        client, linked["complaint"], {"Authorization": f"Bearer {token}"}, [(png(), "a.png")]
    )
    assert answer.status_code == 201, answer.json
    [row] = _rows(session, linked["complaint"], "merchant")
    actors = set(
        session.execute(
            select(AuditEntry.actor).where(
                AuditEntry.action == "evidence.attach",
                AuditEntry.entity_id == str(linked["complaint"].id),
            )
        ).scalars()
    )
    # the token is named, not the link
    assert row.party == "merchant" and any(a.startswith("merchant:") for a in actors)
    assert "merchant:reply-link" not in actors


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("nobody", 403),
        ("complainant", 403),
        ("other_link", 403),
        ("other_merchant", 403),
        ("moderator", 403),
        ("platform", 403),
        ("bad_bearer", 401),
    ],
)
def test_the_api_refuses_anyone_but_the_case_s_merchant(client, session, linked, who, status):
    headers = {
        "nobody": {},
        "complainant": {"X-Complaint-Token": linked["token"]},
        "other_link": {"X-Complaint-Token": linked["their_link"]},
        "bad_bearer": {"Authorization": "Bearer mrt_nothing"},
    }.get(who)
    if headers is None:
        role = {"other_merchant": "merchant", "moderator": "moderator", "platform": "platform"}
        seller = linked["other"].id if who == "other_merchant" else None
        kwargs = {"seller_id": seller} if seller else {}
        headers = {"Authorization": f"Bearer {make_token(session, role[who], **kwargs)}"}
    answer = _api(client, linked["complaint"], headers, [(png(), "a.png")])
    assert answer.status_code == status, answer.json
    assert _rows(session, linked["complaint"], "merchant") == []


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([(b"MZ\x90\x00" + b"\x00" * 200, "invoice.png")], 422),
        ([(png(), f"{n}.png") for n in range(6)], 422),
        ([], 422),
    ],
)
def test_the_api_refuses_bad_files(client, session, linked, files, status):
    answer = _api(client, linked["complaint"], {"X-Complaint-Token": linked["link"]}, files)
    assert answer.status_code == status
    assert answer.json["error"]["details"].get("evidence")
    assert _rows(session, linked["complaint"], "merchant") == []


def test_the_api_refuses_once_the_case_is_answered(client, session, linked):
    token = make_token(session, "merchant", seller_id=linked["seller"].id)
    _service(client.application, session).reply(
        linked["complaint"].id, "已退款。", token=linked["link"]
    )
    session.commit()
    answer = _api(
        client, linked["complaint"], {"Authorization": f"Bearer {token}"}, [(png(), "a.png")]
    )
    assert answer.status_code == 409
    assert _rows(session, linked["complaint"], "merchant") == []
