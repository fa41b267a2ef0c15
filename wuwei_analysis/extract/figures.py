"""Find the figures an article states, and tell them from numbers that are not figures.

A figure is a number with what makes it a quantity: a unit word (73所, 1000多名, 5万户以上), a
percent sign, a ratio (1:1.22) or a range with a unit (2至3岁). Qualifier words come from
``qualifiers.csv`` (the parser's table), unit words from ``units.csv`` and
``extract_keywords.csv``. Numbers without them — dates and years, ordinals, list markers, house
numbers, phone numbers, codes, numerals inside plan and campaign names — are traps, kept with the
reason so that a test or a reviewer can see why each was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wuwei_analysis.extract.keywords import Keywords, load_keywords
from wuwei_analysis.reference import QualifierWords, qualifier_words
from wuwei_analysis.tables.numerals import CHINESE_POINT

_DIGIT = "0-9０-９"
_ARABIC = rf"[{_DIGIT}]+(?:,[0-9]{{3}}(?![0-9]))*(?:[.．][{_DIGIT}]+)?"
_CN_DIGITS = "一二三四五六七八九两"
_CN_ALL = _CN_DIGITS + "十百千万亿零〇"
# A Chinese numeral starts with a digit or 十 (十二); a lone 百/千/万 only counts with a qualifier.
_CHINESE = rf"(?:[{_CN_DIGITS}十][{_CN_ALL}]*|[百千万亿])(?:{CHINESE_POINT}[{_CN_DIGITS}零〇]+[万亿]?)?"
_MULTIPLIER = "[百千万亿]*"
_RANGE = "至|到|~|～|-|－|—"
_RATIO = ":|：|∶"
_PERCENT = "%|％"
_PERCENT_WORDS = "百分之"  # 百分之七十: a percentage written in words
_PER = "/月|/年|/人|/天"
# Phone numbers and dates written with digits and dashes or dots are spans no figure may touch.
_PHONE = rf"(?<![{_DIGIT}])(?:0[0-9]{{2,3}}[-－—]?[0-9]{{7,8}}|1[3-9][0-9]{{9}})(?![{_DIGIT}])"
_DIGIT_DATE = r"(?<![0-9])(?:19|20)[0-9]{2}[-./年][0-9]{1,2}(?:[-./月][0-9]{1,2}日?)?"
_LIST_MARKER = rf"[(（][{_DIGIT}{_CN_DIGITS}十]+[)）]|^[ \t]*[{_DIGIT}]+[.．、](?![{_DIGIT}])|[①-⑳]"
_YEAR = re.compile(r"^(?:19|20)[0-9]{2}$")


@dataclass(frozen=True)
class Found:
    """A figure as written, by offsets into the text, with the parts the pattern saw."""

    start: int
    end: int
    value: str  # exactly as written: 5万户以上, 1000多名, 1:1.22, 815元/月
    counter: str  # the unit word ('' for ratios, '%' for percentages)
    chinese: bool  # written in Chinese numerals
    bare: bool  # no unit word, percent, ratio nor qualifier: a plain number


@dataclass(frozen=True)
class Trap:
    """A number that is not a figure, and why."""

    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class Scan:
    """What one pass over the text found."""

    figures: tuple[Found, ...]
    traps: tuple[Trap, ...]


@lru_cache(maxsize=4)
def figure_pattern(qualifiers: QualifierWords, keywords: Keywords) -> re.Pattern[str]:
    """The pattern of one figure: [prefix] number [range|ratio] [%] [suffix] [unit] [suffix] [/period]."""

    def words(options: object) -> str:
        return "|".join(re.escape(w) for w in sorted(options, key=len, reverse=True))

    number = rf"(?:{_ARABIC}{_MULTIPLIER}|{_CHINESE})"
    prefix, suffix = words(qualifiers.prefix), words(qualifiers.suffix)
    return re.compile(
        rf"(?P<pre>{prefix})?(?P<pctw>{_PERCENT_WORDS})?(?P<a>{number})"
        rf"(?:(?P<sep>{_RANGE})(?P<b>{number})|(?P<ratio>{_RATIO})(?P<r>{_ARABIC}))?"
        rf"(?P<pct>{_PERCENT})?(?P<suf>{suffix})?(?P<cnt>{words(keywords.counters)})?"
        rf"(?P<suf2>{suffix})?(?P<per>(?<=元)(?:{_PER}))?"
    )


def scan(text: str, keywords: Keywords | None = None) -> Scan:
    """Every figure of `text` and every number left out, in text order."""
    keywords = keywords or load_keywords()
    qualifiers = qualifier_words()
    blocked = _blocked_spans(text, keywords)
    figures: list[Found] = []
    traps: list[Trap] = [Trap(s, e, text[s:e], why) for s, e, why in blocked]
    for match in figure_pattern(qualifiers, keywords).finditer(text):
        if not match.group("a"):
            continue
        start, end = match.span()
        reason = _trap_reason(text, match, keywords, blocked)
        if reason:
            traps.append(Trap(start, end, match.group(0), reason))
            continue
        figures.append(
            Found(
                start=start,
                end=end,
                value=match.group(0),
                counter="%" if match.group("pct") or match.group("pctw") else match.group("cnt") or "",
                chinese=not _is_arabic(match.group("a")) and not match.group("pctw"),
                bare=_is_bare(match),
            )
        )
    traps.sort(key=lambda t: t.start)
    return Scan(tuple(figures), tuple(traps))


def _is_arabic(number: str) -> bool:
    return number[0] in "0123456789０１２３４５６７８９"


def _is_bare(match: re.Match[str]) -> bool:
    return not any(match.group(g) for g in ("pre", "pctw", "ratio", "pct", "suf", "cnt", "suf2"))


def _blocked_spans(text: str, keywords: Keywords) -> list[tuple[int, int, str]]:
    """Spans no figure may overlap: phone numbers, dates, list markers, plan and slogan names."""
    spans = [(m.start(), m.end(), "phone number") for m in re.finditer(_PHONE, text)]
    spans += [(m.start(), m.end(), "date") for m in re.finditer(_DIGIT_DATE, text)]
    spans += [(m.start(), m.end(), "list marker") for m in re.finditer(_LIST_MARKER, text, re.MULTILINE)]
    spans += [(m.start(), m.end(), "plan or slogan name") for m in keywords.pattern("slogan").finditer(text)]
    return spans


def _trap_reason(text: str, match: re.Match[str], keywords: Keywords, blocked: list) -> str:
    """Why this number is not a figure, or '' when it is one."""
    start, end = match.span()
    number, counter = match.group("a"), match.group("cnt") or ""
    before, after = text[max(0, start - 4) : start], text[end : end + 2]
    for b_start, b_end, why in blocked:
        if b_start < end and start < b_end:
            return why
    if before[-1:].isascii() and before[-1:].isalnum() or after[:1].isascii() and after[:1].isalpha():
        return "code or model name (letters or digits around it)"
    if keywords.pattern("ordinal").fullmatch(before[-1:]) or before.endswith("第"):
        return "ordinal or distributive (第…, 每…)"
    if _is_arabic(number):
        return _arabic_trap(text, match, keywords, before, after)
    if match.group("pctw"):
        return ""
    if not counter and not match.group("pct"):
        return "Chinese numeral without a unit word (part of a word or a name)"
    if number in ("一", "几") or (number in "百千万亿" and not (match.group("pre") or match.group("suf"))):
        return "一/几 or a lone 百/千/万 before a unit word is an article, not a count"
    if after[:1] == counter[-1:] or (after[:1] and after[:1] in _CN_ALL):
        return "reduplication or set phrase (一项项, 五个一)"
    return ""


def _arabic_trap(text: str, match: re.Match[str], keywords: Keywords, before: str, after: str) -> str:
    """Trap rules for numbers written with digits."""
    counter, number = match.group("cnt") or "", match.group("a")
    if counter in keywords.words["address_unit"] and keywords.pattern("address").fullmatch(
        before[-1:] or " "
    ):
        return "address or house number"
    if keywords.pattern("address").match(text, match.end()) and not match.group("pct"):
        return "address or house number"
    has_unit = bool(counter or match.group("pct") or match.group("ratio"))
    if has_unit:
        return ""
    if match.group("sep"):
        return "range without a unit"
    digits = re.sub(r"[^0-9０-９]", "", number)
    if _YEAR.match(digits) and number == digits and not match.group("pre"):
        return "year"
    if after[:1] in "年月日号时点分秒届期次版楼层室级":
        return "date, time or ordinal (number before 年/月/日/届…)"
    if len(digits) >= 6 and "," not in number:
        return "code or number without a unit (6 digits or more)"
    if after[:1] and after[:1] not in "，。；、）)！？,;":
        return "number without a unit word"
    return ""
