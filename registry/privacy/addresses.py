"""Street addresses: Chinese (…路/街/巷 + 号, 栋/单元/室) and English (123 Main St, Apt 4B).

What goes is what finds a door: the road with its number, the building, unit and room. The
city and district before it stay (杭州市西湖区【地址已隐去】): a reader needs to know where the
shop or the dispute was, and a district names a million people. A road without a number
(建国路的小明店), a bare 3号 (a day of the month) and 第3单元 (a chapter) stay.
"""

from __future__ import annotations

import re

_ZNUM = r"[0-9一二三四五六七八九十百零〇两]{1,6}"
# Characters a road name does not run through: particles, verbs of sending, pronouns, and
# the administrative suffixes that end a city or district before the road begins.
_STOP = "在到于至是的往从寄送住址去我他她您你和跟给为把被了过、市区县镇乡省逛"
_NONSTOP = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"
_PLACE_END = "大厦|广场|中心|小区|花园|公寓|大楼|家园|新村|苑|园|府|城|院|里"
_PLACE = rf"(?:{_NONSTOP}|[A-Za-z]){{2,10}}?(?:{_PLACE_END})"
_UNIT_WORD = "号楼|栋|幢|座|单元|楼|层|室|号|户|房|门"
_UNIT = rf"(?:[A-Za-z]{{1,2}}|[0-9一二三四五六七八九十]{{1,5}})\s*(?:{_UNIT_WORD})"
_ROOM = r"(?:[0-9]{3,5}(?:室|房|号)?(?![0-9A-Za-z]))?"
_TAIL = re.compile(rf"(?:\s*(?:{_UNIT}{_ROOM}|{_PLACE})){{0,6}}+")
_ROAD_NUMBER = re.compile(
    r"(?:大街|大道|路|街|巷|胡同|弄)(?:[东西南北中]{1,2}段|[一二三四五六七八九十0-9]{1,2}段|"
    rf"[东西南北中]{{1,2}})?\s*(?:{_ZNUM}\s*(?:弄|巷)\s*)?{_ZNUM}(?:\s*[-之]\s*{_ZNUM})?\s*(?:号|號)(?:院)?"
)
_ROAD_NAME = re.compile(rf"{_NONSTOP}{{2,8}}$")
_BUILDING = re.compile(
    rf"(?:{_PLACE}|(?<![0-9A-Za-z\-./_])){_UNIT}(?:\s*-?\s*{_UNIT}){{1,4}}{_ROOM}"
)
_DIGIT = re.compile("[0-9]")
_BUILDING_WORD = re.compile("号楼|栋|幢|座|单元|室|户")

_EN_SKIP = (
    r"on|the|in|at|to|for|of|and|or|my|a|an|is|was|by|from|with|am|pm|days?|weeks?|months?|"
    r"years?|hours?|minutes?|times?|items?|pieces?|dollars?|usd|boxes?|orders?|packages?|"
    r"stars?|miles?|calls?|emails?"
)
_EN_STREET = re.compile(
    r"(?<![A-Za-z0-9])[0-9]{1,6}[A-Za-z]?(?:-[0-9]{1,4})?\s+"
    r"(?:(?:N|S|E|W|North|South|East|West|NE|NW|SE|SW)\.?\s+)?"
    rf"(?:(?!(?:{_EN_SKIP})(?![A-Za-z0-9]))[A-Za-z][A-Za-z'\-]*\.?\s+|[0-9]{{1,3}}(?:st|nd|rd|th)\s+){{1,4}}?"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Close|"
    r"Alley|Plaza|Pike)(?![A-Za-z0-9])\.?"
    r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)(?![A-Za-z0-9])\.?)?"
    r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room|#)\.?\s*#?\s*[A-Za-z0-9\-]{1,6}(?![A-Za-z0-9]))?"
    r"|(?<![A-Za-z0-9])P\.?\s?O\.?\s+Box\s+[0-9]{1,8}(?![0-9])",
    re.IGNORECASE,
)


def address_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, "address") of each street address in ``text``."""
    spans = []
    if "号" in text or "號" in text:
        for m in _ROAD_NUMBER.finditer(text):
            name = _ROAD_NAME.search(text, max(0, m.start() - 8), m.start())
            if name is None:
                continue
            tail = _TAIL.match(text, m.end())
            spans.append((name.start(), tail.end() if tail else m.end(), "address"))
    if _BUILDING_WORD.search(text):
        for m in _BUILDING.finditer(text):
            if _BUILDING_WORD.search(m.group(0)):
                spans.append((m.start(), m.end(), "address"))
    if _DIGIT.search(text):
        spans += [(m.start(), m.end(), "address") for m in _EN_STREET.finditer(text)]
    return spans
