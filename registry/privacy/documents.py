"""Passport and permit numbers, dates of birth and IBANs in text."""

from __future__ import annotations

import re

from stdnum import iban

_PASSPORT_LABEL = (
    r"护照|港澳通行证|往来港澳通行证|台湾通行证|通行证|回乡证|台胞证|旅行证|"
    r"passport|travel\s+permit|travel\s+document"
)
_PASSPORT = re.compile(
    rf"(?i:{_PASSPORT_LABEL})(?i:\s*(?:号码|号|number|no\.?|#|num)?\s*(?:是|为|is|:|：|#)?\s*)"
    r"(?P<v>[A-Za-z]{0,2}[0-9]{6,10}[A-Za-z0-9]?)(?![A-Za-z0-9])"
    # China's passports (E12345678, EA1234567, G12345678) and permits need no label
    r"|(?<![A-Za-z0-9])(?P<cn>[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})(?![A-Za-z0-9])"
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ZH_NUM = r"[0-9〇零一二三四五六七八九十]"
_DATE = (
    rf"(?:{_ZH_NUM}{{4}}\s*[-/.年]\s*{_ZH_NUM}{{1,2}}\s*[-/.月]\s*{_ZH_NUM}{{1,3}}\s*[日号]?"
    rf"|{_ZH_NUM}{{4}}\s*年\s*{_ZH_NUM}{{1,2}}\s*月"
    r"|[0-9]{1,2}\s*[-/.]\s*[0-9]{1,2}\s*[-/.]\s*[0-9]{2,4}"
    rf"|{_MONTHS}\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+[0-9]{{4}}"
    r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
)
_BIRTH = re.compile(
    r"(?:出生日期|出生年月日?|出生于|出生在|生日|出生|"
    r"(?<![A-Za-z])(?:dob(?![A-Za-z])|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?))"
    rf"\s*(?:是|为|is|was|:|：|-)?\s*(?P<v>{_DATE})(?![0-9])",
    re.IGNORECASE,
)
_IBAN_PART = re.compile(r"[A-Z0-9]+")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?")


def document_spans(shadow: str) -> list[tuple[int, int, str]]:
    """Return (start, end, kind) of passport numbers, dates of birth and IBANs."""
    spans = []
    for m in _PASSPORT.finditer(shadow):
        group = "v" if m.group("v") else "cn"
        value = m.group(group)
        if group == "v" and sum(ch.isdigit() for ch in value) < 6:
            continue
        spans.append((m.start(group), m.end(group), "passport"))
    for m in _BIRTH.finditer(shadow):
        spans.append((m.start("v"), m.end("v"), "birth"))
    for m in _IBAN.finditer(shadow):
        # Trailing groups may belong to the next word: take the longest valid prefix.
        text = m.group(0)
        ends = [g.end() for g in _IBAN_PART.finditer(text)]
        for end in reversed(ends):
            if end >= 15 and iban.is_valid(text[:end]):
                spans.append((m.start(), m.start() + end, "account"))
                break
    return spans
