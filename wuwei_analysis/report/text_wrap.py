"""Chart labels broken into lines between words, in Chinese and English.

Chinese has no spaces, so a line may break only where jieba ends a word; it is taught the
glossary's programme terms and the places (``data/reference/``), so 医共体 and 古浪县 stay whole, and
a period such as 【未注明时间】 is one piece. Widths are in em: a CJK character is 1, others about
0.55. Of all breaks into the fewest lines, the most even one is chosen.
"""

from __future__ import annotations

import itertools
import re
import textwrap
import unicodedata
from functools import lru_cache

from wuwei_analysis import reference

WRAP = {"zh": 9, "en": 22}  # characters per line of a bar or card label

_OPENING = "【（(《“‘「〔"  # stays with the word after it
_CLOSING = "】）)》”’」〕，。、：；！？,.:;!?"  # stays with the word before it


@lru_cache(maxsize=1)
def _segmenter():
    """jieba, taught the glossary's programme terms and the places (up to six characters), so
    医共体 and 古浪县 stay whole."""
    import logging

    import jieba

    from wuwei_analysis.report import glossary

    jieba.setLogLevel(logging.WARNING)
    for word in [t["term"] for t in glossary.terms()] + [r.region_zh for r in reference.regions()]:
        if 1 < len(word) <= 6:  # longer ones are cut into these (紧密型 县域 医共体), a line may break there
            jieba.add_word(word)
    return jieba


_ATOM = re.compile(r"(【[^】]{1,8}】|（[^）]{1,6}）)")  # a period 【未注明时间】 or a short aside stays whole


def _words(text: str) -> list[str]:
    """Chinese text cut into words, so a line never breaks inside 小区 or 医共体, nor inside 【…】."""
    words: list[str] = []
    pieces = [p for part in _ATOM.split(text) if part
              for p in ([part] if _ATOM.fullmatch(part) else _segmenter().cut(part, HMM=False))]  # fmt: skip
    for word in (w for w in pieces if w):
        if words and (all(c in _CLOSING for c in word) or words[-1][-1] in _OPENING):
            words[-1] += word
        else:
            words.append(word)
    return words


def em(text: str) -> float:
    """Width in em: a CJK character is 1, others about 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def _chunks(word: str, width: float) -> list[str]:
    """A word wider than a line (a long place name) in pieces that fit; other words whole."""
    if em(word) <= width:
        return [word]
    pieces = [""]
    for char in word:
        if pieces[-1] and em(pieces[-1] + char) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def _lines(widths: list[float], limit: float) -> list[int]:
    """Where lines end: the fewest lines no wider than ``limit``, then the most even ones."""
    limit = max(limit, *widths)  # a word longer than a line gets a line of its own
    ends = [0.0, *itertools.accumulate(widths)]
    n = len(widths)
    for count in range(1, n + 1):
        best = [(0.0, [])] + [(float("inf"), [])] * n  # best[j]: (longest line, ends) for words[:j]
        for _ in range(count):
            best = [(0.0, [])] + [
                min(
                    ((max(best[i][0], ends[j] - ends[i]), [*best[i][1], j]) for i in range(j)),
                    key=lambda t: t[0],
                )
                for j in range(1, n + 1)
            ]
        if best[n][0] <= limit:
            return best[n][1]
    return list(range(1, n + 1))


def wrap(text: str, lang: str, width: float | None = None) -> str:
    """Lines of at most about ``width`` characters (CJK; Latin ones count about half), broken
    between words in either language."""
    width = width or WRAP[lang]
    if lang == "en" or not re.search(r"[\u3400-\u9fff]", text):
        kept = re.sub(r"\[[^\]]{1,12}\]", lambda m: m.group().replace(" ", "\u00a0"), text)  # [as of]
        lines = textwrap.wrap(kept, width=int(width), break_long_words=True, break_on_hyphens=False)
        return "\n".join(lines).replace("\u00a0", " ") or text
    if em(text) <= width:
        return text
    words = [part for w in _words(text) for part in _chunks(w, width)]
    cuts = _lines([em(w) for w in words], width)
    return "\n".join("".join(words[a:b]).strip() for a, b in itertools.pairwise([0, *cuts]))


def words(text: str) -> list[str]:
    """``text`` in the pieces a line may break between: Chinese words, or the text itself when it
    has no Chinese (spaces break it). An HTML page joins them with ``<wbr>``."""
    return _words(text) if re.search(r"[\u3400-\u9fff]", text) else [text]
