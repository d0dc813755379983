"""The published model the repository carries is the version the code computes."""

from __future__ import annotations

import re
from pathlib import Path

from scoring import SCORING_VERSION

DOC = Path(__file__).resolve().parents[2] / "docs" / "SCORING.md"


def test_the_published_model_names_the_version_the_code_computes():
    heading = DOC.read_text(encoding="utf-8").splitlines()[0]
    assert re.fullmatch(r"# The reputation model \(version (\d+)\)", heading)
    assert heading == f"# The reputation model (version {SCORING_VERSION})"
