"""Reference mappings kept as data under ``data/reference/``: the one reader of each file.

Regions, units, themes, statuses, qualifier words, raw-table header aliases and the
bilingual UI labels are CSV files an analyst can extend without touching code. This
module loads each once and turns it into lookups; :func:`harmonize_regions` and
:func:`harmonize_units` also say which names have no row and which rows no name uses
(in the spirit of OWID's ``harmonize_countries(warn_on_missing_countries=True,
warn_on_unused_countries=True)``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
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


@dataclass(frozen=True, eq=False)  # hashed by identity: the parser caches its pattern per instance
class QualifierWords:
    """Qualifier words of ``qualifiers.csv``, by where they stand around the number."""

    prefix: Mapping[str, str]  # word -> qualifier, e.g. 约 -> about
    suffix: Mapping[str, str]  # word -> qualifier, e.g. 多 -> more_than
    usual: Mapping[str, tuple[str, str]]  # qualifier -> (position, word) of its first row: how text writes it

    @property
    def qualifiers(self) -> tuple[str, ...]:
        """Every qualifier the words map to, sorted."""
        return tuple(sorted(set(self.prefix.values()) | set(self.suffix.values())))


@dataclass(frozen=True)
class Harmonized:
    """Names as written mapped onto a reference file, and what did not fit either way."""

    mapping: dict[str, str]  # name as written -> the row's id (region_zh, unit_id)
    missing: tuple[str, ...]  # names with no row, in first-seen order
    unused: tuple[str, ...]  # rows that no name maps to, in file order
    file: str

    def warnings(
        self, warn_on_missing: bool = True, warn_on_unused: bool = True, limit: int | None = None
    ) -> list[str]:
        """One plain sentence per kind of misfit asked for; empty when everything fits.

        With ``limit``, a sentence names at most that many names, then says how many more there are.
        """
        found = []
        if warn_on_missing and self.missing:
            found.append(f"{self.file}: no row for {_listed(self.missing, limit)}")
        if warn_on_unused and self.unused:
            found.append(f"{self.file}: rows used by no table: {_listed(self.unused, limit)}")
        return found


def _listed(names: tuple[str, ...], limit: int | None) -> str:
    """'a, b, c' or, past ``limit`` names, 'a, b … and 3 more'."""
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} … and {len(names) - limit:,} more"


def _rows(name: str, reference_dir: Path, strip: bool = True) -> list[dict[str, str]]:
    path = Path(reference_dir) / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() if strip else (v or "") for k, v in row.items()}
            for row in csv.DictReader(handle)
        ]


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


def region_name(text: str, lang: str, reference_dir: Path = config.REFERENCE_DIR) -> str:
    """A region's name in ``lang`` from any of its names, aliases or its code; ``text`` if unknown."""
    region = find_region(text, reference_dir)
    if region is None:
        return text
    return region.region_zh if lang == "zh" else region.region_en


def _harmonize(
    names: Iterable[str], lookup: Callable[[str], str | None], ids: Iterable[str], file: str
) -> Harmonized:
    mapping: dict[str, str] = {}
    missing: dict[str, None] = {}
    for name in dict.fromkeys(names):  # each distinct name once, in first-seen order
        name = str(name).strip()
        if not name or name in mapping or name in missing:
            continue
        found = lookup(name)
        if found is None:
            missing[name] = None
        else:
            mapping[name] = found
    used = set(mapping.values())
    return Harmonized(mapping, tuple(missing), tuple(i for i in ids if i not in used), file)


def harmonize_regions(names: Iterable[str], reference_dir: Path = config.REFERENCE_DIR) -> Harmonized:
    """Region names or codes as written → ``region_zh``.

    Only places below county level count as unused: the city and its counties are the list of
    regions a report can be made for, not mappings some table needed.
    """

    def lookup(name: str) -> str | None:
        region = find_region(name, reference_dir)
        return region.region_zh if region else None

    return _harmonize(names, lookup, _places(reference_dir), "regions.csv")


def _places(reference_dir: Path) -> list[str]:
    """Places below county level: the rows of ``regions.csv`` that can be unused."""
    return [r.region_zh for r in regions(reference_dir) if r.level not in ADMIN_LEVELS]


def unused_regions(used: Iterable[str], reference_dir: Path = config.REFERENCE_DIR) -> Harmonized:
    """The places of ``regions.csv`` (below county level) that no row resolved to.

    ``used`` holds the ``region_zh`` each name as written resolved to, so the names need no second
    lookup: the same rows as ``harmonize_regions(names).unused``.
    """
    used = set(used)
    return Harmonized({}, (), tuple(p for p in _places(reference_dir) if p not in used), "regions.csv")


def harmonize_units(names: Iterable[str], reference_dir: Path = config.REFERENCE_DIR) -> Harmonized:
    """Unit words or ids as written → ``unit_id``."""
    aliases = unit_aliases(reference_dir)
    return _harmonize(names, lambda n: aliases.get(_key(n)), units(reference_dir), "units.csv")


def unused_units(used: Iterable[str], reference_dir: Path = config.REFERENCE_DIR) -> Harmonized:
    """The rows of ``units.csv`` that no row resolved to (``used``: the resolved ``unit_id``)."""
    used = set(used)
    return Harmonized({}, (), tuple(u for u in units(reference_dir) if u not in used), "units.csv")


@lru_cache(maxsize=8)
def themes(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """theme_id → {name_zh, name_en, order}, in report order."""
    rows = sorted(_rows("themes.csv", reference_dir), key=lambda r: int(r["order"]))
    return {r["theme_id"]: r for r in rows}


def theme_ids(reference_dir: Path = config.REFERENCE_DIR) -> tuple[str, ...]:
    """Every theme id, in report order."""
    return tuple(themes(reference_dir))


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
    """qualifier id → {name_zh, name_en} (first row of each id wins), with ``exact`` and ``range``."""
    result: dict[str, dict[str, str]] = {"exact": {"name_zh": "", "name_en": ""}}
    for r in _rows("qualifiers.csv", reference_dir):
        result.setdefault(r["qualifier"], {"name_zh": r["name_zh"], "name_en": r["name_en"]})
    result.setdefault("range", {"name_zh": "至", "name_en": "to"})
    return result


@lru_cache(maxsize=8)
def qualifier_words(reference_dir: Path = config.REFERENCE_DIR) -> QualifierWords:
    """The qualifier words of ``qualifiers.csv`` (columns qualifier, position, word).

    Raises ValueError when a column is missing, a position is neither prefix nor suffix, or a word
    appears twice.
    """
    path = Path(reference_dir) / "qualifiers.csv"
    rows = _rows("qualifiers.csv", reference_dir)
    absent = {"qualifier", "position", "word"} - set(rows[0]) if rows else set()
    if absent:
        raise ValueError(f"{path}: missing column(s) {sorted(absent)}")
    words: dict[str, dict[str, str]] = {"prefix": {}, "suffix": {}}
    usual: dict[str, tuple[str, str]] = {}
    for row in rows:
        word, position = row["word"], row["position"]
        if position not in words:
            raise ValueError(f"{path}: position must be prefix or suffix, not {position!r} (word {word!r})")
        if not word or word in words["prefix"] or word in words["suffix"]:
            raise ValueError(f"{path}: empty or repeated qualifier word {word!r}")
        words[position][word] = row["qualifier"]
        usual.setdefault(row["qualifier"], (position, word))
    return QualifierWords(prefix=words["prefix"], suffix=words["suffix"], usual=usual)


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

    Labels are kept exactly as written, spaces included (``"Source: "`` is followed by the text).
    A list of column headings is one cell with ``" | "`` between the items: see :func:`label_list`.
    Raises KeyError for a language the file has no column for.
    """
    rows = _rows("labels.csv", reference_dir, strip=False)
    if rows and lang not in rows[0]:
        raise KeyError(f"labels.csv has no column {lang!r}")
    return {row["key"].strip(): row[lang] for row in rows}


@lru_cache(maxsize=16)
def label_group(group: str, lang: str, reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """The labels under ``group.`` (e.g. ``page``), keyed without that prefix."""
    prefix = group + "."
    return {k[len(prefix) :]: v for k, v in labels(lang, reference_dir).items() if k.startswith(prefix)}


def label_list(key: str, lang: str, reference_dir: Path = config.REFERENCE_DIR) -> tuple[str, ...]:
    """A label that lists several items (table headings), split on ``|``."""
    return _split(labels(lang, reference_dir)[key])


@lru_cache(maxsize=8)
def periods(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """period id → {name_zh, name_en, date_column} (``periods.csv``): what time a figure covers."""
    return {r["period"]: r for r in _rows("periods.csv", reference_dir)}


@lru_cache(maxsize=8)
def period_lookup(reference_dir: Path = config.REFERENCE_DIR) -> dict[str, str]:
    """Period ids, names and aliases → period id."""
    lookup: dict[str, str] = {}
    for r in _rows("periods.csv", reference_dir):
        for alias in (r["period"], r["name_zh"], r["name_en"], *_split(r["aliases"])):
            lookup[_key(alias)] = r["period"]
    return lookup


def period_name(period: str, lang: str, date: str = "", reference_dir: Path = config.REFERENCE_DIR) -> str:
    """A period in words, with its date where known: ``截至目前`` / ``as of 2025-06``, ``累计（2021年起）``."""
    row = periods(reference_dir).get(period)
    name = row[f"name_{lang}"] if row else period
    if not date:
        return name
    if period == "as_of":
        return f"截至{date}" if lang == "zh" else f"as of {date}"
    return f"{name}（{date}起）" if lang == "zh" else f"{name} since {date}"


def region_family(code: str, reference_dir: Path = config.REFERENCE_DIR) -> set[str]:
    """An administrative code and every code below it (the city holds its districts and counties)."""
    codes = {str(code)}
    admin = admin_regions(reference_dir)
    while True:
        below = {r.region_code for r in admin if r.parent_code in codes} - codes
        if not below:
            return codes
        codes |= below
