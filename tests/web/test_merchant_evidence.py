"""Both parties' evidence: the merchant attaches files from its desk while the case waits
for its answer (cleaned as the consumer's are, at most 5 of its own), the consumer is told,
and every page and download asks the one rule of ``registry.complaints.access``: the
complainant, the seller's staff and reply link, moderators, regulators once escalated."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from registry.complaints.models import ComplaintEvidence
from registry.complaints.service import ComplaintService
from registry.journal.models import AuditEntry
from registry.notify.models import Notification
from web.config import evidence_dir

from ..factories import make_seller, make_token
from ..people import csrf, make_account, sign_in
from ..registry.complaints.helpers import MODERATOR, form, merchant, unique_narrative
from .test_evidence import multipart, noise_pdf, png

_contacts = iter(range(1000, 9999))


def png_with_gps() -> bytes:
    """A PNG that carries EXIF with a GPS position and a text chunk."""
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 9.0)
    info = PngInfo()
    info.add_text("Comment", "at home, 5 Garden Road")
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif, pnginfo=info)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # planted
    return data


def _service(app, session) -> ComplaintService:
    return ComplaintService(
        session, secret=app.config["DIGEST_SECRET"], evidence_dir=evidence_dir(app)
    )


def _case(app, session, seller, n: int):
    """An accepted complaint with one file of the consumer's: (complaint, its token)."""
    service = _service(app, session)
    complaint, token = service.file(
        form(
            seller,
            narrative=unique_narrative(n),
            contact=f"mail{next(_contacts)}@example.org",
        ),
        f"client-{n}",
        [png()],
    )
    session.commit()
    service.accept(complaint.id, MODERATOR)
    session.commit()
    return complaint, token


@pytest.fixture
def case(app, session):
    seller = make_seller(session, legal_name="杭州证据测试商贸有限公司")
    other = make_seller(session, legal_name="宁波别家证据有限公司")
    complaint, token = _case(app, session, seller, 1)
    theirs, their_token = _case(app, session, other, 2)
    return {
        "seller": seller,
        "other": other,
        "complaint": complaint,
        "token": token,
        "theirs": theirs,
        "their_token": their_token,
        "merchant": make_account(session, "merchant", seller_ids=[seller.id]),
    }


def _account(session, role, **kwargs):
    session.commit()  # a read of this session ends first: the app has written since
    return make_account(session, role, **kwargs)


def _signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account).status_code == 302
    return client


def _upload(client, complaint, files):
    url = f"/merchant/cases/{complaint.public_id}/evidence"
    token = csrf(client, f"/merchant/cases/{complaint.public_id}")
    return multipart({"csrf_token": token}, files, url, client)


def _rows(session, complaint, party=None):
    session.expire_all()
    query = select(ComplaintEvidence).where(ComplaintEvidence.complaint_id == complaint.id)
    if party:
        query = query.where(ComplaintEvidence.party == party)
    rows = list(session.execute(query.order_by(ComplaintEvidence.id)).scalars())
    # Detached as read, and the read ends: a later write of this session must not start
    # from a snapshot older than the app's commits.
    for row in rows:
        session.expunge(row)
    session.commit()
    return rows


def _escalate(app, session, complaint, seller):
    service = _service(app, session)
    service.reply(complaint.id, "我们已经核实，商品已发出。", principal=merchant(seller))
    session.commit()
    service.escalate(complaint.id, "商家答复不属实")
    session.commit()


# -- the merchant's upload -------------------------------------------------------------------


def test_the_merchant_attaches_a_file_the_consumer_is_told(app, session, case):
    client = _signed_in(app, case["merchant"])
    done = _upload(client, case["complaint"], [(png_with_gps(), "photo.png")])
    assert done.status_code == 303
    [row] = _rows(session, case["complaint"], "merchant")
    assert row.media_type == "image/png"
    [consumer] = _rows(session, case["complaint"], "consumer")  # the filing's, kept as it was
    actors = session.execute(
        select(AuditEntry.actor).where(
            AuditEntry.action == "evidence.attach",
            AuditEntry.entity_id == str(case["complaint"].id),
        )
    ).scalars()
    assert f"user:{case['merchant'].id}" in set(actors)
    [notice] = session.execute(
        select(Notification).where(
            Notification.complaint_id == case["complaint"].id,
            Notification.template == "evidence_added",
        )
    ).scalars()
    assert notice.audience == "consumer" and notice.context["files"] == 1
    assert notice.recipient and notice.recipient.startswith("mail")
    page = client.get(f"/merchant/cases/{case['complaint'].public_id}").get_data(as_text=True)
    assert row.public_id in page and consumer.public_id in page  # both parties' files


def test_the_stored_png_has_no_exif_or_text(app, session, case):
    client = _signed_in(app, case["merchant"])
    assert _upload(client, case["complaint"], [(png_with_gps(), "p.png")]).status_code == 303
    [row] = _rows(session, case["complaint"], "merchant")
    stored = (evidence_dir(app) / row.stored_name).read_bytes()
    assert b"Garden Road" not in stored and b"SecretCam" not in stored
    assert b"eXIf" not in stored and b"tEXt" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and "Comment" not in image.info


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([(b"MZ\x90\x00" + b"\x00" * 200, "invoice.png")], 422),  # a program named as a photo
        ([(b"%PDF-1.4 not really", "x.pdf")], 422),
        ([(png(), f"{n}.png") for n in range(6)], 422),  # six at once
        ([], 422),  # nothing chosen
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(app, session, case, files, status):
    client = _signed_in(app, case["merchant"])
    refused = _upload(client, case["complaint"], files)
    assert refused.status_code == status
    assert 'role="alert"' in refused.get_data(as_text=True)
    assert _rows(session, case["complaint"], "merchant") == []


def test_a_file_over_five_megabytes_is_refused(app, session, case):
    big = noise_pdf(2200) + noise_pdf(2200)[:1_500_000]  # about 5.5 MB
    assert len(big) > 5 * 1024 * 1024
    refused = _upload(_signed_in(app, case["merchant"]), case["complaint"], [(big, "big.pdf")])
    assert refused.status_code == 413
    assert _rows(session, case["complaint"], "merchant") == []


def test_five_files_per_party(app, session, case):
    client = _signed_in(app, case["merchant"])
    # the consumer's file does not count against the merchant's five
    assert (
        _upload(client, case["complaint"], [(png(), f"{n}.png") for n in range(5)]).status_code
        == 303
    )
    assert len(_rows(session, case["complaint"], "merchant")) == 5
    refused = _upload(client, case["complaint"], [(png(), "sixth.png")])
    assert refused.status_code == 422
    assert len(_rows(session, case["complaint"], "merchant")) == 5


def test_no_upload_once_the_merchant_answered(app, session, case):
    service = _service(app, session)
    service.reply(case["complaint"].id, "已为您办理退款。", principal=merchant(case["seller"]))
    session.commit()
    client = _signed_in(app, case["merchant"])
    page = client.get(f"/merchant/cases/{case['complaint'].public_id}").get_data(as_text=True)
    assert 'id="evidence-form"' not in page
    refused = _upload(client, case["complaint"], [(png(), "late.png")])
    assert refused.status_code == 409
    assert _rows(session, case["complaint"], "merchant") == []


def test_no_upload_before_a_moderator_handed_the_case_over(app, session, case):
    service = _service(app, session)
    waiting, _ = service.file(
        form(case["seller"], narrative=unique_narrative(9), contact="wait@example.org"), "c-9"
    )
    session.commit()
    merchant = _signed_in(app, case["merchant"])
    # Not the merchant's case yet: the desk shows it nowhere (nor its form's CSRF token).
    assert merchant.get(f"/merchant/cases/{waiting.public_id}").status_code == 404
    token = csrf(merchant, "/account")
    url = f"/merchant/cases/{waiting.public_id}/evidence"
    refused = multipart({"csrf_token": token}, [(png(), "early.png")], url, merchant)
    assert refused.status_code == 404
    assert _rows(session, waiting) == []


@pytest.mark.parametrize("who", [None, "moderator", "regulator", "other_merchant"])
def test_the_upload_route_by_role(app, session, case, who):
    url = f"/merchant/cases/{case['complaint'].public_id}/evidence"
    if who is None:
        anonymous = app.test_client()
        token = csrf(anonymous, "/report-site")  # a CSRF token of its own session
        answer = multipart({"csrf_token": token}, [(png(), "a.png")], url, anonymous)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    else:
        if who == "other_merchant":
            account = _account(session, "merchant", seller_ids=[case["other"].id])
        else:
            account = _account(session, who)
        client = _signed_in(app, account)
        token = csrf(client, "/account")
        answer = multipart({"csrf_token": token}, [(png(), "a.png")], url, client)
        assert answer.status_code == (404 if who == "other_merchant" else 403)
    assert _rows(session, case["complaint"], "merchant") == []


# -- who downloads ----------------------------------------------------------------------------


def _evidence_url(session, complaint, party="consumer"):
    [row] = _rows(session, complaint, party)
    return f"/complaints/{complaint.public_id}/evidence/{row.public_id}"


def test_the_download_route_by_role(app, session, case):
    url = _evidence_url(session, case["complaint"])
    assert app.test_client().get(url).status_code == 403  # anyone
    # the same refusal for a file that does not exist: nothing is said of it
    missing = f"/complaints/{case['complaint'].public_id}/evidence/ev-nothing"
    assert app.test_client().get(missing).status_code == 403
    stranger = app.test_client()
    token = csrf(stranger, "/report-site")
    assert (
        stranger.post(url, data={"token": case["their_token"], "csrf_token": token}).status_code
        == 403
    )
    own = stranger.post(url, data={"token": case["token"], "csrf_token": token})
    assert own.status_code == 200 and own.mimetype == "image/png"
    assert "attachment" in own.headers["Content-Disposition"]
    assert _signed_in(app, case["merchant"]).get(url).status_code == 200
    other = _account(session, "merchant", seller_ids=[case["other"].id])
    assert _signed_in(app, other).get(url).status_code == 403
    assert _signed_in(app, _account(session, "moderator")).get(url).status_code == 200
    regulator = _signed_in(app, _account(session, "regulator"))
    assert regulator.get(url).status_code == 403  # not escalated
    _escalate(app, session, case["complaint"], case["seller"])
    assert regulator.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 403


def test_the_api_routes_for_regulators_only_once_escalated(app, client, session, case):
    regulator = {"Authorization": f"Bearer {make_token(session, 'regulator')}"}
    listing = f"/api/v1/complaints/{case['complaint'].public_id}/evidence"
    assert client.get(listing, headers=regulator).status_code == 403
    foreign = {"X-Complaint-Token": case["their_token"]}
    assert client.get(listing, headers=foreign).status_code == 403
    _escalate(app, session, case["complaint"], case["seller"])
    [row] = client.get(listing, headers=regulator).json["data"]
    assert row["party"] == "consumer"
    assert client.get(f"{listing}/{row['id']}", headers=regulator).status_code == 200


def test_the_consumer_and_the_moderator_see_both_parties_files(app, session, case):
    merchant_client = _signed_in(app, case["merchant"])
    assert _upload(merchant_client, case["complaint"], [(png(), "m.png")]).status_code == 303
    mine, theirs = (
        _evidence_url(session, case["complaint"]),
        _evidence_url(session, case["complaint"], "merchant"),
    )
    consumer = app.test_client()
    status = f"/complaints/{case['complaint'].public_id}/status"
    token = csrf(consumer, status)
    opened = consumer.post(
        status, data={"action": "open", "token": case["token"], "csrf_token": token}
    )
    assert opened.status_code == 303
    page = consumer.get(status).get_data(as_text=True)
    assert mine in page and theirs in page
    assert consumer.get(theirs).status_code == 200  # the session proved the complainant
    moderator = _signed_in(app, _account(session, "moderator"))
    page = moderator.get(f"/moderation/{case['complaint'].public_id}").get_data(as_text=True)
    assert mine in page and theirs in page
    assert moderator.get(theirs).status_code == 200
    # another complaint's complainant sees neither
    other = app.test_client()
    token = csrf(other, status)
    other.post(
        f"/complaints/{case['theirs'].public_id}/status",
        data={"action": "open", "token": case["their_token"], "csrf_token": token},
    )
    assert other.get(theirs).status_code == 403
