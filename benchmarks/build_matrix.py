"""The matrix of ``bench_build.py --matrix``: 10 synthetic places × 2 years, every theme, both languages.

The places are made up (a synthetic reference folder: 合成市 990100 and nine 合成县 990101–990109
below it, no real place), and so are the figures: every indicator of the bundled catalogue in every
place and year, written by the tests' generator (``tests/synthetic.py``), citing a source that says
SYNTHETIC. The tool reads the synthetic reference through ``WUWEI_DATA_DIR`` (a data folder with its
own ``reference/``), so nothing outside the temporary folder is read as data or written.

:func:`expected_reruns` says, independently of the build's own rule (``build/slices.py``), which
pages show a figure of the matrix: what a one-figure change must re-run.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import synthetic  # noqa: E402

PLACES = 10
YEARS = (2025, 2026)
CHANGED_THEME = "health"
CHANGED_PLACE = 3  # a county: 合成县03, 990103
LINE = re.compile(r"^\[\s*\d+/\d+\]\s+(ok|FAIL)\s+(\S+)")


@dataclass(frozen=True)
class Matrix:
    """The synthetic data folder and what it holds."""

    data: Path  # WUWEI_DATA_DIR: raw/ and reference/
    codes: tuple[str, ...]  # the places, city first
    years: tuple[int, ...]

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def figures(self) -> Path:
        return self.raw / synthetic.FILE_NAME

    def env(self) -> dict[str, str]:
        """The environment a ``wuwei`` command needs to read the synthetic reference."""
        return {**os.environ, "WUWEI_DATA_DIR": str(self.data)}


def make(folder: Path, places: int = PLACES, years: tuple[int, ...] = YEARS) -> Matrix:
    """Write the synthetic reference and raw folder under ``folder / "data"``."""
    data = Path(folder) / "data"
    codes = synthetic.matrix_reference(data / "reference", places)
    synthetic.write_matrix(data / "raw", codes, list(years))
    return Matrix(data, tuple(codes), tuple(years))


@dataclass(frozen=True)
class Change:
    """One figure changed in the raw data: which indicator, place and year."""

    theme: str
    indicator_id: str
    region: str
    year: int
    before: str
    after: str


def change_one_figure(matrix: Matrix) -> Change:
    """Add one to the first figure of ``CHANGED_THEME`` of one county in the first year."""
    region, year = matrix.codes[CHANGED_PLACE], matrix.years[0]
    with matrix.figures.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[0] == CHANGED_THEME and row[4] == region and row[5] == str(year):
            number = re.match(r"\d+", row[6])
            if number is None:
                continue
            before = row[6]
            row[6] = f"{int(number.group()) + 1}{before[number.end() :]}"
            row[11] = f"合成测试数据{row[6]}"
            with matrix.figures.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(rows)
            return Change(row[0], row[1], region, year, before, row[6])
    raise SystemExit(f"no {CHANGED_THEME} figure of {region} in {year} to change")


def ran_pages(log: str) -> set[tuple[str, int, str, str]]:
    """(region, year, theme, lang) of every notebook a build's log says ran (ok or FAIL)."""
    pages = set()
    for line in log.splitlines():
        found = LINE.match(line.strip())
        if found:
            region, year, theme, lang = found.group(2).split("/")
            pages.add((region, int(year), theme, lang))
    return pages


def expected_reruns(matrix: Matrix, change: Change, langs: tuple[str, ...]) -> dict[tuple, str]:
    """Every page that shows the changed figure, with why, written from what the pages show.

    In the matrix every place has every indicator in every year, and the city (codes[0]) holds
    its counties. A figure of county Q in year Y is shown by: Q's and the city's theme page and
    summary of Y (the city's report holds its counties' figures); the same pages of later years
    (the change since Y, and the theme page's series through every year); and every other
    county's theme page of Y (the ranking of places). Earlier years' pages would show it only in
    a series through three or more years; the matrix has two.
    """
    city, county = matrix.codes[0], change.region
    pages: dict[tuple, str] = {}
    for lang in langs:
        for region, whose in ((county, "its place"), (city, "the city holds the county")):
            for year in matrix.years:
                if year < change.year:
                    continue
                when = "its year" if year == change.year else "since last year"
                for theme in (change.theme, "summary"):
                    pages[(region, year, theme, lang)] = f"{whose}, {when}"
        for region in matrix.codes[1:]:
            pages.setdefault((region, change.year, change.theme, lang), "ranks the places of its year")
    return pages


def literal_target(change: Change, langs: tuple[str, ...]) -> set[tuple]:
    """The issue's target: only its theme and summary pages for that place and year."""
    return {(change.region, change.year, t, lang) for t in (change.theme, "summary") for lang in langs}
