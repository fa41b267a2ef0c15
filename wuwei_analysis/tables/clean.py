"""Raw sector tables → the processed-data contract.

Reads every table under ``data/raw/`` (figures, ``measures.*``, ``sources.*``),
maps headers by alias, parses values, resolves themes, regions, units and
statuses through the reference data, validates everything and reports every
problem at once. Only a clean run writes ``data/processed/``; nothing is ever
written under the raw folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from wuwei_analysis import config, reference
from wuwei_analysis.errors import DataError, OutputError, Problem, relative_name
from wuwei_analysis.files import write_files
from wuwei_analysis.tables import schema
from wuwei_analysis.tables.parse import parse_values
from wuwei_analysis.tables.read import RawTable, read_table
from wuwei_analysis.tables.write import csv_bytes, parquet_bytes

RAW_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
SOURCES_STEM = "sources"
MEASURES_STEM = "measures"
SKIP_NAMES = ("README.md",)

# The longest quote we accept: the source rules allow a short clause
# (about 30 characters), never a paragraph.
MAX_QUOTE_CHARS = 40
# Words that mark a total row; totals are computed, never transcribed.
TOTAL_WORDS = ("合计", "总计", "小计", "total", "subtotal")
INDICATOR_ID = re.compile(r"^[a-z][a-z0-9_]*$")
EARLIEST_YEAR = 1949
# A code that a spreadsheet has turned into a number, e.g. 6.206E+05.
EXCEL_NUMBER = r"\d+(\.\d+)?[eE][+-]?\d+"

INDICATOR_COLUMNS = [
    "theme",
    "indicator_id",
    "name_zh",
    "name_en",
    "region_code",
    "region_zh",
    "region_en",
    "year",
    "value",
    "value_high",
    "unit",
    "unit_zh",
    "unit_en",
    "qualifier",
    "status",
    "value_as_written",
    "source_id",
    "quote",
    "source_file",
    "source_line",
]
MEASURE_COLUMNS = [
    "theme",
    "region_code",
    "region_zh",
    "region_en",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "source_id",
    "quote",
    "source_file",
    "source_line",
]
SOURCE_COLUMNS = ["source_id", "title", "authors", "year", "kind", "language", "file", "sha256"]


@dataclass
class CleanResult:
    """The processed tables, and the files written (empty for a check)."""

    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame
    written: list[Path] = field(default_factory=list)


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
    for header in raw.header:
        column = lookup.get(reference.lookup_key(header))
        if column is None:
            accepted = ", ".join(c.column for c in reference.columns(kind))
            problems.append(
                Problem(name, 1, header, header, "unknown column", f"accepted columns: {accepted}")
            )
        elif column in renamed.values():
            problems.append(Problem(name, 1, header, header, f"second column for {column!r}"))
        else:
            renamed[header] = column
    for column in reference.columns(kind):
        if column.required and column.column not in renamed.values():
            aliases = " / ".join(column.aliases)
            problems.append(
                Problem(name, 1, column.column, "", "missing required column", f"name it one of: {aliases}")
            )
    if any(p.file == name and p.line == 1 for p in problems):
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
        frame = table.frame.copy()
        frame["_file"] = table.name
        frame["_line"] = table.lines
        frame["_source_file"] = table.file_name
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["_file", "_line"])
    return pd.concat(frames, ignore_index=True)


def _problems_where(
    frame: pd.DataFrame, mask: pd.Series, column: str, rule: str, hint: str = ""
) -> list[Problem]:
    rows = frame.loc[mask.fillna(False).astype(bool)]
    return [
        Problem(
            row["_file"], int(row["_line"]), column, str(row[column]) if column in row else "", rule, hint
        )
        for _, row in rows.iterrows()
    ]


def _blank(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip() == ""


# Columns that merged cells in a spreadsheet often leave blank on every row but the first.
MERGED_KEYS = ("theme", "region", "source_id")
MERGED_HINT = (
    "merged cells saved as CSV leave blanks: repeat the value on every row "
    "(in .xlsx files merged cells are filled automatically)"
)


def _required_filled(frame: pd.DataFrame, kind: str) -> list[Problem]:
    problems = []
    for column in reference.columns(kind):
        if column.required and column.column in frame:
            hint = MERGED_HINT if column.column in MERGED_KEYS else ""
            problems += _problems_where(
                frame, _blank(frame[column.column]), column.column, "empty cell", hint
            )
    return problems


def _resolve_theme(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    lookup = reference.theme_lookup()
    theme = frame["theme"].map(lambda t: lookup.get(reference.lookup_key(t), ""))
    bad = (theme == "") & ~_blank(frame["theme"])
    hint = "one of: " + ", ".join(reference.themes())
    return theme, _problems_where(frame, bad, "theme", "unknown theme", hint)


def _resolve_region(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    found = frame["region"].map(lambda r: reference.find_region(r))
    bad = found.isna() & ~_blank(frame["region"])
    hint = "add it to data/reference/regions.csv, with its parent's code, or use a known name or code"
    excel = frame["region"].str.fullmatch(EXCEL_NUMBER)
    problems = _problems_where(frame, bad & ~excel, "region", "region not in the reference data", hint)
    problems += _problems_where(
        frame,
        bad & excel,
        "region",
        "region code was turned into a number",
        "Excel wrote the code in scientific notation; format the column as text and type the code, e.g. 620600",
    )
    resolved = pd.DataFrame(
        {
            "region_code": found.map(lambda r: r.region_code if r else ""),
            "region_zh": found.map(lambda r: r.region_zh if r else ""),
            "region_en": found.map(lambda r: r.region_en if r else ""),
        },
        index=frame.index,
    )
    return resolved, problems


def _resolve_year(frame: pd.DataFrame, today: date) -> tuple[pd.Series, list[Problem]]:
    text = frame["year"].astype(str).str.strip()
    year = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}"), None), errors="coerce")
    problems = _problems_where(
        frame, year.isna() & (text != ""), "year", "not a year", "write the year as four digits, e.g. 2025"
    )
    problems += _problems_where(
        frame, year > today.year, "year", "year is in the future", f"figures describe {today.year} or earlier"
    )
    problems += _problems_where(frame, year < EARLIEST_YEAR, "year", "year is implausibly early")
    return year.fillna(0).astype(int), problems


def _resolve_source(frame: pd.DataFrame, source_ids: set[str]) -> list[Problem]:
    bad = ~frame["source_id"].isin(source_ids) & ~_blank(frame["source_id"])
    hint = "add it to sources.csv" if not source_ids else "known sources: " + ", ".join(sorted(source_ids))
    return _problems_where(frame, bad, "source_id", "unknown source", hint)


def _check_quote(frame: pd.DataFrame) -> list[Problem]:
    long = frame["quote"].str.len() > MAX_QUOTE_CHARS
    hint = f"quote the clause that states it, at most {MAX_QUOTE_CHARS} characters"
    return _problems_where(frame, long, "quote", "quote is too long", hint)


def _check_totals(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    pattern = "|".join(re.escape(w) for w in TOTAL_WORDS)
    problems = []
    for column in columns:
        is_total = frame[column].str.contains(pattern, case=False, regex=True)
        problems += _problems_where(
            frame, is_total, column, "total row", "totals are computed from the figures; remove the row"
        )
    return problems


def _resolve_units(frame: pd.DataFrame, parsed: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The canonical unit of each row, from the unit column or the value's own unit word."""
    aliases = reference.unit_aliases()
    known = reference.units()
    problems: list[Problem] = []
    unit = frame["unit"].map(lambda u: aliases.get(reference.lookup_key(u), ""))
    from_counter = parsed["counter"].map(lambda c: aliases.get(reference.lookup_key(c), "") if c else "")
    stated = ~_blank(frame["unit"])
    problems += _problems_where(
        frame,
        stated & (unit == ""),
        "unit",
        "unknown unit",
        "use a unit from data/reference/units.csv, or add one there",
    )
    unit = unit.where(stated, from_counter)
    ok = parsed["kind"].isin(["number", "percent", "ratio", "range"])
    problems += _problems_where(
        frame,
        ~stated & (unit == "") & ok,
        "unit",
        "no unit",
        "fill the unit column (the value's own word, if any, does not name a unit)",
    )
    # A unit word written on the value must agree with the unit column.
    for index in frame.index[stated & (unit != "") & (parsed["counter"] != "")]:
        counter = parsed.at[index, "counter"]
        spec = known[unit[index]]
        if counter not in spec.counters and aliases.get(reference.lookup_key(counter)) != spec.unit_id:
            problems.append(
                Problem(
                    frame.at[index, "_file"],
                    int(frame.at[index, "_line"]),
                    "value",
                    frame.at[index, "value"],
                    f"unit word {counter!r} does not fit unit {spec.unit_id!r}",
                    "words that fit: " + ", ".join(spec.counters or ("none",)),
                )
            )
    kind_units = {"percent": "percent", "ratio": "ratio"}
    for kind, unit_id in kind_units.items():
        mismatch = (parsed["kind"] == kind) & (unit != unit_id) & (unit != "")
        problems += _problems_where(frame, mismatch, "unit", f"a {kind} value needs unit {unit_id!r}")
    return unit, problems


def _check_ranges(frame: pd.DataFrame, parsed: pd.DataFrame, unit: pd.Series) -> list[Problem]:
    problems = []
    for unit_id, spec in reference.units().items():
        rows = unit == unit_id
        if spec.min is not None:
            below = rows & (parsed["value"] < spec.min)
            problems += _problems_where(
                frame, below, "value", f"below {spec.min:g} for unit {unit_id!r}", "counts cannot be negative"
            )
        if spec.max is not None:
            above = rows & (parsed[["value", "value_high"]].max(axis=1) > spec.max)
            hint = "write percentages on one scale, 0–100 (70%, not 7000%)"
            problems += _problems_where(
                frame, above, "value", f"above {spec.max:g} for unit {unit_id!r}", hint
            )
    # 0.7 in a percent column is 70 % on another scale, or 0.7 %: refuse to guess.
    bare_fraction = (unit == "percent") & (parsed["kind"] == "number") & (parsed["value"].abs() < 1)
    problems += _problems_where(
        frame,
        bare_fraction & (parsed["value"] != 0),
        "value",
        "ambiguous percentage scale",
        "percentages use one scale, 0–100: write 70% (not 0.7) or 0.7%",
    )
    return problems


def _check_value_in_quote(frame: pd.DataFrame) -> list[Problem]:
    def quoted(row: pd.Series) -> bool:
        return _squash(row["value"]) in _squash(row["quote"])

    bad = ~frame.apply(quoted, axis=1) if len(frame) else pd.Series(dtype=bool)
    hint = "the quote must state the figure as written in the value column"
    return _problems_where(frame, bad, "quote", "quote does not contain the value", hint)


def _squash(text: str) -> str:
    return "".join(str(text).split())


def _check_duplicates(frame: pd.DataFrame, key: list[str]) -> list[Problem]:
    """Identical repeats and conflicting values for the same indicator, region and year."""
    problems: list[Problem] = []
    figure = (
        frame[["value", "value_high", "unit"]].astype(object).fillna("").astype(str).agg("|".join, axis=1)
    )
    for _, group in frame[frame.duplicated(key, keep=False)].groupby(key, sort=False):
        first = group.index[0]
        where = f"{frame.at[first, '_file']} line {frame.at[first, '_line']}"
        for index in group.index[1:]:
            rule = "duplicate figure" if figure[index] == figure[first] else "conflicting figure"
            hint = f"the same indicator, region and year is already at {where}"
            row = frame.loc[index]
            problems.append(
                Problem(row["_file"], int(row["_line"]), "value", row["value_as_written"], rule, hint)
            )
    return problems


# --------------------------------------------------------------------------- build tables


def build_sources(tables: list[_Table]) -> tuple[pd.DataFrame, list[Problem]]:
    """The sources table, checked for blanks and repeated ids."""
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=SOURCE_COLUMNS), [
            Problem("sources.csv", rule="no sources table", hint="every figure cites a row of sources.csv")
        ]
    problems = _required_filled(frame, "sources")
    repeated = frame["source_id"].duplicated(keep="first")
    problems += _problems_where(frame, repeated, "source_id", "source id used twice")
    return frame[SOURCE_COLUMNS].reset_index(drop=True), problems


def _shared_checks(
    frame: pd.DataFrame, kind: str, source_ids: set[str]
) -> tuple[pd.Series, pd.DataFrame, list[Problem]]:
    """What figures and measures tables share: filled cells, theme, region, source and quote."""
    problems = _required_filled(frame, kind)
    theme, found = _resolve_theme(frame)
    problems += found
    regions, found = _resolve_region(frame)
    problems += found
    problems += _resolve_source(frame, source_ids)
    problems += _check_quote(frame)
    return theme, regions, problems


def build_indicators(
    tables: list[_Table], source_ids: set[str], today: date
) -> tuple[pd.DataFrame, list[Problem]]:
    """Figures tables → the long indicators table (one row per figure)."""
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS), []
    theme, regions, problems = _shared_checks(frame, "figures", source_ids)
    year, found = _resolve_year(frame, today)
    problems += found
    problems += _check_totals(frame, ["indicator_id", "name_zh", "name_en", "region"])
    bad_id = ~frame["indicator_id"].str.fullmatch(INDICATOR_ID.pattern) & ~_blank(frame["indicator_id"])
    problems += _problems_where(
        frame, bad_id, "indicator_id", "not a snake_case id", "e.g. urban_pocket_parks"
    )

    parsed = parse_values(frame["value"])
    missing = parsed["kind"] == "missing"
    problems += _problems_where(
        frame,
        missing & ~_blank(frame["value"]),
        "value",
        "missing-value marker",
        "a figures row states a figure; remove the row if the source gives none",
    )
    for rule in sorted(set(parsed.loc[parsed["kind"] == "error", "error"])):
        problems += _problems_where(
            frame,
            (parsed["kind"] == "error") & (parsed["error"] == rule),
            "value",
            rule,
            "write the figure as the source does, e.g. 73所, 1000多名, 70%, 1:1.22, 八项",
        )
    problems += _check_value_in_quote(frame)
    unit, found = _resolve_units(frame, parsed)
    problems += found
    problems += _check_ranges(frame, parsed, unit)

    qualifier = parsed["qualifier"]
    stated = frame["qualifier"].str.strip()
    valid = set(reference.qualifiers())
    problems += _problems_where(
        frame,
        (stated != "") & ~stated.isin(valid),
        "qualifier",
        "unknown qualifier",
        "one of: " + ", ".join(sorted(valid)),
    )
    problems += _problems_where(
        frame,
        (stated != "") & stated.isin(valid) & (stated != qualifier) & parsed["kind"].ne("error"),
        "qualifier",
        "qualifier disagrees with the value",
        "leave it blank to read it from the value",
    )

    status_lookup = reference.status_lookup()
    status = frame["status"].map(
        lambda s: status_lookup.get(reference.lookup_key(s), "") if s.strip() else "unstated"
    )
    problems += _problems_where(
        frame, status == "", "status", "unknown status", "one of: " + ", ".join(reference.statuses())
    )

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
            "unit_zh": unit.map(lambda u: units[u].name_zh if u in units else ""),
            "unit_en": unit.map(lambda u: units[u].name_en if u in units else ""),
            "qualifier": qualifier,
            "status": status,
            "value_as_written": frame["value"],
            "source_id": frame["source_id"],
            "quote": frame["quote"],
            "source_file": frame["_source_file"],
            "source_line": frame["_line"].astype(int),
        }
    )
    keyed = result.assign(_file=frame["_file"], _line=frame["_line"])
    problems += _check_duplicates(keyed, ["indicator_id", "region_zh", "year"])
    return result, problems


def build_measures(tables: list[_Table], source_ids: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Measures tables → named programmes per theme and region."""
    frame = _concat(tables)
    if frame.empty:
        return pd.DataFrame(columns=MEASURE_COLUMNS), []
    theme, regions, problems = _shared_checks(frame, "measures", source_ids)
    result = pd.DataFrame(
        {
            "theme": theme,
            **regions,
            **{c: frame[c] for c in MEASURE_COLUMNS[4:10]},
            "source_file": frame["_source_file"],
            "source_line": frame["_line"].astype(int),
        }
    )
    repeated = result.duplicated(["theme", "region_zh", "name_zh"], keep="first")
    problems += _problems_where(frame, repeated, "name_zh", "measure listed twice")
    return result, problems


def _sort(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows in report order, and one text dtype for every text column (stable files)."""
    order = {t: i for i, t in enumerate(reference.themes())}
    text = [c for c in frame.columns if c not in ("year", "value", "value_high", "source_line")]
    frame = frame.astype({c: str for c in text})
    return (
        frame.assign(_order=frame["theme"].map(order))
        .sort_values(["_order", *columns], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- run


def process(paths: list[Path], today: date | None = None) -> CleanResult:
    """Read and validate raw files; raise DataError with every problem found."""
    today = today or date.today()
    if not paths:
        raise DataError(
            [Problem("(raw data)", rule="no raw tables found", hint="expected *.csv or *.xlsx files")]
        )
    tables, problems = load_tables(paths)
    sources, found = build_sources(tables["sources"])
    problems += found
    source_ids = set(sources["source_id"])
    indicators, found = build_indicators(tables["figures"], source_ids, today)
    problems += found
    measures, found = build_measures(tables["measures"], source_ids)
    problems += found
    if indicators.empty and measures.empty and not problems:
        problems.append(Problem("(raw data)", rule="no figures and no measures", hint="nothing to report"))
    if problems:
        raise DataError(sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column, p.rule)))
    indicators = _sort(indicators, ["indicator_id", "region_code", "region_zh", "year"])
    measures = _sort(measures, ["region_code", "region_zh", "name_zh"])
    return CleanResult(indicators, measures, sources.sort_values("source_id").reset_index(drop=True))


def check(paths: list[Path], today: date | None = None) -> list[Problem]:
    """Every problem in the given raw files or folders; writes nothing.

    A single figures file is checked with the ``sources`` table beside it, since every
    figure must cite a known source.
    """
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
    if missing:
        return missing
    try:
        process(files, today)
    except DataError as error:
        return error.problems
    return []


def clean(raw_dir: Path = config.RAW_DATA_DIR, out_dir: Path = config.PROCESSED_DATA_DIR) -> CleanResult:
    """Clean the raw tables and write the processed-data contract to ``out_dir``."""
    result = process(raw_files(raw_dir))
    schema.INDICATORS.validate(result.indicators)
    schema.MEASURES.validate(result.measures)
    out_dir = Path(out_dir)
    outputs = {
        "indicators": result.indicators,
        "measures": result.measures,
        "sources": result.sources,
        "data_dictionary": data_dictionary(result.indicators),
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


# --------------------------------------------------------------------------- dictionary

COLUMN_DESCRIPTIONS = {
    "theme": "Theme id: employment, education, health, elderly_care, social_security, urban",
    "indicator_id": "Stable snake_case id of the indicator",
    "name_zh": "Indicator name in Chinese",
    "name_en": "Indicator name in English",
    "region_code": "Administrative code; places below county level keep their parent's code",
    "region_zh": "Region name in Chinese (the key together with region_code)",
    "region_en": "Region name in English",
    "year": "Year the figure describes",
    "value": "The figure as a number, in the canonical unit (the lower bound of a range)",
    "value_high": "Upper bound of a range (e.g. 2至3岁); empty otherwise",
    "unit": "Canonical unit id (data/reference/units.csv)",
    "unit_zh": "Unit name in Chinese",
    "unit_en": "Unit name in English",
    "qualifier": "exact, more_than (多/余/逾), about (约/近/左右), less_than, at_least, range",
    "status": "achieved, planned, cumulative, in_progress, or unstated when the source does not say",
    "value_as_written": "The figure exactly as the raw table (and the source) writes it",
    "source_id": "Id of the source in sources.*",
    "quote": "The short clause of the source that states the figure",
    "source_file": "Raw file the row came from",
    "source_line": "Line of the raw file the row came from",
}


def data_dictionary(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per column of the indicators table, then one per indicator."""
    rows = [
        {"kind": "column", "name": column, "description": text, "unit": "", "theme": ""}
        for column, text in COLUMN_DESCRIPTIONS.items()
    ]
    per_indicator = indicators.drop_duplicates("indicator_id")
    rows += [
        {
            "kind": "indicator",
            "name": row.indicator_id,
            "description": f"{row.name_zh} / {row.name_en}",
            "unit": row.unit,
            "theme": row.theme,
        }
        for row in per_indicator.itertuples()
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "description", "unit", "theme"])
