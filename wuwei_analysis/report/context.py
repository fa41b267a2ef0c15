"""What a report reads: the processed tables, and the rows of one place and year.

Theme reports (:mod:`~wuwei_analysis.report.page`) and the summary
(:mod:`~wuwei_analysis.report.summary`) both load ``data/processed/`` here and
select their rows with the same rule: a region code covers its own rows and
those of every place below it (the city holds its districts, counties and
villages); a place name covers that place only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from wuwei_analysis import catalogue, config, contract, reference
from wuwei_analysis.errors import DataError, Problem, relative_name
from wuwei_analysis.report import commentary
from wuwei_analysis.report.params import (
    INDICATORS_FILE,
    MEASURES_FILE,
    SOURCES_FILE,
    Params,
    SummaryParams,
)

HEADLINES_FILE = config.REFERENCE_DIR / catalogue.HEADLINES_FILE
MAX_CARDS = 3  # headline cards per summary theme panel; more would not be legible at report width


@dataclass(frozen=True)
class Processed:
    """The processed tables a report reads."""

    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame


@dataclass
class Context:
    """What every report holds: its parameters, its place and the rows it shows."""

    params: Params | SummaryParams
    region: reference.Region  # the report's own place
    region_name: str  # in the report's language
    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame  # the sources the report cites, in citation order
    numbers: dict[str, int]  # source_id → citation number
    font: str  # the chart font in use

    @property
    def lang(self) -> str:
        return self.params.lang

    @property
    def year(self) -> int:
        return self.params.year


# ---------------------------------------------------------------- loading


def _read(path: Path) -> pd.DataFrame:
    """A processed table with the contract's dtypes (older or hand-made files are cast)."""
    if not path.is_file():
        raise DataError(
            [Problem(relative_name(path), rule="file is missing", hint="run `wuwei clean` first")]
        )
    frame = pd.read_parquet(path)
    missing = [c for c in contract.required_columns(path.name) if c not in frame.columns]
    if missing:
        raise DataError(
            [Problem(relative_name(path), column=c, rule="required column is missing") for c in missing]
        )
    if "period" in frame.columns or path.stem != "indicators":
        return _typed(frame, path)
    # processed before periods were recorded: every figure is a year's
    return _typed(frame.assign(period="year"), path)


def _typed(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    try:
        return contract.with_dtypes(frame, path.stem)
    except (ValueError, TypeError) as error:
        raise DataError(
            [
                Problem(
                    relative_name(path),
                    rule="not the processed-data contract",
                    value=str(error),
                    hint="run `wuwei clean` again",
                )
            ]
        ) from None


def load_processed(processed_dir: Path | str) -> Processed:
    """Read indicators, measures and sources (parquet) from a processed folder, with the dtypes of
    :mod:`wuwei_analysis.contract` (vocabularies categorical, ``year`` Int16, ``region_code`` text).

    A missing indicators or sources file, or a missing required column, raises
    :class:`~wuwei_analysis.errors.DataError` naming the file; measures are optional.
    """
    folder = Path(processed_dir)
    indicators = _read(folder / INDICATORS_FILE)
    measures = _read(folder / MEASURES_FILE) if (folder / MEASURES_FILE).exists() else None
    sources = _read(folder / SOURCES_FILE)
    if measures is None:
        columns = list(contract.required_columns(MEASURES_FILE))
        measures = contract.with_dtypes(pd.DataFrame(columns=columns), "measures")
    for column in ("period_date", "period_start"):
        if column not in indicators:
            indicators[column] = ""
    return Processed(indicators, measures, sources)


# ---------------------------------------------------------------- selection


def region_codes(region_code: str) -> set[str]:
    """An administrative code and every code below it (see :func:`reference.region_family`)."""
    return reference.region_family(region_code)


def in_scope(frame: pd.DataFrame, region_code: str, place_zh: str | None) -> pd.Series:
    """Rows of the region (with the places below it), or of the named place only."""
    if place_zh is not None:
        return (frame["region_code"].astype(str) == region_code) & (frame["region_zh"] == place_zh)
    return frame["region_code"].astype(str).isin(region_codes(region_code))


def in_place_and_year(frame: pd.DataFrame, params: Params | SummaryParams) -> pd.Series:
    """Rows of the report's place (see :func:`in_scope`) and year."""
    return in_scope(frame, params.region_code, params.place_zh) & (frame["year"] == params.year)


def select(processed: Processed, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The theme's figures for the region and year, and its measures for the region.

    A region code selects its own rows and those of every place below it (the city's
    report holds its counties' and villages' figures, each labelled with its place);
    a place name selects that place's rows only.
    """
    ind, mea = processed.indicators, processed.measures
    ind_mask = (ind["theme"] == params.theme) & in_place_and_year(ind, params)
    mea_mask = (mea["theme"] == params.theme) & in_scope(mea, params.region_code, params.place_zh)
    if "year" in mea:  # measures have a year (older processed data: every year)
        mea_mask &= mea["year"].astype(int) == params.year
    return ind[ind_mask].reset_index(drop=True), mea[mea_mask].reset_index(drop=True)


@lru_cache(maxsize=4)
def headlines(path: Path = HEADLINES_FILE) -> dict[str, tuple[str, ...]]:
    """theme → the indicator ids its headline panel shows, in file order (read by the catalogue)."""
    return catalogue.load(Path(path).parent).headlines


def in_theme_order(indicators: pd.DataFrame) -> pd.DataFrame:
    """Rows by theme (themes.csv order), each theme in the order its report states them."""
    if indicators.empty:
        return indicators.reset_index(drop=True)
    rank = {theme: n for n, theme in enumerate(reference.themes())}
    parts = [
        commentary.in_report_order(rows, theme)
        for theme, rows in sorted(indicators.groupby("theme", sort=False, observed=True), key=lambda g: rank.get(g[0], len(rank)))
    ]  # fmt: skip
    return pd.concat(parts).reset_index(drop=True)


def themes_without_figures(indicators: pd.DataFrame) -> list[str]:
    """The themes (in report order) with no figure among ``indicators``."""
    present = set(indicators["theme"])
    return [theme for theme in reference.themes() if theme in reference.theme_ids() and theme not in present]


def headline_rows(
    indicators: pd.DataFrame, mapping: dict[str, tuple[str, ...]] | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """(theme, rows) for each theme with figures: its mapped headline figures, else its first figure."""
    mapping = headlines() if mapping is None else mapping
    panels = []
    for theme in reference.themes():
        rows = indicators[indicators["theme"] == theme]
        if rows.empty:
            continue
        ids = mapping.get(theme, ())
        chosen = rows[rows["indicator_id"].isin(ids)]
        if chosen.empty:
            chosen = commentary.in_report_order(rows, theme).head(1)
        else:
            order = {indicator_id: n for n, indicator_id in enumerate(ids)}
            chosen = chosen.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")
        panels.append((theme, chosen.head(MAX_CARDS).reset_index(drop=True)))
    return panels


def report_region(params: Params | SummaryParams) -> reference.Region:
    """The place a report is about: the named place, else the region of its code."""
    place = reference.find_region(params.place_zh) if params.place_zh else None
    region = place or reference.find_region(params.region_code)
    assert region is not None  # the parameter validation resolved it
    return region


def region_name(region: reference.Region, lang: str) -> str:
    """A region's name in the report's language."""
    return region.region_zh if lang == "zh" else region.region_en


def cited_sources(sources: pd.DataFrame, numbers: dict[str, int]) -> pd.DataFrame:
    """The sources a report cites, numbered in citation order (an unknown id keeps a row)."""
    cited = sources[sources["source_id"].isin(numbers)].copy()
    cited["number"] = cited["source_id"].map(numbers)
    missing = [s for s in numbers if s not in set(cited["source_id"])]
    if missing:
        extra = pd.DataFrame(
            {"source_id": missing, "title": missing, "number": [numbers[s] for s in missing]}
        )
        cited = pd.concat([cited, extra], ignore_index=True)
    return cited.sort_values("number").reset_index(drop=True)
