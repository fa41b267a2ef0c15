"""Which places and years the build reports on, and which rows each report reads.

A *slice* is one (region code, year) that has figures or measures in the processed data. Places
below county level keep their county's (or city's) code, so a village's figure is reported in its
county's page and in the city's (labelled with the village): it gets no pages of its own.

The data a report of a slice depends on — what decides whether it runs again — is what it reads
(see :func:`slice_hash`): its theme's rows (every theme's, for the summary) of the slice's place and
the places below it in the slice's year, which decide the indicators it shows; of those indicators,
the same places' earlier years (the change since last year) and — for a theme page, not the
summary — their later years where an earlier one exists (the series drawn through every year) and
every place in the slice's year (the ranking of places); plus the rows that belong to no theme. A figure
of an indicator the page does not show, of another place in another year, or of another place
for the summary, leaves the page alone. Standard library only: this is on the no-op path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wuwei_analysis import config, errors, reference
from wuwei_analysis.build.inputs import DataState
from wuwei_analysis.files import sha256_json

# The tables whose rows make a slice: a place and year with figures or measures.
SLICE_TABLES = ("indicators.parquet", "measures.parquet")


@dataclass(frozen=True, order=True)
class Slice:
    """One place (administrative code) and year."""

    region: str
    year: int

    def folder(self, lang: str) -> str:
        """Where its pages are published, relative to ``reports/``: ``zh/620600/2025``."""
        return f"{lang}/{self.region}/{self.year}"


@dataclass(frozen=True)
class Key:
    """A group of rows: theme, and place, year and indicator where the table has them."""

    theme: str
    region: str | None = None
    year: str | None = None
    indicator: str | None = None


def _parts(key: str) -> Key:
    theme, *rest = key.split("|", 3)
    return Key(theme, *rest) if len(rest) in (2, 3) else Key(theme)


def data_slices(data: DataState) -> list[Slice]:
    """Every (region code, year) with figures or measures, latest year first, then by code."""
    found = set()
    for name in SLICE_TABLES:
        for key in (data.files.get(name) or {}).get("themes", {}):
            part = _parts(key)
            if part.region is not None and part.year and part.year.isdigit():
                found.add(Slice(part.region, int(part.year)))
    return sorted(found, key=lambda s: (-s.year, s.region))


def choose(available: list[Slice], regions: Iterable[str], years: Iterable[int]) -> list[Slice]:
    """The slices ``--region``/``--year`` ask for (all when none is given); ParameterError for a
    region or year with no figures and no measures."""
    codes = []
    for region in regions:
        found = reference.find_region(str(region))
        if found is None:
            raise errors.ParameterError(
                f"region={region!r} is not allowed: not in data/reference/regions.csv"
            )
        codes.append(found.region_code)
    years = list(years)
    have_years = sorted({s.year for s in available})
    have_codes = sorted({s.region for s in available})
    for year in years:
        if year not in have_years:
            raise errors.ParameterError(
                f"year={year} is not allowed: the data has figures or measures for {have_years}"
            )
    for region, code in zip(regions, codes, strict=False):
        if code not in have_codes:
            raise errors.ParameterError(
                f"region={region!r} is not allowed: the data has figures or measures for {have_codes}"
            )
    chosen = [s for s in available if (not codes or s.region in codes) and (not years or s.year in years)]
    if not chosen:
        raise errors.ParameterError(f"no figures or measures for region(s) {codes} in year(s) {years}")
    return chosen


@dataclass(frozen=True)
class _Table:
    """One table's groups, parsed once and indexed by year and by place (a build asks per page)."""

    always: tuple[str, ...]  # groups every report reads: no theme (the data dictionary), unsliced
    by_year: dict[int, list[tuple[str, Key]]]
    by_region: dict[str, list[tuple[str, Key, int]]]


_TABLES: dict[tuple[int, frozenset[str]], tuple[dict[str, str], _Table]] = {}


def _table(groups: dict[str, str], themes: frozenset[str]) -> _Table:
    """``groups`` (a table's ``themes`` of a :class:`DataState`) parsed, kept while it is in use."""
    cached = _TABLES.get((id(groups), themes))
    if cached is not None and cached[0] is groups:
        return cached[1]
    always, by_year, by_region = [], {}, {}
    for key in groups:
        part = _parts(key)
        if part.theme not in themes or part.region is None or not (part.year or "").isdigit():
            always.append(key)
            continue
        year = int(part.year)
        by_year.setdefault(year, []).append((key, part))
        by_region.setdefault(part.region, []).append((key, part, year))
    table = _Table(tuple(always), by_year, by_region)
    if len(_TABLES) > 32:
        _TABLES.clear()
    _TABLES[(id(groups), themes)] = (groups, table)
    return table


def slice_hash(data: DataState, theme: str, part: Slice) -> str:
    """Hash of the processed rows a report of ``theme`` (or the summary) for ``part`` reads.

    What the page reads (:mod:`wuwei_analysis.report.page`, :mod:`~wuwei_analysis.report.summary`):
    its own rows (its place and the places below it, its year) and, of the indicators among them,
    the same places' earlier years and (a theme page only) their later years where an earlier one
    exists and every place in its year. Place is the administrative code here, so a village counts
    as its county: a superset, never less than the page reads.
    """
    family = reference.region_family(part.region)
    themes = frozenset(reference.theme_ids())
    hashed = []
    for name, info in sorted(data.files.items()):
        if "themes" in info:
            groups = info["themes"]
            read = _read_keys(_table(groups, themes), theme, family, part.year)
            hashed.append([name, info["schema"], sorted([k, groups[k]] for k in read)])
        else:
            hashed.append([name, info["sha256"]])
    return sha256_json(hashed)


def _read_keys(table: _Table, theme: str, family: set[str], year: int) -> set[str]:
    """The groups of one table a report of ``theme`` for ``family`` and ``year`` reads."""
    summary = theme == config.SUMMARY

    def mine(part: Key) -> bool:
        return summary or part.theme == theme

    read = set(table.always)
    in_year = [(k, p) for k, p in table.by_year.get(year, ()) if mine(p)]
    own = [k for k, p in in_year if p.region in family]
    read.update(own)
    shown = {(p.theme, p.indicator) for k, p in in_year if p.region in family and p.indicator is not None}
    places = [(k, p, y) for code in family for k, p, y in table.by_region.get(code, ()) if mine(p)]
    earlier = {(p.theme, p.indicator, p.region) for _, p, y in places if y < year}
    for key, part, row_year in places:
        if (part.theme, part.indicator) not in shown:
            continue
        if row_year < year:
            read.add(key)  # the change since an earlier year
        elif not summary and row_year > year and (part.theme, part.indicator, part.region) in earlier:
            read.add(key)  # the series through every year, drawn where there is an earlier one
    if not summary:  # the ranking of places in the page's year
        read.update(k for k, p in in_year if (p.theme, p.indicator) in shown)
    return read


def place_hash(data: DataState, part: Slice) -> str:
    """Hash of the rows of ``part``'s place (and the places below it) in its year, every theme.

    What the summary compares with the previous edition's data (its table of revised figures):
    a new edition re-runs the summaries whose place and year differ there, not every summary.
    """
    family = reference.region_family(part.region)
    themes = frozenset(reference.theme_ids())
    hashed = []
    for name, info in sorted(data.files.items()):
        if "themes" in info:
            groups, table = info["themes"], _table(info["themes"], themes)
            own = [*table.always, *(k for k, p in table.by_year.get(part.year, ()) if p.region in family)]
            hashed.append([name, info["schema"], sorted([k, groups[k]] for k in own)])
    return sha256_json(hashed)
