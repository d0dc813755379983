"""Turn names and user text into the tokens the seller index stores and queries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from search.simplified import HAN_CODE_POINTS, simplified, simplify

#: n-gram sizes of the name field: a query of 2 or 3 characters is one term,
#: a longer one the AND of its trigrams (a necessary condition for containment).
MIN_GRAM = 2
MAX_GRAM = 3
#: marks grams and pinyin taken from the start of a name (prefix boost, suggest)
START = "^"
#: start grams of a name (prefix boost and suggestions) have 1..START_GRAM characters
START_GRAM = 2
#: pinyin initials are indexed as letter 2..INITIALS_GRAM-grams
INITIALS_GRAM = 3
#: pinyin is indexed for the first this many syllables of a name
MAX_PINYIN_SYLLABLES = 24
#: full pinyin is indexed as runs of 1..PINYIN_WINDOW syllables
PINYIN_WINDOW = 3

_NON_WORD = re.compile(r"[\W_]+")
_HAN_RANGES = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_CODE_POINTS)
_HAN = re.compile(f"[{_HAN_RANGES}]")
_RUNS = re.compile(f"(?P<han>[{_HAN_RANGES}]+)|(?P<other>[^\\W_{_HAN_RANGES}]+)")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_IDEOGRAPHIC_DOTS = re.compile("[\u3002\uff0e\uff61]")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize(text: str) -> str:
    """Return *text* folded for matching: NFKC, lower case, letters and digits only,
    traditional characters as simplified ones (search.simplified)."""
    return simplify(_NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower()))


def normalize_and_spoken(text: str) -> tuple[str, str]:
    """normalize(*text*), and the same as it is read aloud: there a character is simplified
    only where that keeps its reading (長城 is read as the phrase 长城, chang cheng; but 乾元
    stays 乾元, qian yuan: 干 is gan). Both have one character for each of the other's."""
    raw = _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    table = simplified()
    if table.chars.isdisjoint(raw):
        return raw, raw
    spoken = "".join(table.map.get(c, c) if _same_reading(c) else c for c in raw)
    return raw.translate(table.translation), spoken


@lru_cache(maxsize=1 << 16)  # each hit's names, by two or three highlighters in turn
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Return the normalized text and, for each of its characters, the index in *text*."""
    if unicodedata.is_normalized("NFKC", text):
        lower = text.lower()
        if len(lower) == len(text) and lower.isalnum():
            # The common name: one letter or digit for each character, nothing dropped.
            return simplify(lower), tuple(range(len(text)))
        # Then each character is its own NFKC form: no per-character normalization.
        pairs = [(i, c) for i, ch in enumerate(text) for c in ch.lower() if c.isalnum()]
    else:
        pairs = [
            (i, c)
            for i, ch in enumerate(text)
            for c in unicodedata.normalize("NFKC", ch).lower()
            if c.isalnum()
        ]
    return simplify("".join(c for _, c in pairs)), tuple(i for i, _ in pairs)


@lru_cache(maxsize=8192)
def _same_reading(char: str) -> bool:
    simple = simplified().map.get(char)
    return simple is None or _word_pinyin(char) == _word_pinyin(simple)


def has_han(text: str) -> bool:
    """Tell whether *text* contains a Chinese character."""
    return _HAN.search(text) is not None


def ngrams(norm: str, low: int | None = None, high: int | None = None) -> Iterator[str]:
    """Yield every n-gram of *norm* with low <= n <= high (default MIN_GRAM..MAX_GRAM)."""
    low = MIN_GRAM if low is None else low
    high = MAX_GRAM if high is None else high
    for size in range(low, high + 1):
        for start in range(len(norm) - size + 1):
            yield norm[start : start + size]


def name_grams(norm: str) -> list[str]:
    """Return the index tokens of one normalized name: its n-grams and start grams."""
    if not norm:
        return []
    grams = list(ngrams(norm))
    if len(norm) < MIN_GRAM:
        grams.append(norm)
    grams.extend(START + norm[:size] for size in range(1, START_GRAM + 1) if size <= len(norm))
    return grams


def query_grams(norm: str, cap: int, size: int | None = None) -> list[str]:
    """Return at most *cap* grams whose AND every text containing *norm* matches."""
    size = MAX_GRAM if size is None else size
    if len(norm) <= size:
        return [norm]
    grams = list(ngrams(norm, size, size))
    if len(grams) <= cap:
        return grams
    # Evenly spaced grams, first and last included: fewer terms, same recall.
    step = (len(grams) - 1) / (cap - 1)
    return list(dict.fromkeys(grams[round(i * step)] for i in range(cap)))


def syllables(norm: str) -> list[tuple[str, int]]:
    """Split a normalized name into (pinyin or latin run, length in characters) pairs."""
    out: list[tuple[str, int]] = []
    for match in _RUNS.finditer(norm):
        han = match.group("han")
        if han:
            readings = _pinyin(han)
            if len(readings) == len(han):
                out.extend((r, 1) for r in readings)
            else:  # a character without a reading: keep characters as they are
                out.extend((c, 1) for c in han)
        else:
            run = match.group("other")
            out.append((run, len(run)))
    return out


def pack_syllables(parts: list[tuple[str, int]]) -> str:
    """*parts* of syllables() as one string, as the index stores them: "qing dao abc/3".

    One string unpickles several times faster than a list of pairs, and it is not an
    object the garbage collector has to look at while a decoded document stays in memory.
    A normalized name holds letters and digits only, so neither " " nor "/" is ambiguous.
    """
    return " ".join(syl if n == 1 else f"{syl}/{n}" for syl, n in parts)


def unpack_syllables(packed: str) -> list[tuple[str, int]]:
    """The (syllable, characters) pairs of pack_syllables()."""
    out: list[tuple[str, int]] = []
    for piece in packed.split(" ") if packed else ():
        syl, _, n = piece.partition("/")
        out.append((syl, int(n) if n else 1))
    return out


def _keep_characters(chars: str) -> list[str]:
    return list(chars)  # a character without a reading stands for itself


#: what pypinyin.lazy_pinyin builds on every call (its default options)
_PINYIN = Pinyin(UltimateConverter())


@lru_cache(maxsize=65536)
def _pinyin(han: str) -> tuple[str, ...]:
    """lazy_pinyin(han), one segmented word at a time.

    pypinyin cuts a run into words, then reads each word alone: the reading of a word
    does not depend on its neighbours, so each word's reading is cached. Seller names
    are mostly unique, but their words (places, brands, trades) repeat.
    """
    out: list[str] = []
    for word in _PINYIN.seg(han):
        out.extend(_word_pinyin(word))
    return tuple(out)


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, ...]:
    # a list is taken as already cut: the word is read as it is
    # pypinyin documents that ``errors`` may return a list; its annotation says str only.
    return tuple(_PINYIN.lazy_pinyin([word], errors=_keep_characters))  # type: ignore[arg-type]


def pinyin_parts(norm: str) -> tuple[list[str], list[str]]:
    """Return the full pinyin syllables and the initials of a Chinese name (latin runs kept)."""
    return full_and_initials(syllables(norm)[:MAX_PINYIN_SYLLABLES])


def full_and_initials(parts: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
    """The syllables of syllables() *parts*, and their initials: a reading's first letter,
    a latin run or a character without a reading whole."""
    full = [s for s, _ in parts]
    initials = [s[0] if n == 1 and has_han_reading(s) else s for s, n in parts]
    return full, initials


def pinyin_tokens(norm: str) -> list[str]:
    """Return full-pinyin tokens: every run of 1..PINYIN_WINDOW syllables, and start runs."""
    if not has_han(norm):
        return []
    full, _ = pinyin_parts(norm)
    return syllable_runs(full)


def syllable_runs(full: list[str]) -> list[str]:
    """Runs of 1..PINYIN_WINDOW syllables of *full*, and its start runs."""
    tokens = [
        "".join(full[i : i + n])
        for n in range(1, PINYIN_WINDOW + 1)
        for i in range(len(full) - n + 1)
    ]
    tokens.extend(START + "".join(full[:n]) for n in range(1, min(PINYIN_WINDOW, len(full)) + 1))
    return tokens


def initials_tokens(norm: str) -> list[str]:
    """Return initials tokens: letter 2..INITIALS_GRAM-grams of the initials, and start grams."""
    if not has_han(norm):
        return []
    _, initials = pinyin_parts(norm)
    return initial_grams("".join(initials))


def initial_grams(letters: str) -> list[str]:
    """Letter 2..INITIALS_GRAM-grams of the initials *letters*, and their start grams."""
    tokens = list(ngrams(letters, 2, INITIALS_GRAM))
    tokens.extend(START + letters[:n] for n in range(2, INITIALS_GRAM + 1) if n <= len(letters))
    return tokens


def has_han_reading(syllable: str) -> bool:
    """Tell whether *syllable* is a pinyin reading (ascii letters) rather than a raw character."""
    return syllable.isascii() and syllable.isalpha()


# -- segmenting pinyin typed without an IME ----------------------------------------
SYLLABLES = frozenset(
    """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai
    can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
    chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de
    den deng di dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
    fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
    gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken
    keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia
    lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me
    mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni
    nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao
    pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong
    qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san
    sang sao se sen seng sha shai shan shang shao she shen sheng shi shou shu shua shuai shuan
    shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian
    tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian
    xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong
    you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen
    zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun
    zuo""".split()
)
_SYLLABLE_PREFIXES = frozenset(s[:i] for s in SYLLABLES for i in range(1, len(s) + 1))
_LONGEST = max(map(len, SYLLABLES))


def segment_pinyin(typed: str, limit: int = 3, budget: int = 4000) -> list[tuple[list[str], str]]:
    """Split letters typed as pinyin into syllables, the last one possibly unfinished.

    Returns up to *limit* (syllables, unfinished tail) pairs, fewest syllables first;
    the search is bounded by *budget* steps so no input makes it slow.
    """
    found: list[tuple[list[str], str]] = []
    steps = 0

    def walk(start: int, acc: list[str]) -> None:
        nonlocal steps
        if len(found) >= limit * 4 or steps > budget:
            return
        steps += 1
        rest = typed[start:]
        if not rest:
            found.append((list(acc), ""))
            return
        if rest in _SYLLABLE_PREFIXES and rest not in SYLLABLES:
            found.append((list(acc), rest))
        for end in range(min(len(typed), start + _LONGEST), start, -1):
            piece = typed[start:end]
            if piece in SYLLABLES:
                acc.append(piece)
                walk(end, acc)
                acc.pop()

    if typed.isascii() and typed.isalpha():
        walk(0, [])
    found.sort(key=lambda f: (len(f[0]) + bool(f[1]), bool(f[1])))
    return found[:limit]


def latin_words(text: str) -> list[str]:
    """Return the lower-case ascii words of *text* (for English names and typo tolerance)."""
    return _LATIN_WORD.findall(unicodedata.normalize("NFKC", text).lower())


def host_of(text: str) -> str | None:
    """Return the normalized host of a URL or domain, or None when there is none."""
    # The full stops IDNA splits labels at, as a domain typed on a Chinese keyboard has them.
    text = _IDEOGRAPHIC_DOTS.sub(".", text.strip())
    if not text or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if "." not in host:
        return None
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return host if _TLD.match(host.rsplit(".", 1)[-1]) else None


#: paths that name no particular page: the host alone identifies the shop
_TRIVIAL_PATHS = frozenset({"", "/index.htm", "/index.html", "/shop/view_shop.htm", "/index.php"})


def _url_parts(text: str) -> tuple[str, list[str]]:
    parts = urlsplit(text.strip() if "://" in text else "//" + text.strip())
    path = parts.path.rstrip("/").lower()
    # Only identifying parameters (shopId, mall_id, userid...), not tracking ones (spm...).
    params = sorted(
        {
            q
            for q in parts.query.lower().split("&")
            if "id" in q.partition("=")[0] and q.partition("=")[2]
        }
    )
    return path, params


def locator_tokens(url_or_domain: str) -> list[str]:
    """Return the locator tokens a domain or shop URL is indexed under.

    The host (or host + path) alone only when the URL has no identifying parameter:
    marketplace hosts and pages such as ``shop.jd.com`` are shared by every shop, which
    is then told by host + path + each parameter (``shop.jd.com?shopid=1000``).
    """
    host = host_of(url_or_domain)
    if host is None:
        return []
    path, params = _url_parts(url_or_domain)
    trivial = path in _TRIVIAL_PATHS
    base = host if trivial else host + path
    tokens = [] if params else [base]
    tokens.extend(f"{base}?{p}" for p in params)
    return tokens


def locator_candidates(text: str) -> list[str]:
    """Return every locator token a pasted URL or domain could have been indexed under."""
    host = host_of(text)
    if host is None:
        return []
    path, params = _url_parts(text)
    base = host if path in _TRIVIAL_PATHS else host + path
    return list(dict.fromkeys([host, base, *(f"{base}?{p}" for p in params)]))


def code_token(code: str) -> str:
    """Return an identifier (credit code, registration number) folded for matching."""
    return normalize(code)


def unique_tokens(tokens: Iterable[str]) -> list[str]:
    """Return tokens without duplicates; a list bypasses Whoosh's analyzer when indexing."""
    return list(dict.fromkeys(t for t in tokens if t))
