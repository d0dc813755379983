"""The nightly open data files: written atomically, each beside its SHA-256 checksum file.

A file is written under a temporary name in the same folder, flushed to disk and renamed
over the old one (``os.replace`` is atomic on POSIX and Windows): a reader sees the whole
old file or the whole new one, never half. Its checksum file (``sellers.jsonl.sha256``, in
``sha256sum`` format, so ``sha256sum -c sellers.jsonl.sha256`` checks a download) is written
the same way, from the digest of the bytes as they were written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from .records import complaint_lines, seller_csv, seller_lines


@dataclass(frozen=True)
class Export:
    name: str  # the file name, also the last part of its URL
    media_type: str
    lines: Callable[[Session], Iterator[bytes]]


#: every open data export, by file name
EXPORTS = {
    e.name: e
    for e in (
        Export("sellers.jsonl", "application/x-ndjson", seller_lines),
        Export("sellers.csv", "text/csv", seller_csv),
        Export("complaints.jsonl", "application/x-ndjson", complaint_lines),
    )
}


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _replace(path: Path, chunks: Iterator[bytes]) -> str:
    """Write ``chunks`` to ``path`` atomically; return their SHA-256 (hex)."""
    digest = hashlib.sha256()
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide a public file from a web server
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def write_export(session: Session, export: Export, folder: Path) -> str:
    """Write one export and its checksum file into ``folder``; return the checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / export.name
    hexdigest = _replace(path, export.lines(session))
    # Two spaces: sha256sum's text-mode separator, which `sha256sum -c` expects.
    line = f"{hexdigest}  {export.name}\n".encode("ascii")
    _replace(checksum_path(path), iter((line,)))
    return hexdigest


def write_all(session: Session, folder: Path) -> dict[str, str]:
    """Write every export into ``folder``; return each file's checksum by name."""
    return {name: write_export(session, export, folder) for name, export in EXPORTS.items()}
