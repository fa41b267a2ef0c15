"""Reference mappings kept as data under ``data/reference/``.

Regions, units, themes, statuses, qualifier words and raw-table header aliases
are CSV files an analyst can extend without touching code. This module loads
them once and turns them into lookup dictionaries.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wuwei_analysis import config


@dataclass(frozen=True)
class Region:
    region_zh: str
    region_code: str
    region_en: str
    level: str
    parent_code: str


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name_zh: str
    name_en: str
    kind: str
    counters: tuple[str, ...]
    min: float | None
    max: float | None


@dataclass(frozen=True)
class Column:
    table: str
    column: str
    required: bool
    aliases: tuple[str, ...]
    description: str


def _rows(name: str, reference_dir: Path) -> list[dict[str, str]]:
    path = Path(reference_dir) / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def _key(text: str) -> str:
    """Lookup key: case- and space-insensitive."""
    return "".join(str(text).split()).casefold()


def _number(text: str) -> float | None:
    return float(text) if text else None


@lru_cache(maxsize=8)
def regions(reference_dir: Path = config.REFERENCE_DIR) -> tuple[Region, ...]:
    """Every region the data may name, in file order."""
    return tuple(
        Region(r["region_zh"], r["region_code"], r["region_en"], r["level"], r["parent_code"])
        for r in _rows("regions.csv", reference_dir)
    )


@lru_cache(maxsize=8)
def region_lookup(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, Region]:
    """Names, English names, aliases and codes → region.

    A code names the administrative unit itself, not the places below it that
    share their parent's code.
    """
    lookup: dict[str, Region] = {}
    rows = _rows("regions.csv", reference_dir)
    for row, region in zip(rows, regions(reference_dir), strict=True):
        for name in (region.region_zh, region.region_en, *_split(row["aliases"])):
            lookup[_key(name)] = region
    for region in regions(reference_dir):
        if region.level in ADMIN_LEVELS:
            lookup[_key(region.region_code)] = region
    return lookup


# Levels that own an administrative code; places below them borrow it.
ADMIN_LEVELS = ("city", "district", "county")


def find_region(text: str, reference_dir: Path = config.REFERENCE_DIR) -> Region | None:
    """The region a raw cell names, or None."""
    return region_lookup(reference_dir).get(_key(text))


def admin_regions(reference_dir: Path = config.REFERENCE_DIR) -> tuple[Region, ...]:
    """The city and its county-level units (the regions a report can be made for)."""
    return tuple(r for r in regions(reference_dir) if r.level in ADMIN_LEVELS)


@lru_cache(maxsize=8)
def units(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, Unit]:
    """unit_id → unit."""
    return {
        r["unit_id"]: Unit(
            r["unit_id"],
            r["name_zh"],
            r["name_en"],
            r["kind"],
            _split(r["counters"]),
            _number(r["min"]),
            _number(r["max"]),
        )
        for r in _rows("units.csv", reference_dir)
    }


@lru_cache(maxsize=8)
def unit_aliases(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Unit words and ids (as written in a unit column) → unit_id."""
    lookup: dict[str, str] = {}
    for r in _rows("units.csv", reference_dir):
        for alias in (r["unit_id"], *_split(r["aliases"])):
            lookup[_key(alias)] = r["unit_id"]
    return lookup


@lru_cache(maxsize=8)
def themes(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """theme_id → {name_zh, name_en, order}, in report order."""
    rows = sorted(_rows("themes.csv", reference_dir), key=lambda r: int(r["order"]))
    return {r["theme_id"]: r for r in rows}


@lru_cache(maxsize=8)
def theme_lookup(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Theme ids and names in either language → theme_id."""
    lookup: dict[str, str] = {}
    for theme_id, row in themes(reference_dir).items():
        for name in (theme_id, row["name_zh"], row["name_en"]):
            lookup[_key(name)] = theme_id
    return lookup


@lru_cache(maxsize=8)
def statuses(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """status id → {name_zh, name_en}."""
    return {r["status"]: r for r in _rows("statuses.csv", reference_dir)}


@lru_cache(maxsize=8)
def status_lookup(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Status ids and aliases → status id."""
    lookup: dict[str, str] = {}
    for r in _rows("statuses.csv", reference_dir):
        for alias in (r["status"], r["name_zh"], r["name_en"], *_split(r["aliases"])):
            lookup[_key(alias)] = r["status"]
    return lookup


@lru_cache(maxsize=8)
def qualifiers(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """qualifier id → {name_zh, name_en} (first row of each id wins)."""
    result: dict[str, dict[str, str]] = {"exact": {"name_zh": "", "name_en": ""}}
    for r in _rows("qualifiers.csv", reference_dir):
        result.setdefault(r["qualifier"], {"name_zh": r["name_zh"], "name_en": r["name_en"]})
    result.setdefault("range", {"name_zh": "至", "name_en": "to"})
    return result


@lru_cache(maxsize=8)
def columns(table: str, reference_dir: Path = config.REFERENCE_DIR) -> tuple[Column, ...]:
    """The columns a raw table of this kind (figures, measures, sources) has."""
    return tuple(
        Column(r["table"], r["column"], r["required"] == "yes", _split(r["aliases"]), r["description"])
        for r in _rows("headers.csv", reference_dir)
        if r["table"] == table
    )


def header_lookup(table: str, reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Header aliases (Chinese or English, any case) → canonical column name."""
    lookup: dict[str, str] = {}
    for column in columns(table, reference_dir):
        for alias in (column.column, *column.aliases):
            lookup[_key(alias)] = column.column
    return lookup


def lookup_key(text: str) -> str:
    """The normalised form used by every lookup in this module."""
    return _key(text)


@lru_cache(maxsize=8)
def labels(lang: str, reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Every bilingual UI label (``labels.csv``: key, zh, en) in ``lang``, keyed by its dotted key.

    A list of column headings is one cell with ``" | "`` between the items: see :func:`label_list`.
    """
    return {row["key"]: row[lang] for row in _rows("labels.csv", reference_dir)}


def label_list(key: str, lang: str, reference_dir: Path = config.REFERENCE_DIR) -> tuple[str, ...]:
    """A label that lists several items (table headings), split on ``|``."""
    return _split(labels(lang, reference_dir)[key])
