"""The extractor's word lists, read from ``data/reference/extract_keywords.csv``.

One row per word: ``kind,word,value,note``. Kinds:

- ``theme`` (value: theme id), ``status`` (value: status id), ``period`` (value: period id):
  words that point a figure to a theme, a status or a period; when several statuses or periods
  are named in one clause, the one listed first in the file wins (计划 before 完成, 累计 before 截至);
- ``counter``: unit words a figure may end with, beyond the counters of ``units.csv``;
- ``slogan``: plan and campaign names whose numerals are not figures (十四五, 三抓三促);
- ``ordinal``: words before a numeral that make it an ordinal or a distributive (第, 每);
- ``address``: name endings before a house number (天顺苑3栋) and words after one (号楼, 单元);
  ``address_unit``: the unit words of a house number (栋, 幢);
- ``not_place``: words ending in 市/区/县/乡/村 that are not place names (全市, 城区);
  ``place_stop``: first words of a clause that are not the start of a place name (在, 走进);
- ``name_stop``: words where a guessed indicator name ends (享受, 的).

An analyst extends the lists without touching code.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wuwei_analysis import config, reference

KEYWORDS_FILE = config.REFERENCE_DIR / "extract_keywords.csv"
KINDS = (
    "theme", "status", "period", "counter", "slogan", "ordinal", "address", "address_unit", "not_place",
    "place_stop", "name_stop",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Keywords:
    """Word lists by kind; ``mapped`` kinds map a word to an id."""

    words: dict[str, tuple[str, ...]]  # kind -> words, in file order (the order is a priority)
    mapped: dict[str, dict[str, str]]  # kind -> word -> value (theme, status, period)
    known_counters: frozenset[str]  # counter words units.csv already names

    def pattern(self, kind: str) -> re.Pattern[str]:
        """One alternation of the words of `kind`, longest first (so 今年以来 beats 以来)."""
        return _alternation(tuple(sorted(self.words[kind], key=len, reverse=True)))

    @property
    def counters(self) -> tuple[str, ...]:
        """Every counter word, longest first: units.csv counters and names, then the extra ones."""
        return tuple(sorted(self.known_counters | set(self.words["counter"]), key=len, reverse=True))


@lru_cache(maxsize=64)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words) or r"(?!)")


@lru_cache(maxsize=4)
def load_keywords(path: Path = KEYWORDS_FILE, reference_dir: Path = config.REFERENCE_DIR) -> Keywords:
    """Read the keyword table; ValueError on a missing column, an unknown kind or a repeated row."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"kind", "word", "value"} <= set(rows[0]):
        raise ValueError(f"{path}: needs the columns kind, word, value")
    words: dict[str, list[str]] = {kind: [] for kind in KINDS}
    mapped: dict[str, dict[str, str]] = {"theme": {}, "status": {}, "period": {}}
    for line, row in enumerate(rows, start=2):
        kind, word, value = (row[k].strip() for k in ("kind", "word", "value"))
        if kind not in words:
            raise ValueError(f"{path}, line {line}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        if not word or word in words[kind]:
            raise ValueError(f"{path}, line {line}: empty or repeated {kind} word {word!r}")
        words[kind].append(word)
        if kind in mapped:
            mapped[kind][word] = value
    known = set()
    for unit in reference.units(reference_dir).values():
        known |= {w for w in (*unit.counters, unit.name_zh) if _is_word(w)}
    return Keywords(
        words={k: tuple(v) for k, v in words.items()},
        mapped=mapped,
        known_counters=frozenset(known),
    )


def _is_word(text: str) -> bool:
    """A counter that can follow a number in running text (not '%' nor a ratio's name)."""
    return bool(text) and not text.isascii()


def unit_for_counter(counter: str, reference_dir: Path = config.REFERENCE_DIR) -> str:
    """The unit id of a counter word when units.csv names exactly one unit for it, else ''."""
    if counter in ("%", "％"):
        return "percent"
    found = {
        unit.unit_id
        for unit in reference.units(reference_dir).values()
        if counter == unit.name_zh or counter in unit.counters
    }
    alias = reference.unit_aliases(reference_dir).get(reference.lookup_key(counter))
    return alias or (found.pop() if len(found) == 1 else "")
