"""Evidence at filing: images or PDF, checked by content, cleaned of metadata, kept outside
the web root, and shown only to the complainant, the merchant and moderators."""

from __future__ import annotations

import functools
import io
import random
from pathlib import Path

from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ..factories import make_seller, make_token
from .test_complaints_web import csrf, split_private_link

NARRATIVE = "收到的商品和图片完全不同，商家拒绝退款，附上照片和聊天记录。"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.BodySerialNumber] = "SN-123456"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 50.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # planted
    return data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Zhang San", "/Title": "my bank statement"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_with_metadata()


@functools.lru_cache(maxsize=2)
def noise_pdf(side: int) -> bytes:
    """A real PDF of one page of noise (a JPEG that does not compress): about 4 MB at 2200."""
    noise = random.Random(side).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, "PDF", quality=90)
    return out.getvalue()


def padded_pdf(size: int) -> bytes:
    """A PDF of about *size* bytes: a comment after its end, and the end marker again."""
    return PDF + b"%" + b"0" * (size - len(PDF) - 8) + b"\n%%EOF\n"


def multipart(fields: dict, files: list[tuple[bytes, str]], url: str, client):
    """POST a multipart body encoded here: the test client would spool a large one to a
    temporary file it never closes."""
    values = MultiDict(fields)
    for body, name in files:
        values.add("evidence", FileStorage(io.BytesIO(body), filename=name))
    boundary, data = encode_multipart(values)
    return client.post(url, data=data, content_type=f"multipart/form-data; boundary={boundary}")


def file_with(client, seller, files, contact="13900001111", **extra):
    fields = {
        "seller": seller.public_id,
        "category": "false_advertising",
        "narrative": NARRATIVE,
        "contact": contact,
        **extra,
    }
    return multipart(fields, files, "/api/v1/complaints", client)


def evidence_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "evidence"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_jpeg_with_gps_comes_out_without_it(client, session, app):
    seller = make_seller(session)
    response = file_with(client, seller, [(jpeg_with_gps(), "photo.jpg"), (png(), "a.png")])
    assert response.status_code == 201, response.json
    assert response.json["data"]["evidence"] == 2
    cid = response.json["data"]["id"]
    token = response.json["data"]["token"]
    listing = client.get(
        f"/api/v1/complaints/{cid}/evidence", headers={"X-Complaint-Token": token}
    ).json["data"]
    assert [e["type"] for e in listing] == ["image/jpeg", "image/png"]
    got = client.get(
        f"/api/v1/complaints/{cid}/evidence/{listing[0]['id']}",
        headers={"X-Complaint-Token": token},
    )
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert "attachment" in got.headers["Content-Disposition"]
    assert got.headers["Cache-Control"] == "no-store"
    clean = Image.open(io.BytesIO(got.data))
    assert clean.size == (64, 48)
    assert not clean.getexif() and b"SecretCam" not in got.data and b"SN-123456" not in got.data
    assert b"taken at home" not in got.data and b"Exif" not in got.data
    # kept under the instance folder with random names, served by no static route
    stored = evidence_files(app)
    assert len(stored) == 2 and all("." not in p.name and len(p.name) == 40 for p in stored)
    assert client.get(f"/static/{stored[0].name}").status_code == 404


def test_a_renamed_executable_is_refused(client, session, app):
    seller = make_seller(session)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS"
    response = file_with(client, seller, [(exe, "photo.jpg")])
    assert response.status_code == 422 and "evidence" in response.json["error"]["details"]
    # a JPEG signature on garbage is no image either
    fake = file_with(client, seller, [(b"\xff\xd8\xff\xe0" + b"x" * 500, "a.jpg")])
    assert fake.status_code == 422
    broken = b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n"
    assert file_with(client, seller, [(broken, "x.pdf")]).status_code == 422
    html = b"<html><script>alert(1)</script></html>"
    assert file_with(client, seller, [(html, "x.pdf")]).status_code == 422
    active = PDF.replace(b"/Catalog", b"/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
    assert file_with(client, seller, [(active, "x.pdf")]).status_code == 422
    assert evidence_files(app) == []
    # nothing was filed either
    moderator = make_token(session, "moderator")
    queue = client.get("/api/v1/moderation/queue", headers={"Authorization": f"Bearer {moderator}"})
    assert queue.json["meta"]["total"] == 0


def test_six_files_are_refused(client, session, app):
    seller = make_seller(session)
    response = file_with(client, seller, [(png(), f"{n}.png") for n in range(6)])
    assert response.status_code == 422 and "5" in response.json["error"]["message"]
    assert evidence_files(app) == []
    assert file_with(client, seller, [(png(), f"{n}.png") for n in range(5)]).status_code == 201


def test_a_six_megabyte_file_is_refused(client, session, app):
    seller = make_seller(session)
    big = padded_pdf(6 * 1024 * 1024)
    response = file_with(client, seller, [(big, "big.pdf")])
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"
    assert evidence_files(app) == []
    # five files of 4 MB pass the body limit (16 MB) that guards every other route
    near = noise_pdf(2200)
    assert 3.5 * 1024 * 1024 < len(near) < 5 * 1024 * 1024
    ok = file_with(client, seller, [(near, f"{n}.pdf") for n in range(5)])
    assert ok.status_code == 201, ok.json
    too_much = file_with(client, seller, [(near, f"{n}.pdf") for n in range(7)], contact="x@y.cn")
    assert too_much.status_code == 413  # past the evidence body limit: refused unread


def test_access_matrix_per_party(client, session):
    seller = make_seller(session)
    other = make_seller(session)
    filed = file_with(client, seller, [(PDF, "contract.pdf")]).json["data"]
    cid, ctoken = filed["id"], filed["token"]
    moderator = make_token(session, "moderator")
    own_merchant = make_token(session, "merchant", seller_id=seller.id)
    other_merchant = make_token(session, "merchant", seller_id=other.id)
    regulator = make_token(session, "regulator")
    platform = make_token(session, "platform")
    [evidence] = client.get(
        f"/api/v1/complaints/{cid}/evidence", headers={"Authorization": f"Bearer {moderator}"}
    ).json["data"]
    url = f"/api/v1/complaints/{cid}/evidence/{evidence['id']}"

    def status(headers):
        return client.get(url, headers=headers).status_code

    def bearer(token):
        return {"Authorization": f"Bearer {token}"}

    # before acceptance no merchant has been told of the case
    assert status(bearer(own_merchant)) == 403
    accepted = client.post(f"/api/v1/complaints/{cid}/accept", json={}, headers=bearer(moderator))
    _, reply_token = split_private_link(accepted.json["data"]["reply_url"])
    assert status({}) == 403  # anyone
    assert status({"X-Complaint-Token": "cpt_wrong"}) == 403
    assert status({"X-Complaint-Token": ctoken}) == 200  # the complainant
    assert status({"X-Complaint-Token": reply_token}) == 200  # the merchant's reply link
    assert status(bearer(own_merchant)) == 200
    assert status(bearer(moderator)) == 200
    assert status(bearer(other_merchant)) == 403
    assert status(bearer(regulator)) == 403
    assert status(bearer(platform)) == 403
    assert status(bearer("nope")) == 401
    # the public view names no file
    assert "evidence" not in client.get(f"/api/v1/complaints/{cid}").json["data"]
    # evidence of another complaint is not reachable through this one
    other_filed = file_with(client, other, [(png(), "x.png")], contact="13900002222").json["data"]
    assert (
        client.get(
            f"/api/v1/complaints/{other_filed['id']}/evidence/{evidence['id']}",
            headers=bearer(moderator),
        ).status_code
        == 404
    )


def test_the_complaint_form_takes_evidence(client, session, app):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    html = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="evidence"' in html
    data = {
        "category": "false_advertising",
        "narrative": NARRATIVE,
        "contact": "13900003333",
        "csrf_token": csrf(html),
        "evidence": [(io.BytesIO(jpeg_with_gps()), "photo.jpg")],
    }
    done = client.post(url, data=data, content_type="multipart/form-data")
    assert done.status_code == 200 and len(evidence_files(app)) == 1
    refused = client.post(
        url,
        data={**data, "contact": "13900004444", "evidence": [(io.BytesIO(b"MZ" * 10), "a.png")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert len(evidence_files(app)) == 1


def test_the_complainant_downloads_through_the_page_with_csrf(client, session):
    seller = make_seller(session)
    filed = file_with(client, seller, [(png(), "x.png")]).json["data"]
    path, token = split_private_link(filed["follow_url"])
    [ev] = client.get(
        f"/api/v1/complaints/{filed['id']}/evidence", headers={"X-Complaint-Token": token}
    ).json["data"]
    assert client.get(path).status_code == 200
    page = client.get("/report-site").get_data(as_text=True)  # any form's CSRF token
    url = f"/complaints/{filed['id']}/evidence/{ev['id']}"
    assert client.post(url, data={"token": token}).status_code == 400  # no CSRF token
    got = client.post(url, data={"token": token, "csrf_token": csrf(page)})
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert client.post(url, data={"token": "x", "csrf_token": csrf(page)}).status_code == 403


def test_a_pdf_comes_out_without_its_document_information(client, session):
    seller = make_seller(session)
    assert b"Zhang San" in PDF or PdfReader(io.BytesIO(PDF)).metadata["/Author"] == "Zhang San"
    filed = file_with(client, seller, [(PDF, "statement.pdf")]).json["data"]
    token = filed["token"]
    [ev] = client.get(
        f"/api/v1/complaints/{filed['id']}/evidence", headers={"X-Complaint-Token": token}
    ).json["data"]
    got = client.get(
        f"/api/v1/complaints/{filed['id']}/evidence/{ev['id']}",
        headers={"X-Complaint-Token": token},
    )
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    clean = PdfReader(io.BytesIO(got.data))
    assert len(clean.pages) == 1
    assert "/Author" not in (clean.metadata or {}) and "/Title" not in (clean.metadata or {})
    assert b"Zhang San" not in got.data and b"bank statement" not in got.data
