"""Raw sector tables → the processed-data contract.

Reads every table under ``data/raw/`` (figures, ``measures.*``, ``sources.*``),
maps headers by alias, parses values, resolves themes, regions, units and
statuses through the reference data, validates everything and reports every
problem at once. Only a clean run writes ``data/processed/``; nothing is ever
written under the raw folder.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from wuwei_analysis import catalogue, config, contract, reference
from wuwei_analysis.errors import DataError, OutputError, Problem, relative_name
from wuwei_analysis.files import write_files
from wuwei_analysis.tables.assemble import MappedTable, build_indicators, build_measures, build_sources, typed
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


def _canonical_headers(raw: RawTable, kind: str, problems: list[Problem]) -> MappedTable | None:
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
    return MappedTable(name, frame.astype(str).reset_index(drop=True), list(raw.lines), raw.path.name)


def load_tables(paths: list[Path]) -> tuple[dict[str, list[MappedTable]], list[Problem]]:
    """Read and header-map every file; structural problems are collected, not raised."""
    problems: list[Problem] = []
    tables: dict[str, list[MappedTable]] = {"figures": [], "measures": [], "sources": []}
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
    indicators = typed(indicators, "indicators", ["theme", *contract.INDICATOR_KEY])
    measures = typed(measures, "measures", ["theme", "region_code", "region_zh", "year", "name_zh"])
    return CleanResult(indicators, measures, typed(sources, "sources", ["source_id"])), []


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
    contract.schema("indicators", key=False).validate(result.indicators)  # the key: check_duplicates
    contract.schema("measures").validate(result.measures)
    out_dir = Path(out_dir)
    outputs = {
        "indicators": result.indicators,
        "measures": result.measures,
        "sources": result.sources,
        "data_dictionary": contract.data_dictionary(result.indicators),
    }
    files = {
        out_dir / f"{name}{suffix}": data
        for name, (parquet, csv) in serialised(outputs).items()
        for suffix, data in ((".parquet", parquet), (".csv", csv))
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


def serialised(outputs: dict[str, pd.DataFrame]) -> dict[str, tuple[bytes, bytes]]:
    """Each table's parquet and CSV bytes. The parquet files are made on a thread of their own
    while the CSVs are: both are Arrow work, which releases the GIL, so the second core helps."""
    with ThreadPoolExecutor(1) as pool:
        parquet = {name: pool.submit(parquet_bytes, frame) for name, frame in outputs.items()}
        csv = {name: csv_bytes(frame) for name, frame in outputs.items()}
        return {name: (parquet[name].result(), csv[name]) for name in outputs}
