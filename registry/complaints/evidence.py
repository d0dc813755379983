"""Evidence the parties attach: images or PDF, checked by content, cleaned, kept private.

- The complainant attaches files when filing, the merchant from its desk while the case
  waits for its answer (``access.MERCHANT_UPLOAD_STATES``); each row names its ``party``.
- At most ``MAX_FILES`` files of ``MAX_BYTES`` each, per party. The type is what the bytes
  are (JPEG, PNG or PDF by their signature, an image also by Pillow decoding it whole),
  never the file name or the type the client claims.
- An image is re-encoded from its pixels, so EXIF (GPS position, camera serial, time), XMP,
  ICC, comments and any bytes hidden after the image are left behind; the orientation EXIF
  asked for is applied first. A PDF's pages are copied into a new document (pypdf), without
  the document information, XMP metadata, outlines or actions; one with scripts, launch
  actions or embedded files, or encrypted, is refused.
- Files are written under the instance folder with random names and no extension, never in
  a static folder; only those ``access.EvidenceAccess`` lets in open one.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from ..journal import Change
from .access import EvidenceAccess, Viewer
from .models import EVIDENCE_PARTIES, Complaint, ComplaintEvidence

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
#: an image larger than this is refused before it is decoded (a "decompression bomb")
MAX_PIXELS = 40_000_000
MAX_PDF_PAGES = 100
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"%PDF-", "application/pdf", None),
)
# What a PDF may not carry: scripts, actions that start programs, files inside it.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


@dataclass(frozen=True)
class CleanFile:
    """A file as it will be stored: what it is and its cleaned bytes."""

    media_type: str
    data: bytes


def _image(data: bytes, media_type: str, fmt: str) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != fmt:
                    raise ValidationFailed("the file's content is not what its signature says")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationFailed(f"an image of at most {MAX_PIXELS:,} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationFailed(f"the image cannot be read: {str(exc)[:100]}") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValidationFailed(f"an image of at most {MAX_PIXELS:,} pixels") from None
    # Pillow writes what ``info`` holds (a JPEG comment, ICC, DPI...): only pixels go on.
    upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
    out = io.BytesIO()
    if fmt == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # No exif=, icc_profile= or comment=: Pillow writes none of them unless asked.
        upright.save(out, "JPEG", quality=90, optimize=True)
    else:
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            upright = upright.convert("RGBA")
        upright.save(out, "PNG", optimize=True)  # no pnginfo=: text chunks are dropped
    return CleanFile(media_type, out.getvalue())


def _pdf(data: bytes) -> CleanFile:
    if b"%%EOF" not in data[-1024:]:
        raise ValidationFailed("the PDF is incomplete (no end-of-file marker)")
    if _PDF_ACTIVE.search(data):
        raise ValidationFailed("a PDF with scripts, actions or embedded files is not accepted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a stranger's PDF is often a little broken
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ValidationFailed("an encrypted PDF is not accepted")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise ValidationFailed(f"a PDF of at most {MAX_PDF_PAGES} pages")
            # The pages alone go into a new document: its information dictionary (author,
            # title, the software and its times), XMP metadata, outlines, names and the
            # document's actions stay behind.
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page)
            out = io.BytesIO()
            writer.write(out)
    except ValidationFailed:
        raise
    except Exception:  # any failure of the parser on hostile bytes is the file's fault
        raise ValidationFailed("the PDF cannot be read") from None
    cleaned = out.getvalue()
    if len(cleaned) > MAX_BYTES:
        raise PayloadTooLarge(f"each file at most {MAX_BYTES // (1024 * 1024)} MB")
    return CleanFile("application/pdf", cleaned)


def clean(data: bytes) -> CleanFile:
    """Check one file by its content and return it cleaned; raise ValidationFailed."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"each file at most {MAX_BYTES // (1024 * 1024)} MB")
    if not data:
        raise ValidationFailed("the file is empty")
    for signature, media_type, fmt in _SIGNATURES:
        if data.startswith(signature):
            return _image(data, media_type, fmt) if fmt else _pdf(data)
    raise ValidationFailed("only JPEG or PNG images and PDF documents are accepted")


def clean_all(files: list[bytes]) -> list[CleanFile]:
    """Check every file before anything is filed: one bad file refuses the lot."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            f"at most {MAX_FILES} files", {"evidence": f"at most {MAX_FILES} files"}
        )
    out = []
    for n, data in enumerate(files, 1):
        try:
            out.append(clean(data))
        except (ValidationFailed, PayloadTooLarge) as exc:
            raise type(exc)(f"file {n}: {exc.message}", {"evidence": exc.message}) from None
    return out


class EvidenceStore:
    """Stores and opens a complaint's evidence (the caller commits; files are written at
    ``attach``, before the commit: a failed commit leaves an unreferenced file, never a
    row without its file)."""

    def __init__(self, session: Session, folder: Path, now: datetime) -> None:
        self.session = session
        self.folder = Path(folder)
        self.now = now

    def attach(
        self, complaint: Complaint, files: list[CleanFile], actor: str, party: str = "consumer"
    ) -> list[str]:
        """Write the files and their rows as *party*'s; return their public ids."""
        if party not in EVIDENCE_PARTIES:
            raise ValueError(f"unknown party {party!r}")
        if not files:
            return []
        existing = self.session.execute(
            select(ComplaintEvidence.id).where(
                ComplaintEvidence.complaint_id == complaint.id, ComplaintEvidence.party == party
            )
        ).all()
        if len(existing) + len(files) > MAX_FILES:
            left = max(MAX_FILES - len(existing), 0)
            raise ValidationFailed(
                f"at most {MAX_FILES} files per party ({left} more may be added)",
                {"evidence": f"at most {MAX_FILES} files"},
            )
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        ids, changes = [], []
        for f in files:
            name = secrets.token_hex(20)
            fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(f.data)
            row = ComplaintEvidence(
                public_id="ev-" + secrets.token_urlsafe(18),
                complaint_id=complaint.id,
                party=party,
                media_type=f.media_type,
                stored_name=name,
                size=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                created_at=self.now,
            )
            self.session.add(row)
            ids.append(row.public_id)
            changes.append(
                Change(
                    actor,
                    "evidence.attach",
                    "complaint",
                    str(complaint.id),
                    None,
                    {
                        "evidence": row.public_id,
                        "party": party,
                        "type": f.media_type,
                        "size": row.size,
                    },
                )
            )
        self.session.flush()
        journal.record(self.session, changes, at=self.now)
        return ids

    def listing(self, complaint_id: int) -> list[ComplaintEvidence]:
        return list(
            self.session.execute(
                select(ComplaintEvidence)
                .where(ComplaintEvidence.complaint_id == complaint_id)
                .order_by(ComplaintEvidence.id)
            ).scalars()
        )

    def delete(self, complaint_id: int) -> int:
        """Remove a complaint's files from disk and their rows (the caller commits); return
        how many. Files go first: a failed commit leaves rows whose file is missing, which
        the next run deletes, never a file nobody would delete."""
        rows = self.listing(complaint_id)
        for row in rows:
            (self.folder / row.stored_name).unlink(missing_ok=True)
            self.session.delete(row)
        self.session.flush()
        return len(rows)

    def open(
        self, complaint: Complaint, evidence_id: str, viewer: Viewer
    ) -> tuple[ComplaintEvidence, bytes]:
        """The file, for those ``EvidenceAccess`` lets in; anyone else gets Forbidden, before
        the file is looked up (a refusal never says whether it exists)."""
        if not EvidenceAccess(complaint).may_see(viewer):
            raise Forbidden("evidence is shown only to the complaint's parties")
        row = self.session.execute(
            select(ComplaintEvidence).where(
                ComplaintEvidence.public_id == evidence_id,
                ComplaintEvidence.complaint_id == complaint.id,
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("no such evidence for this complaint")
        try:
            data = (self.folder / row.stored_name).read_bytes()
        except OSError:
            raise NotFound("the evidence file is missing") from None
        return row, data
