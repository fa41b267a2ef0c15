"""Places in an article, and the place each figure belongs to.

Known places are the names and aliases of ``data/reference/regions.csv``. Unknown places are
place-like names at the start of a clause (张掖市, 甘州区): two to six characters and an
administrative ending, not starting with a verb or another keyword of ``extract_keywords.csv``
(累计培训乡 is not a place), and not a word such as 乡村 cut short. A figure's region is the place
named in its clause; else the place a 该村 / 村里 in its sentence points back to; else the last place
named before it in its paragraph (a place carries forward); else the default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wuwei_analysis import config, reference
from wuwei_analysis.extract.context import Guess, Index
from wuwei_analysis.extract.keywords import Keywords
from wuwei_analysis.extract.text import Span, clause_at, paragraph_at, sentence_at

_ENDINGS = ("街道", "社区", "省", "市", "州", "县", "区", "旗", "镇", "乡", "村")
# Two to six characters and an ending, not inside a longer word (the clause starts before it).
_PLACE = re.compile(rf"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{{2,6}}?(?:{'|'.join(_ENDINGS)}))")
_PLACE_AT = re.compile(rf"([\u4e00-\u9fff]{{2,6}}?(?:{'|'.join(_ENDINGS)}))")  # right after a place
_PLACE_LEVELS = {"市": "city", "区": "district", "县": "county", "镇": "town", "乡": "town", "村": "village"}
# Keyword kinds whose words do not start a place name (verbs, themes, periods).
_NOT_A_START = ("place_stop", "status", "period", "theme", "name_stop", "name_tail")
ANAPHOR_WINDOW = 600  # characters back that 该村 / 村里 may point to
WHOLE_AREA = "\x00whole"  # the value of 全市 / 全县 hits: the default region


@dataclass
class Places:
    """Every place occurrence of an article, and which names regions.csv does not know."""

    index: Index
    unknown: tuple[str, ...]
    anaphors: Index


def known_place_names(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Every Chinese name and alias of regions.csv → the region's Chinese name."""
    names = {r.region_zh: r.region_zh for r in reference.regions(reference_dir)}
    for key, region in reference.region_lookup(reference_dir).items():
        if not key.isascii():
            names.setdefault(key, region.region_zh)
    return names


def find_places(text: str, keywords: Keywords, reference_dir: Path = config.REFERENCE_DIR) -> Places:
    """Known and unknown place occurrences, 全市-like words, and 该村-like words of `text`."""
    generic = set(keywords.words["not_place"])
    mapping = {n: r for n, r in known_place_names(reference_dir).items() if n not in generic}
    unknown = unknown_places(text, keywords, reference_dir)
    mapping.update({name: name for name in unknown})
    mapping.update({word: WHOLE_AREA for word in keywords.words["whole_area"]})
    pattern = re.compile("|".join(re.escape(n) for n in sorted(mapping, key=len, reverse=True)) or "(?!)")
    anaphors = Index(text, keywords.pattern("anaphor"), keywords.mapped["anaphor"])
    return Places(Index(text, pattern, mapping), tuple(unknown), anaphors)


def unknown_places(text: str, keywords: Keywords, reference_dir: Path = config.REFERENCE_DIR) -> list[str]:
    """Place-like names at the start of a clause that regions.csv does not know, in text order; a
    place written right after another (北岭镇南坡村) is kept as one name."""
    known = list(known_place_names(reference_dir))
    found: dict[str, None] = {}
    for match in _PLACE.finditer(text):
        if not _plausible(text, match, keywords):
            continue
        end = match.end()
        while (more := _PLACE_AT.match(text, end)) and _plausible(text, more, keywords):
            end = more.end()
        name = text[match.start() : end]
        if not any(k in name or name in k for k in known):
            found.setdefault(name, None)
    return list(found)


def _plausible(text: str, match: re.Match[str], keywords: Keywords) -> bool:
    """A place name: no verb or keyword at its start, and its ending not cut from a word (乡村)."""
    generic = set(keywords.words["not_place"])
    name, cut_word = match.group(1), text[match.end() - 1 : match.end() + 1]
    return not (name.startswith(_starts(keywords)) or cut_word in generic or name.endswith(tuple(generic)))


@lru_cache(maxsize=4)
def _starts(keywords: Keywords) -> tuple[str, ...]:
    """Words a place name does not start with (one-character words only from place_stop: 和政县)."""
    return tuple(w for k in _NOT_A_START for w in keywords.words[k] if len(w) > 1 or k == "place_stop")


def place_row(name: str) -> str:
    """A regions.csv row to fill in for an unknown place (code, English name and parent left blank)."""
    level = next((lvl for end, lvl in _PLACE_LEVELS.items() if name.endswith(end)), "")
    if name.endswith(("社区", "小区", "街道")):
        level = "compound" if name.endswith("小区") else "town"
    return f"{name},,,{level},,"


def region_of(places: Places, text: str, start: int) -> Guess:
    """The place a figure at `start` belongs to: its clause, a 该村 of its sentence, or the last
    place named before it in its paragraph. ``word`` is the name as written; '' when none."""
    clause = places.index.within(clause_at(text, start))
    if clause:
        best = min(clause, key=lambda h: abs(h.start - start))
        return Guess(best.value, "clause", best.word)
    for anaphor in places.anaphors.within(sentence_at(text, start)):
        back = Span(max(0, anaphor.start - ANAPHOR_WINDOW), anaphor.start)
        hits = [h for h in places.index.within(back) if h.value.endswith(anaphor.value)]
        if hits:
            return Guess(hits[-1].value, "earlier text", anaphor.word)
    paragraph = paragraph_at(text, start)
    before = places.index.within(Span(paragraph.start, start))
    if before:
        return Guess(before[-1].value, "paragraph", before[-1].word)
    return Guess("")
