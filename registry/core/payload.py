"""What a stranger may send: the limits of a request body, its decoding, and a JSON reader
that keeps within them.

Every API route and the command line read bodies through here (``importing`` builds the
batch formats on top), so a limit is decided once. Python's own ``json`` is not safe on
hostile text as it stands: nesting a few thousand deep raises RecursionError, an integer of
more than 4,300 digits raises ValueError, ``1e999`` becomes ``inf``, ``NaN`` and
``Infinity`` are accepted, a repeated key silently keeps the last value, and ``"\\ud800"``
decodes to a string that no database, template or log can encode. The reader below turns
each of these into a reason that names where it was, so a batch can reject the one record
and keep the others.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from .errors import BadPayload, UnsupportedMediaType


@dataclass(frozen=True)
class Limits:
    """The bounds of one body; the request size itself is Flask's MAX_CONTENT_LENGTH."""

    #: containers nested in one record or object: a record is flat, with lists of texts
    #: (domains, stores, former names) at most; far below where Python's parser recurses out
    depth: int = 16
    #: characters of one JSON number: 64-bit integers have 19 digits, amounts a few more
    number_chars: int = 40
    #: characters of one text (a key, a value, a CSV cell): the longest field a service
    #: accepts is 5,000 characters, so a service still answers an over-long field itself
    string_chars: int = 65_536
    #: characters of one JSON Lines line or CSV row
    line_chars: int = 1_000_000
    #: columns of a CSV header (about 25 are known; the rest are ignored)
    csv_columns: int = 256
    #: records of one batch (None: any number, as on the command line)
    records: int | None = None


LIMITS = Limits()

# The two encodings regulators export (ASCII is UTF-8): anything else is refused rather
# than handed to an arbitrary Python codec (``unicode_escape`` would make lone surrogates).
_CHARSETS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "us-ascii": "utf-8-sig",
    "ascii": "utf-8-sig",
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "windows-936": "gb18030",
}


def codec(charset: str | None) -> str | None:
    """The codec of a declared charset, None when none is declared; 415 for any other."""
    if charset is None:
        return None
    name = _CHARSETS.get(charset.strip().strip('"').lower())
    if name is None:
        raise UnsupportedMediaType(
            f"unsupported charset {shown(charset)}; send UTF-8 or GB18030",
            {"charset": "utf-8 or gb18030"},
        )
    return name


def _bad_bytes(body: bytes, exc: UnicodeDecodeError, name: str) -> BadPayload:
    line = body.count(b"\n", 0, exc.start) + 1
    column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
    return BadPayload(
        f"line {line}: body is not valid {name} (byte {column} of the line)", {"line": line}
    )


def decode_text(body: bytes, charset: str | None = None) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030, the two encodings regulators export."""
    name = codec(charset)
    if name is not None:
        try:
            return body.decode(name)
        except UnicodeDecodeError as exc:
            raise _bad_bytes(body, exc, "UTF-8" if name.startswith("utf") else "GB18030") from None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as first:
        try:
            return body.decode("gb18030")
        except UnicodeDecodeError:
            raise _bad_bytes(body, first, "UTF-8 or GB18030") from None


def printable(text: Any, width: int = 60) -> str:
    """A stranger's text as a message may hold it: short, one line, encodable."""
    text = str(text)
    cut = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text[:width])
    return cut + "…" if len(text) > width else cut


def shown(text: Any, width: int = 60) -> str:
    """``printable`` text, quoted."""
    return f"'{printable(text, width)}'"


class Refused:
    """Stands where the parser met a value outside the limits; ``check`` reports it."""

    __slots__ = ("reason",)
    #: how many were made in this process: a parse that made none needs no look for them
    made = 0

    def __init__(self, reason: str) -> None:
        self.reason = reason
        Refused.made += 1


# NUL and lone surrogates reach a string only through \u escapes (raw control characters
# are invalid JSON, and decoded bytes hold no surrogates): look for them only then.
_ESCAPED = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def _long_number(text: str, limits: Limits) -> Refused:
    return Refused(f"a number of {len(text)} characters (the limit is {limits.number_chars})")


@lru_cache(maxsize=8)
def _decoder(limits: Limits) -> json.JSONDecoder:
    def whole(text: str) -> int | Refused:
        # Checked before int(): past 4,300 digits int() raises ValueError, and is slow.
        return int(text) if len(text) <= limits.number_chars else _long_number(text, limits)

    def fraction(text: str) -> float | Refused:
        if len(text) > limits.number_chars:
            return _long_number(text, limits)
        value = float(text)
        return value if math.isfinite(value) else Refused(f"{shown(text)} is out of range")

    def constant(name: str) -> Refused:
        return Refused(f"{name} is not a JSON number")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any] | Refused:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    return Refused(f"the key {shown(key)} appears twice")
                seen.add(key)
        return obj

    return json.JSONDecoder(
        parse_int=whole,
        parse_float=fraction,
        parse_constant=constant,
        object_pairs_hook=pairs,
    )


def load_json(text: str, limits: Limits = LIMITS) -> Any:
    """Parse JSON text; values outside the limits are left as ``Refused`` for ``check``."""
    try:
        return _decoder(limits).decode(text)
    except json.JSONDecodeError as exc:
        raise BadPayload(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            {"line": exc.lineno},
        ) from None
    except RecursionError:
        line = _deep_line(text, limits.depth)
        raise BadPayload(
            f"line {line}: JSON nested deeper than {limits.depth} levels", {"line": line}
        ) from None


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _deep_line(text: str, depth: int) -> int:
    """The line where *text* first nests deeper than *depth* (strings skipped whole)."""
    level = 0
    for found in _TOKENS.finditer(text):
        char = text[found.start()]
        if char in "[{":
            level += 1
            if level > depth:
                return text.count("\n", 0, found.start()) + 1
        elif char != '"':
            level -= 1
    return 1


class Hazards(NamedTuple):
    """What a text may hold, so that ``check`` looks only for that."""

    unsafe: bool = True  # a \u escape that may make a NUL or a lone surrogate
    long: bool = True  # a string longer than the limit


def hazards(text: str, limits: Limits = LIMITS) -> Hazards:
    """What JSON *text* may hold (one pass over it, at C speed)."""
    return Hazards(_ESCAPED.search(text) is not None, len(text) > limits.string_chars)


def plainly_within(text: str, limits: Limits, refused_before: int) -> bool:
    """Whether JSON *text*, just parsed, is within the limits without a look at its value:
    no marker made while parsing it, no hazardous string, too few brackets to nest deeply."""
    return (
        Refused.made == refused_before
        and text.count("{") + text.count("[") <= limits.depth
        and hazards(text, limits) == (False, False)
    )


def check(value: Any, limits: Limits = LIMITS, may: Hazards = Hazards()) -> tuple[str, str] | None:
    """Where and why a parsed *value* is first outside the limits, or None."""
    texts = may.unsafe or may.long  # else no string can break a limit: only look at the rest
    if (type(value) is dict or type(value) is list) and _within(value, 1, limits, may, texts):
        return None  # the common case, told without building any path
    if type(value) is Refused:
        return "the value", value.reason
    if type(value) is str:
        problem = _text(value, limits, may) if texts else None
        return ("the value", problem) if problem else None
    if type(value) is not dict and type(value) is not list:
        return None
    # A path is (parent path, key or index), spelled out only for the problem found.
    stack: list[tuple[Any, int, tuple | None]] = [(value, 1, None)]
    while stack:
        container, depth, path = stack.pop()
        if depth > limits.depth:
            return _spelled(path), f"nested deeper than {limits.depth} levels"
        items = container.items() if type(container) is dict else enumerate(container)
        for key, item in items:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, depth + 1, (path, key)))
            elif kind is Refused:
                return _spelled((path, key)), item.reason
            elif texts and kind is str:
                problem = _text(item, limits, may)
                if problem:
                    return _spelled((path, key)), problem
            if texts and type(key) is str:
                problem = _text(key, limits, may)
                if problem:
                    return f"a key in {_spelled(path, 'the object')}", problem
    return None


def _within(value: dict | list, depth: int, limits: Limits, may: Hazards, texts: bool) -> bool:
    """Whether a container is within the limits (recursion stops at ``limits.depth``)."""
    if depth > limits.depth:
        return False
    longest = limits.string_chars if may.long else None
    unsafe = _UNSAFE.search if may.unsafe else None
    is_dict = type(value) is dict
    for item in value.values() if is_dict else value:  # type: ignore[union-attr]
        kind = type(item)
        if kind is str:
            if texts and (
                (longest is not None and len(item) > longest) or (unsafe and unsafe(item))
            ):
                return False
        elif kind is dict or kind is list:
            if not _within(item, depth + 1, limits, may, texts):
                return False
        elif kind is Refused:
            return False
    if texts and is_dict:  # the keys, at C speed
        if longest is not None and max(map(len, value), default=0) > longest:
            return False
        if unsafe is not None and any(map(unsafe, value)):
            return False
    return True


def _spelled(path: tuple | None, top: str = "the value") -> str:
    """``a.b[2]`` of a path built by ``check``."""
    parts = []
    while path is not None:
        path, step = path
        parts.append(f"[{step}]" if type(step) is int else f".{printable(step, 30)}")
    return "".join(reversed(parts)).lstrip(".") or top


def _text(text: str, limits: Limits, may: Hazards) -> str | None:
    if may.long and len(text) > limits.string_chars:
        return f"{len(text)} characters (the limit is {limits.string_chars})"
    if may.unsafe:
        found = _UNSAFE.search(text)
        if found:
            char = found.group()
            return "a NUL character" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"
    return None


def load_object(text: str, limits: Limits = LIMITS) -> dict[str, Any]:
    """One JSON object within the limits, or BadPayload naming the first problem."""
    value = load_json(text, limits)
    if type(value) is not dict:
        if type(value) is Refused:
            raise BadPayload(f"the object: {value.reason}")
        raise BadPayload("send a JSON object")
    problem = check(value, limits, hazards(text, limits))
    if problem:
        where, why = problem
        raise BadPayload(f"{where}: {why}", {where: why})
    return value


def check_cell(cell: str, limits: Limits = LIMITS) -> str | None:
    """Why a CSV cell (or any decoded text) is outside the limits, or None."""
    if len(cell) > limits.string_chars:
        return f"{len(cell)} characters (the limit is {limits.string_chars})"
    if "\x00" in cell:
        return "a NUL character"
    return None
