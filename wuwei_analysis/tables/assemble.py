"""Raw tables with canonical columns → the processed tables: sources, indicators and measures.

Each ``build_*`` function runs the row checks of :mod:`~wuwei_analysis.tables.checks` over one
kind of table and returns the processed table with every problem found; nothing here reads or
writes a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from wuwei_analysis import config, contract, reference
from wuwei_analysis.errors import Problem
from wuwei_analysis.tables import checks, value_checks
from wuwei_analysis.tables.parse import parse_values


@dataclass
class MappedTable:
    """A raw table with canonical column names, and where each row came from."""

    name: str  # as shown in messages
    frame: pd.DataFrame
    lines: list[int]
    file_name: str  # as recorded in the processed data: independent of the working folder


# --------------------------------------------------------------------------- checks


def _concat(tables: list[MappedTable]) -> pd.DataFrame:
    """All tables of one kind as one frame with `_file` and `_line` columns."""
    frames = []
    for table in tables:
        # assign, not copy(): with copy-on-write the table's columns are shared, not duplicated
        frames.append(table.frame.assign(_file=table.name, _line=table.lines, _source_file=table.file_name))
    if not frames:
        return pd.DataFrame(columns=["_file", "_line"])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- build tables


def build_sources(tables: list[MappedTable], today: date) -> tuple[pd.DataFrame, list[Problem]]:
    """The sources table, checked for blanks, repeated ids, years and dates."""
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=contract.column_names("sources")), [
            Problem("sources.csv", rule="no sources table", hint="every figure cites a row of sources.csv")
        ]
    problems = checks.required_filled(frame, "sources")
    repeated = frame["source_id"].duplicated(keep="first")
    problems += checks.problems_where(frame, repeated, "source_id", "source id used twice")
    problems += checks.check_source_dates(frame)
    problems += checks.resolve_year(frame, today)[1]
    return frame[contract.column_names("sources")].reset_index(drop=True), problems


def _shared_checks(
    frame: pd.DataFrame, kind: str, source_ids: set[str] | None
) -> tuple[pd.Series, pd.DataFrame, list[Problem]]:
    """What figures and measures tables share: filled cells, theme, region, source and quote."""
    problems = checks.required_filled(frame, kind)
    theme, found = checks.resolve_theme(frame)
    problems += found
    regions, found = checks.resolve_region(frame)
    problems += found
    if source_ids is not None:  # None: the sources table has its own problems; do not repeat them per row
        problems += checks.resolve_source(frame, source_ids)
    problems += checks.check_quote(frame)
    problems += checks.check_quote_en(frame)
    return theme, regions, problems


def build_indicators(
    tables: list[MappedTable], source_ids: set[str] | None, today: date
) -> tuple[pd.DataFrame, list[Problem]]:
    """Figures tables → the long indicators table (one row per figure)."""
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=contract.column_names("indicators")), []
    theme, regions, problems = _shared_checks(frame, "figures", source_ids)
    year, found = checks.resolve_year(frame, today)
    problems += found
    problems += checks.check_totals(frame, ["indicator_id", "name_zh", "name_en", "region"])
    bad_id = ~frame["indicator_id"].str.fullmatch(contract.INDICATOR_ID) & ~checks.blank(
        frame["indicator_id"]
    )
    problems += checks.problems_where(
        frame, bad_id, "indicator_id", "not a snake_case id", "e.g. urban_parks_built"
    )

    parsed = parse_values(frame["value"])
    missing = parsed["kind"] == "missing"
    problems += checks.problems_where(
        frame,
        missing & ~checks.blank(frame["value"]),
        "value",
        "missing-value marker",
        "a figures row states a figure; remove the row if the source gives none",
    )
    for rule in sorted(set(parsed.loc[parsed["kind"] == "error", "error"])):
        problems += checks.problems_where(
            frame,
            (parsed["kind"] == "error") & (parsed["error"] == rule),
            "value",
            rule,
            "write the figure as the source does, e.g. 73所, 1000多名, 70%, 1:1.22, 八项",
        )
    problems += value_checks.check_value_in_quote(frame)
    unit, found = value_checks.resolve_units(frame, parsed)
    problems += found
    problems += value_checks.check_ranges(frame, parsed, unit)
    problems += value_checks.check_qualifier(frame, parsed)
    status, found = checks.resolve_status(frame)
    problems += found
    period, found = checks.resolve_period(frame)
    problems += found
    problems += checks.check_period_dates(frame, period)

    units = reference.units()
    result = pd.DataFrame(
        {
            "theme": theme,
            "indicator_id": frame["indicator_id"],
            "name_zh": frame["name_zh"],
            "name_en": frame["name_en"],
            **regions,
            "year": year,
            "value": parsed["value"].astype(float),
            "value_high": parsed["value_high"].astype(float),
            "unit": unit,
            "unit_zh": checks.lookup(unit, lambda u: units[u].name_zh if u in units else ""),
            "unit_en": checks.lookup(unit, lambda u: units[u].name_en if u in units else ""),
            "qualifier": parsed["qualifier"],
            "status": status,
            "period": period,
            "period_date": frame["period_date"].str.strip(),
            "period_start": frame["period_start"].str.strip(),
            "value_as_written": frame["value"],
            "unit_as_written": value_checks.unit_as_written(frame, parsed),
            "source_id": frame["source_id"],
            "quote": frame["quote"],
            "quote_en": frame.get("quote_en", ""),
            "source_file": frame["_source_file"],
            "source_line": frame["_line"].astype(int),
        }
    )
    keyed = result.assign(_file=frame["_file"], _line=frame["_line"])
    problems += checks.check_duplicates(keyed, ["indicator_id", "region_zh", "year"])
    return result, problems


def build_measures(
    tables: list[MappedTable], sources: pd.DataFrame, today: date
) -> tuple[pd.DataFrame, list[Problem]]:
    """Measures tables → named programmes per theme, region and year.

    A blank region is the city; a blank year is the year of the measure's source.
    """
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=contract.column_names("measures")).astype({"year": int}), []
    frame = checks.measure_defaults(frame, sources, config.CITY_CODE)
    theme, regions, problems = _shared_checks(
        frame, "measures", set(sources["source_id"]) if len(sources) else None
    )
    year, found = checks.resolve_year(frame.fillna({"year": ""}), today)
    problems += found
    result = pd.DataFrame(
        {
            "theme": theme,
            **regions,
            "year": year,
            **{
                c: frame[c]
                for c in contract.column_names("measures")
                if c in frame and c not in ("theme", "year", "quote_en")
            },
            "quote_en": frame.get("quote_en", ""),
            "source_file": frame["_source_file"],
            "source_line": frame["_line"].astype(int),
        }
    )
    repeated = result.duplicated(["theme", "region_zh", "year", "name_zh"], keep="first")
    problems += checks.problems_where(frame, repeated, "name_zh", "measure listed twice")
    return result, problems


def typed(frame: pd.DataFrame, table: str, order: list[str]) -> pd.DataFrame:
    """The contract's dtypes, and rows in ``order`` (stable files). A theme sorts in report order:
    its categories are in the order of themes.csv."""
    frame = contract.with_dtypes(frame, table)
    return frame.sort_values(order, kind="stable").reset_index(drop=True)
