"""Suggestions for the analyst: a units.csv row for a unit word the reference data lacks, and the
indicator id of ``data/raw/`` a drafted row probably continues.

Unit rows come from the ``unit_row`` words of ``extract_keywords.csv`` (元 → ``yuan``, money;
人次 → ``person_times``, count). An indicator id is suggested when the drafted name reads almost
like an existing indicator's (difflib ratio ≥ 0.8) of the same theme and unit; otherwise the row
keeps a placeholder ``theme_unit_n``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from wuwei_analysis import config, reference
from wuwei_analysis.extract.keywords import Keywords

NAME_RATIO = 0.8
_SKIP = ("measures", "sources")


@dataclass(frozen=True)
class UnitRow:
    """A units.csv row to suggest for a unit word."""

    unit_id: str
    kind: str
    name_en: str

    def csv_row(self, word: str) -> str:
        """unit_id,name_zh,name_en,kind,aliases,counters,min,max."""
        return f"{self.unit_id},{word},{self.name_en},{self.kind},{word}|{self.unit_id},{word},0,"


def unit_row(word: str, keywords: Keywords) -> UnitRow | None:
    """The suggested unit for a unit word (``unit_row`` value ``id|kind|english``), or None."""
    value = keywords.mapped["unit_row"].get(word, "")
    parts = value.split("|")
    return UnitRow(*parts) if len(parts) == 3 else None


def suggested_unit_csv(word: str, keywords: Keywords) -> str:
    """The units.csv row to suggest; ``?`` for the id when the keyword table has no idea."""
    row = unit_row(word, keywords)
    return row.csv_row(word) if row else f"?,{word},,count,{word},{word},0,"


@lru_cache(maxsize=4)
def raw_indicators(raw_dir: Path = config.RAW_DATA_DIR) -> pd.DataFrame:
    """indicator_id, name_zh, theme and unit id of every figure row of the raw CSV tables."""
    lookup = reference.header_lookup("figures")
    frames = []
    for path in sorted(Path(raw_dir).glob("*.csv")):
        if path.stem.lower().startswith(_SKIP):
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        table = table.rename(columns=lambda c: lookup.get(reference.lookup_key(c), c))
        if {"indicator_id", "name_zh", "theme"} <= set(table.columns):
            frames.append(table.reindex(columns=["indicator_id", "name_zh", "theme", "unit"], fill_value=""))
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "name_zh", "theme", "unit"])
    found = pd.concat(frames, ignore_index=True).drop_duplicates("indicator_id")
    aliases = reference.unit_aliases()
    found["unit"] = [aliases.get(reference.lookup_key(u), u) for u in found["unit"]]
    return found


def _same_unit(drafted: str, existing: str) -> bool:
    """Units agree: the same id, or the drafted unit word is a counter of the existing unit."""
    if drafted == existing or not drafted:
        return True
    unit = reference.units().get(existing)
    return bool(unit) and drafted in unit.counters


def matching_indicator(name: str, theme: str, unit: str, raw: pd.DataFrame) -> str:
    """The raw indicator id whose name reads almost like `name` (same theme and unit), or ''."""
    if not name:
        return ""
    best, best_ratio = "", NAME_RATIO
    for row in raw[raw["theme"] == theme].itertuples(index=False):
        matcher = difflib.SequenceMatcher(None, name, row.name_zh)
        if matcher.quick_ratio() < best_ratio or not _same_unit(unit, row.unit):
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = row.indicator_id, ratio
    return best


def suggest_ids(rows: list[dict], raw: pd.DataFrame) -> None:
    """An existing indicator id where a row matches one (said in its note), else theme_unit_n."""
    seen: dict[str, int] = {}
    for row in rows:
        match = matching_indicator(row["name_zh"], row["theme"], row["unit"], raw)
        if match:
            row["indicator_id"] = match
            row["note"] = "; ".join(filter(None, [row["note"], f"matches indicator {match} of data/raw"]))
            continue
        stem = f"{row['theme'] or 'unknown'}_{row['unit'] or 'figure'}"
        stem = re.sub(r"[^a-z0-9_]", "", stem.lower()) or "figure"
        seen[stem] = seen.get(stem, 0) + 1
        row["indicator_id"] = f"{stem}_{seen[stem]}"
