"""Raw sector tables → the processed-data contract.

Reads every table under ``data/raw/`` (figures, ``measures.*``, ``sources.*``),
maps headers by alias, parses values, resolves themes, regions, units and
statuses through the reference data, validates everything and reports every
problem at once. Only a clean run writes ``data/processed/``; nothing is ever
written under the raw folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from wuwei_analysis import catalogue, config, contract, reference
from wuwei_analysis.errors import DataError, OutputError, Problem, relative_name
from wuwei_analysis.files import write_files
from wuwei_analysis.tables import checks
from wuwei_analysis.tables.parse import parse_values
from wuwei_analysis.tables.read import RawTable, read_table
from wuwei_analysis.tables.write import csv_bytes, parquet_bytes

RAW_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
SOURCES_STEM = "sources"
MEASURES_STEM = "measures"
SKIP_NAMES = ("README.md",)
# `wuwei check` names this many figures (or reference rows) of one warning, then counts the rest.
WARNING_LIMIT = 5


@dataclass
class CleanResult:
    """The processed tables, and the files written (empty for a check)."""

    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame
    written: list[Path] = field(default_factory=list)


class CheckResult(NamedTuple):
    """What `wuwei check` found: problems (errors) and warnings (lines to print; they pass)."""

    problems: list[Problem]
    warnings: list[str]


@dataclass
class _Table:
    """A raw table with canonical column names, and where each row came from."""

    name: str  # as shown in messages
    frame: pd.DataFrame
    lines: list[int]
    file_name: str  # as recorded in the processed data: independent of the working folder


# --------------------------------------------------------------------------- load


def raw_files(raw_dir: Path) -> list[Path]:
    """Every raw table in a folder, in name order."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise DataError([Problem(relative_name(raw_dir), rule="raw data folder does not exist")])
    return sorted(
        p
        for p in raw_dir.iterdir()
        if p.is_file() and p.suffix.lower() in RAW_SUFFIXES and p.name not in SKIP_NAMES
    )


def table_kind(path: Path) -> str:
    """'sources', 'measures' or 'figures', by file name."""
    stem = path.stem.lower()
    if stem == SOURCES_STEM:
        return "sources"
    if stem.startswith(MEASURES_STEM):
        return "measures"
    return "figures"


def _canonical_headers(raw: RawTable, kind: str, problems: list[Problem]) -> _Table | None:
    """Rename headers by alias; report unknown, repeated and missing columns."""
    name = relative_name(raw.path)
    lookup = reference.header_lookup(kind)
    renamed: dict[str, str] = {}
    fatal = False  # an unknown column is reported, but the table's other columns are still checked
    for header in raw.header:
        column = lookup.get(reference.lookup_key(header))
        if column is None:
            accepted = ", ".join(c.column for c in reference.columns(kind))
            problems.append(
                Problem(name, 1, header, header, "unknown column", f"accepted columns: {accepted}")
            )
        elif column in renamed.values():
            problems.append(Problem(name, 1, header, header, f"second column for {column!r}"))
            fatal = True
        else:
            renamed[header] = column
    for column in reference.columns(kind):
        if column.required and column.column not in renamed.values():
            aliases = " / ".join(column.aliases)
            problems.append(
                Problem(name, 1, column.column, "", "missing required column", f"name it one of: {aliases}")
            )
            fatal = True
    if fatal:
        return None
    frame = raw.rows[list(renamed)].rename(columns=renamed)
    for column in reference.columns(kind):
        if column.column not in frame.columns:
            frame[column.column] = ""
    return _Table(name, frame.astype(str).reset_index(drop=True), list(raw.lines), raw.path.name)


def load_tables(paths: list[Path]) -> tuple[dict[str, list[_Table]], list[Problem]]:
    """Read and header-map every file; structural problems are collected, not raised."""
    problems: list[Problem] = []
    tables: dict[str, list[_Table]] = {"figures": [], "measures": [], "sources": []}
    for path in paths:
        raw = read_table(path)
        problems.extend(raw.problems)
        if raw.rows.empty:
            continue
        kind = table_kind(path)
        table = _canonical_headers(raw, kind, problems)
        if table is not None:
            tables[kind].append(table)
    return tables, problems


# --------------------------------------------------------------------------- checks


def _concat(tables: list[_Table]) -> pd.DataFrame:
    """All tables of one kind as one frame with `_file` and `_line` columns."""
    frames = []
    for table in tables:
        # assign, not copy(): with copy-on-write the table's columns are shared, not duplicated
        frames.append(table.frame.assign(_file=table.name, _line=table.lines, _source_file=table.file_name))
    if not frames:
        return pd.DataFrame(columns=["_file", "_line"])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- build tables


def build_sources(tables: list[_Table], today: date) -> tuple[pd.DataFrame, list[Problem]]:
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
    tables: list[_Table], source_ids: set[str] | None, today: date
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
    problems += checks.check_value_in_quote(frame)
    unit, found = checks.resolve_units(frame, parsed)
    problems += found
    problems += checks.check_ranges(frame, parsed, unit)
    problems += checks.check_qualifier(frame, parsed)
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
            "unit_as_written": checks.unit_as_written(frame, parsed),
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
    tables: list[_Table], sources: pd.DataFrame, today: date
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


def _typed(frame: pd.DataFrame, table: str, order: list[str]) -> pd.DataFrame:
    """The contract's dtypes, and rows in ``order`` (stable files). A theme sorts in report order:
    its categories are in the order of themes.csv."""
    frame = contract.with_dtypes(frame, table)
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- run


def process(paths: list[Path], today: date | None = None) -> CleanResult:
    """Read and validate raw files; raise DataError with every problem found."""
    result, problems = _validate(paths, today)
    if problems:
        raise DataError(problems)
    return result


def _validate(paths: list[Path], today: date | None) -> tuple[CleanResult, list[Problem]]:
    """The processed tables (sorted only when sound) and every problem found, sorted."""
    today = today or date.today()
    if not paths:
        raise DataError(
            [Problem("(raw data)", rule="no raw tables found", hint="expected *.csv or *.xlsx files")]
        )
    tables, problems = load_tables(paths)
    sources, found = build_sources(tables["sources"], today)
    problems += found
    source_ids = set(sources["source_id"]) if tables["sources"] else None
    indicators, found = build_indicators(tables["figures"], source_ids, today)
    problems += found
    measures, found = build_measures(tables["measures"], sources, today)
    problems += found
    if indicators.empty and measures.empty and not problems:
        problems.append(Problem("(raw data)", rule="no figures and no measures", hint="nothing to report"))
    if problems:
        problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column, p.rule))
        return CleanResult(indicators, measures, sources), problems
    indicators = _typed(indicators, "indicators", ["theme", *contract.INDICATOR_KEY])
    measures = _typed(measures, "measures", ["theme", "region_code", "region_zh", "year", "name_zh"])
    return CleanResult(indicators, measures, _typed(sources, "sources", ["source_id"])), []


def _files_to_check(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The raw files named by ``paths`` (files or folders), with the ``sources`` table beside them."""
    files: list[Path] = []
    missing: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += raw_files(path)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Problem(relative_name(path), rule="no such file or folder"))
    if not any(table_kind(f) == "sources" for f in files):
        folders = dict.fromkeys(f.parent for f in files)
        files += [p for folder in folders for p in raw_files(folder) if table_kind(p) == "sources"]
    return files, missing


def check(paths: list[Path], today: date | None = None) -> CheckResult:
    """Every problem in the given raw files or folders, and the warnings; writes nothing.

    A single figures file is checked with the ``sources`` table beside it, since every
    figure must cite a known source. The files are read and processed once: the warnings about
    figures with no catalogue row (only when there is no problem) and about reference rows no
    table uses come from the same tables as the problems, summarised (the first few, then a count).
    """
    files, missing = _files_to_check(paths)
    if missing:
        return CheckResult(missing, [])
    try:
        result, problems = _validate(files, today)
        found = [] if problems else catalogue.warnings(result.indicators, limit=WARNING_LIMIT)
    except DataError as error:
        return CheckResult(error.problems, [])
    return CheckResult(problems, found + reference_warnings(result))


def reference_warnings(result: CleanResult) -> list[str]:
    """Rows of ``regions.csv`` and ``units.csv`` that no figure or measure resolved to.

    Warnings, not errors: ``wuwei check`` prints them and passes. Names with no row are not
    repeated here: :func:`check` already reports each as an error with its file and line.
    """
    regions = pd.concat([result.indicators["region_zh"], result.measures["region_zh"]]).unique()
    return [
        *reference.unused_regions(regions).warnings(limit=WARNING_LIMIT * 2),
        *reference.unused_units(result.indicators["unit"].unique()).warnings(limit=WARNING_LIMIT * 2),
    ]


def clean(raw_dir: Path = config.RAW_DATA_DIR, out_dir: Path = config.PROCESSED_DATA_DIR) -> CleanResult:
    """Clean the raw tables and write the processed-data contract to ``out_dir``."""
    result = process(raw_files(raw_dir))
    contract.schema("indicators").validate(result.indicators)
    contract.schema("measures").validate(result.measures)
    out_dir = Path(out_dir)
    outputs = {
        "indicators": result.indicators,
        "measures": result.measures,
        "sources": result.sources,
        "data_dictionary": contract.data_dictionary(result.indicators),
    }
    files = {
        out_dir / f"{name}{suffix}": serialise(frame)
        for name, frame in outputs.items()
        for suffix, serialise in ((".parquet", parquet_bytes), (".csv", csv_bytes))
    }
    try:
        write_files(files)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = relative_name(error.filename) if error.filename else relative_name(out_dir)
        raise OutputError(
            f"cannot write {where}: {reason}; the previous processed data is left as it was"
        ) from error
    result.written += list(files)
    return result
