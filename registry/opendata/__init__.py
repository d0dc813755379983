"""Open data: the public registry as files anyone may download and check.

``records.py`` turns the public seller view (registry.read.view, streamed in chunks) and the
public complaint view (registry.complaints.queries) into JSON Lines and CSV lines;
``files.py`` writes the nightly files atomically with their SHA-256 checksum files.
"""

from __future__ import annotations

from .files import EXPORTS, Export, checksum_path, write_all
from .records import CSV_COLUMNS, complaint_lines, seller_csv, seller_lines

__all__ = [
    "CSV_COLUMNS",
    "EXPORTS",
    "Export",
    "checksum_path",
    "complaint_lines",
    "seller_csv",
    "seller_lines",
    "write_all",
]
