"""The indicator name a figure belongs to: a noun phrase from its clause.

The name is the noun after the figure when there is one (建成23所养老机构 → 养老机构); otherwise the
words before it, from the clause start or the end of the previous figure in the clause, whichever is
later (为65周岁以上老年人免费体检12.6万人次 → 老年人免费体检), without the verbs and words that
join a name to its value (控制在, 分别达到, 和) nor a leading place or 全市. When nothing is left (the
second value of 分别达到815元/月和5880元/年) the figure shares the previous figure's name.
"""

from __future__ import annotations

import re

from wuwei_analysis.extract.keywords import Keywords
from wuwei_analysis.extract.text import clause_at

MAX_NAME = 16
_TRIM = "“”\"'（(）) \t—－、，,的了是共"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[0-9０-９、]")


def _cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def name_after(text: str, end: int, keywords: Keywords) -> str:
    """The noun after a figure, up to the next number or a stop word (23所养老机构的 → 养老机构)."""
    clause = clause_at(text, end - 1)
    after = _SPLIT.split(text[end : clause.end], maxsplit=1)[0]
    stop = keywords.pattern("name_stop").search(after)
    after = (after[: stop.start()] if stop else after).strip(_TRIM)
    if keywords.pattern("name_tail").fullmatch(after):
        return ""
    return after[:MAX_NAME] if _cjk_count(after) >= 2 else ""


def name_before(text: str, start: int, keywords: Keywords, previous_end: int, places: tuple[str, ...]) -> str:
    """The words before a figure, back to the clause start or the previous figure, trimmed."""
    clause = clause_at(text, start)
    low = max(clause.start, previous_end)
    pieces = _SPLIT.split(text[low:start]) if start > low else [""]
    before = next((p for p in reversed(pieces) if _cjk_count(p) >= 2), "")
    return trim_name(re.sub(r"^[\s—－]+", "", before), keywords, places)[-MAX_NAME:]


def trim_name(name: str, keywords: Keywords, places: tuple[str, ...]) -> str:
    """Drop trailing linking words (分别达到, 控制在, 和) and a leading place, 全市 or 目前."""
    tail = keywords.pattern("name_tail")
    periods = (w for w in keywords.words["period"] if len(w) > 1)  # 目前已开工 → 已开工
    leading = tuple(sorted((*places, *keywords.words["whole_area"], *periods), key=len, reverse=True))
    previous = None
    while name != previous:
        previous = name
        name = name.strip(_TRIM)
        match = _last_match(tail, name)
        if match is not None:
            name = name[: match.start()]
        head = next((p for p in leading if name.startswith(p) and len(name) > len(p) + 1), "")
        name = name[len(head) :]
    return name if _cjk_count(name) >= 2 else ""


def _last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The longest match of `pattern` that ends `text`, or None."""
    for position in range(max(0, len(text) - 8), len(text)):
        match = pattern.fullmatch(text, position)
        if match:
            return match
    return None


def guess_name(
    text: str, start: int, end: int, keywords: Keywords, previous_end: int = 0, places: tuple[str, ...] = ()
) -> str:
    """The indicator's likely Chinese name, or '' (the caller then reuses the previous figure's)."""
    return name_after(text, end, keywords) or name_before(text, start, keywords, previous_end, places)
