"""Which places and years the build reports on, and which rows each report reads.

A *slice* is one (region code, year) that has figures or measures in the processed data. Places
below county level keep their county's (or city's) code, so a village's figure is reported in its
county's page and in the city's (labelled with the village): it gets no pages of its own.

The data a report of a slice depends on — what decides whether it runs again — is its theme's rows
(every theme's, for the summary) of the slice's place and the places below it in every year (the
series over years), and of every place in the slice's year (the comparison of places); plus the
rows that belong to no theme. A figure added for another place in another year leaves the page
alone. Standard library only: this is on the no-op path.
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


def _parts(key: str) -> tuple[str, str | None, str | None]:
    theme, *rest = key.split("|")
    return (theme, rest[0], rest[1]) if len(rest) == 2 else (theme, None, None)


def data_slices(data: DataState) -> list[Slice]:
    """Every (region code, year) with figures or measures, latest year first, then by code."""
    found = set()
    for name in SLICE_TABLES:
        for key in (data.files.get(name) or {}).get("themes", {}):
            _, region, year = _parts(key)
            if region is not None and year and year.isdigit():
                found.add(Slice(region, int(year)))
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


def slice_hash(data: DataState, theme: str, part: Slice) -> str:
    """Hash of the processed rows a report of ``theme`` (or the summary) for ``part`` reads."""
    family = reference.region_family(part.region)
    themes = set(reference.theme_ids())

    def read(key: str) -> bool:
        row_theme, region, year = _parts(key)
        if row_theme not in themes:
            return True  # rows of no theme (the data dictionary's columns) go into every report
        if theme != config.SUMMARY and row_theme != theme:
            return False
        return region is None or region in family or year == str(part.year)

    hashed = []
    for name, info in sorted(data.files.items()):
        if "themes" in info:
            rows = sorted([k, d] for k, d in info["themes"].items() if read(k))
            hashed.append([name, info["schema"], rows])
        else:
            hashed.append([name, info["sha256"]])
    return sha256_json(hashed)
