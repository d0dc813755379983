"""Which spans of a text the scrubber masked: the original beside its public copy, so that
a moderator sees what was hidden (and can hide what was missed)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .text import KINDS, PLACEHOLDER, PLACEHOLDER_EN, prepare

#: placeholder text -> kind, in both languages
_BY_TEXT = {
    **{PLACEHOLDER.format(zh): kind for kind, (zh, _en) in KINDS.items()},
    **{PLACEHOLDER_EN.format(en): kind for kind, (_zh, en) in KINDS.items()},
}
_PLACEHOLDERS = re.compile("|".join(re.escape(p) for p in sorted(_BY_TEXT, key=len, reverse=True)))


@dataclass(frozen=True)
class Segment:
    """A run of the original text; ``kind`` names the mask that hid it (None: shown)."""

    text: str
    kind: str | None = None


def masked_segments(original: str, public: str) -> list[Segment]:
    """Split *original* into the runs *public* shows and the runs it masked.

    The public copy is the original prepared (invisible characters dropped, widths folded)
    with each find replaced by its placeholder; aligning the two shows which words went.
    """
    source = prepare(original or "")
    public = public or ""
    matcher = difflib.SequenceMatcher(None, source, public, autojunk=False)
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        piece = source[i1:i2]
        if op == "equal" or not piece:
            if piece:
                out.append(Segment(piece))
            continue
        found = _PLACEHOLDERS.search(public[j1:j2])
        out.append(Segment(piece, _BY_TEXT[found.group()] if found else None))
    return _merged(out)


def _merged(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].kind == seg.kind:
            merged[-1] = Segment(merged[-1].text + seg.text, seg.kind)
        else:
            merged.append(seg)
    return merged
