"""Best guesses about a figure from the words around it: theme, status, period, place, year, name,
and the quote.

Each guess looks in the figure's clause first, then its sentence, then its paragraph (and, for an
item of a list, the paragraph that leads the list), and says where it found the word, so that the
draft can lower its confidence and tell the analyst what to check. Keyword occurrences are found
once per article and looked up by offset, so a long article costs one pass per word list.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from wuwei_analysis import config, reference
from wuwei_analysis.extract.keywords import Keywords
from wuwei_analysis.extract.text import Span, clause_at, paragraph_at, sentence_at

MAX_QUOTE = 40  # characters, as data/raw/README.md asks
MAX_NAME = 16
SCOPES = ("clause", "sentence", "paragraph", "list lead")
# A paragraph that is an item of a list ("——认定…", "（1）…", "1. …"): its lead is the paragraph before.
_LIST_ITEM = re.compile(r"\s*(?:——|—|－|[-•·▪●]|[(（]?[0-9一二三四五六七八九十]+[)）.．、])")
_YEAR = re.compile(r"((?:19|20)[0-9]{2})年(?!以来|至|到|前|代)")
_NAME_TRIM = "“”\"'（(）) \t—－、的了达为是共"
# A place name: two to four characters and an administrative ending, at the start of a clause.
_PLACE = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,4}?(?:省|市|州|县|区|旗|镇|乡|村|街道|社区))")
_PLACE_LEVELS = {"市": "city", "区": "district", "县": "county", "镇": "town", "乡": "town", "村": "village"}


@dataclass(frozen=True)
class Hit:
    """One keyword occurrence: offsets and the id it maps to."""

    start: int
    end: int
    word: str
    value: str


class Index:
    """Keyword occurrences of one kind in one text, sorted by offset."""

    def __init__(self, text: str, pattern: re.Pattern[str], mapping: dict[str, str]):
        self.hits = [Hit(m.start(), m.end(), m.group(0), mapping[m.group(0)]) for m in pattern.finditer(text)]
        self.starts = [h.start for h in self.hits]

    def within(self, span: Span) -> list[Hit]:
        """Occurrences wholly inside `span`."""
        low, high = bisect.bisect_left(self.starts, span.start), bisect.bisect_left(self.starts, span.end)
        return [h for h in self.hits[low:high] if h.end <= span.end]


@dataclass(frozen=True)
class Guess:
    """A guessed value and the scope it came from ('' when nothing was found)."""

    value: str
    scope: str = ""
    word: str = ""


def scopes(text: str, offset: int) -> list[tuple[str, Span]]:
    """The clause, sentence, paragraph and (for a list item) the list's lead paragraph of `offset`."""
    paragraph = paragraph_at(text, offset)
    found = [("clause", clause_at(text, offset)), ("sentence", sentence_at(text, offset))]
    found.append(("paragraph", paragraph))
    if _LIST_ITEM.match(text, paragraph.start, paragraph.end):
        lead = _lead_paragraph(text, paragraph)
        if lead:
            found.append(("list lead", lead))
    return found


def _lead_paragraph(text: str, item: Span) -> Span | None:
    """The nearest non-empty paragraph before a run of list items."""
    position = item.start
    while position > 0:
        span = paragraph_at(text, position - 1)  # the line before
        line = text[span.start : span.end]
        if line.strip() and not _LIST_ITEM.match(line):
            return span
        position = span.start
    return None


def nearest(index: Index, text: str, start: int, end: int) -> Guess:
    """The keyword nearest the figure at [start, end) in the narrowest scope that has one."""
    for scope, span in scopes(text, start):
        hits = index.within(span)
        if hits:
            best = min(hits, key=lambda h: (min(abs(h.start - end), abs(h.end - start)), -len(h.word)))
            return Guess(best.value, scope, best.word)
    return Guess("")


def first_listed(index: Index, order: tuple[str, ...], text: str, start: int, scope_names: tuple) -> Guess:
    """The hit whose word comes first in `order` (the file's order), in the narrowest scope with one.

    In its clause, the words before the figure count; in a wider scope, only its leading clause
    (截至目前，… / 今年以来，…), which frames everything after it, not a sibling clause's words.
    """
    for scope, span in scopes(text, start):
        if scope not in scope_names:
            continue
        if scope == "clause":
            span = Span(span.start, start)
        else:
            first = clause_at(text, span.start)
            span = Span(span.start, min(span.end, first.end))
        hits = index.within(span)
        if hits:
            best = min(hits, key=lambda h: order.index(h.word))
            return Guess(best.value, scope, best.word)
    return Guess("")


def keyword_index(text: str, keywords: Keywords, kind: str) -> Index:
    """Occurrences of the `kind` words of the keyword table."""
    return Index(text, keywords.pattern(kind), keywords.mapped[kind])


def region_index(text: str, keywords: Keywords, reference_dir: Path = config.REFERENCE_DIR) -> Index:
    """Occurrences of place names and aliases from regions.csv (generic words such as 全市 left out)."""
    names = known_place_names(reference_dir)
    generic = set(keywords.words["not_place"])
    mapping = {name: region for name, region in names.items() if name not in generic}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True)) or "(?!)")
    return Index(text, pattern, mapping)


def known_place_names(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Every Chinese name and alias of regions.csv → the region's Chinese name."""
    names = {r.region_zh: r.region_zh for r in reference.regions(reference_dir)}
    for key, region in reference.region_lookup(reference_dir).items():
        if not key.isascii():
            names.setdefault(key, region.region_zh)
    return names


def unknown_places(text: str, keywords: Keywords, reference_dir: Path = config.REFERENCE_DIR) -> list[str]:
    """Place-like names (…市, …县, …镇, …村, …社区) that regions.csv does not know, in text order."""
    known = list(known_place_names(reference_dir))
    generic = set(keywords.words["not_place"])
    found: dict[str, None] = {}
    starts = tuple(keywords.words["place_stop"])
    for match in _PLACE.finditer(text):
        name = match.group(1)
        if name.startswith(starts) or any(k in name or name in k for k in known):
            continue
        if not any(name.endswith(g) for g in generic):
            found.setdefault(name, None)
    return list(found)


def place_row(name: str) -> str:
    """A regions.csv row to fill in for an unknown place (code, English name and parent left blank)."""
    level = next((lvl for end, lvl in _PLACE_LEVELS.items() if name.endswith(end)), "")
    if name.endswith(("社区", "小区", "街道")):
        level = "compound" if name.endswith("小区") else "town"
    return f"{name},,,{level},,"


def year_in(text: str, span: Span) -> str:
    """The first year (2025年, not 2016年以来) written in `span`, or ''."""
    match = _YEAR.search(text, span.start, span.end)
    return match.group(1) if match else ""


def guess_name(text: str, start: int, end: int, keywords: Keywords) -> str:
    """The indicator's likely Chinese name: the noun after the figure (23所养老机构), or, when the
    figure ends its clause, the words before it (远程培训临床医师848人)."""
    clause = clause_at(text, start)
    after = re.split(r"[0-9０-９、]", text[end : clause.end], maxsplit=1)[0]
    stop = keywords.pattern("name_stop").search(after)
    after = after[: stop.start()] if stop else after
    after = after.strip(_NAME_TRIM)
    if len(re.findall(r"[\u4e00-\u9fff]", after)) >= 2:
        return after[:MAX_NAME]
    pieces = re.split(r"[0-9０-９、]", text[clause.start : start]) if start > clause.start else [""]
    before = next((p for p in reversed(pieces) if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 2), "")
    before = re.sub(r"^[\s—－]+", "", before).strip(_NAME_TRIM)
    return before[-MAX_NAME:]


def quote_for(text: str, start: int, end: int) -> str:
    """The shortest clause stating the figure, verbatim, at most 40 characters, containing it."""
    clause = clause_at(text, start)
    low, high = clause.start, max(clause.end, end)
    while low < start and text[low] in ' \t—－-“”"':
        low += 1
    if high - low <= MAX_QUOTE:
        return text[low:high].rstrip()
    pieces = [m.span() for m in re.finditer(r"[^、]+", text[low:high])]
    spans = [(low + a, low + b) for a, b in pieces]
    i = next(k for k, (a, b) in enumerate(spans) if a <= start < b)
    q_start, q_end = spans[i][0], max(spans[i][1], end)
    if q_end - q_start > MAX_QUOTE:  # one long piece: a window around the figure
        q_start = max(q_start, start - (MAX_QUOTE - (end - start)) * 2 // 3)
        q_end = min(q_end, q_start + MAX_QUOTE)
    return text[q_start:q_end]
