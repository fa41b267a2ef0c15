"""Row checks of the raw tables: each returns the problems it finds, never raises.

Each check reads a frame of canonical columns with ``_file`` and ``_line`` (where a row came
from) and returns :class:`~wuwei_analysis.errors.Problem` rows naming the file, line, column and
value, with a hint; resolvers also return the resolved column (theme ids, regions, units, status).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from wuwei_analysis import reference
from wuwei_analysis.contract import EARLIEST_YEAR
from wuwei_analysis.errors import Problem

# The longest quote we accept: the source rules allow a short clause
# (about 30 characters), never a paragraph.
MAX_QUOTE_CHARS = 40
# Words that mark a total row; totals are computed, never transcribed.
TOTAL_WORDS = ("合计", "总计", "小计", "total", "subtotal")
# A code that a spreadsheet has turned into a number, e.g. 6.206E+05.
EXCEL_NUMBER = r"\d+(\.\d+)?[eE][+-]?\d+"


def problems_where(
    frame: pd.DataFrame, mask: pd.Series, column: str, rule: str, hint: str = ""
) -> list[Problem]:
    rows = frame.loc[mask.fillna(False).astype(bool)]
    return [
        Problem(
            row["_file"], int(row["_line"]), column, str(row[column]) if column in row else "", rule, hint
        )
        for _, row in rows.iterrows()
    ]


def blank(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip() == ""


# Columns that merged cells in a spreadsheet often leave blank on every row but the first.
MERGED_KEYS = ("theme", "region", "source_id")
MERGED_HINT = (
    "merged cells saved as CSV leave blanks: repeat the value on every row "
    "(in .xlsx files merged cells are filled automatically)"
)


def required_filled(frame: pd.DataFrame, kind: str) -> list[Problem]:
    problems = []
    for column in reference.columns(kind):
        if column.required and column.column in frame:
            hint = MERGED_HINT if column.column in MERGED_KEYS else ""
            problems += problems_where(frame, blank(frame[column.column]), column.column, "empty cell", hint)
    return problems


def resolve_theme(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    lookup = reference.theme_lookup()
    theme = frame["theme"].map(lambda t: lookup.get(reference.lookup_key(t), ""))
    bad = (theme == "") & ~blank(frame["theme"])
    hint = "one of: " + ", ".join(reference.themes())
    return theme, problems_where(frame, bad, "theme", "unknown theme", hint)


def resolve_region(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    found = frame["region"].map(lambda r: reference.find_region(r))
    bad = found.isna() & ~blank(frame["region"])
    hint = "add it to data/reference/regions.csv, with its parent's code, or use a known name or code"
    excel = frame["region"].str.fullmatch(EXCEL_NUMBER)
    problems = problems_where(frame, bad & ~excel, "region", "region not in the reference data", hint)
    problems += problems_where(
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


def resolve_year(frame: pd.DataFrame, today: date) -> tuple[pd.Series, list[Problem]]:
    text = frame["year"].astype(str).str.strip()
    year = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}"), None), errors="coerce")
    problems = problems_where(
        frame, year.isna() & (text != ""), "year", "not a year", "write the year as four digits, e.g. 2025"
    )
    problems += problems_where(
        frame, year > today.year, "year", "year is in the future", f"figures describe {today.year} or earlier"
    )
    problems += problems_where(frame, year < EARLIEST_YEAR, "year", "year is implausibly early")
    return year.fillna(0).astype(int), problems


def resolve_source(frame: pd.DataFrame, source_ids: set[str]) -> list[Problem]:
    bad = ~frame["source_id"].isin(source_ids) & ~blank(frame["source_id"])
    hint = "add it to sources.csv" if not source_ids else "known sources: " + ", ".join(sorted(source_ids))
    return problems_where(frame, bad, "source_id", "unknown source", hint)


def check_quote(frame: pd.DataFrame) -> list[Problem]:
    long = frame["quote"].str.len() > MAX_QUOTE_CHARS
    hint = f"quote the clause that states it, at most {MAX_QUOTE_CHARS} characters"
    return problems_where(frame, long, "quote", "quote is too long", hint)


MAX_QUOTE_EN_CHARS = 200  # our translation of a short clause


def check_quote_en(frame: pd.DataFrame) -> list[Problem]:
    """An optional ``quote_en`` is our English translation: no Chinese characters, short."""
    if "quote_en" not in frame:
        return []
    text = frame["quote_en"].fillna("").astype(str)
    bad = text.str.contains(r"[\u3400-\u9fff]") | (text.str.len() > MAX_QUOTE_EN_CHARS)
    hint = f"our English translation of the quote, at most {MAX_QUOTE_EN_CHARS} characters, no Chinese"
    return problems_where(frame, bad, "quote_en", "quote_en is not a short English translation", hint)


def check_totals(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    pattern = "|".join(re.escape(w) for w in TOTAL_WORDS)
    problems = []
    for column in columns:
        is_total = frame[column].str.contains(pattern, case=False, regex=True)
        problems += problems_where(
            frame, is_total, column, "total row", "totals are computed from the figures; remove the row"
        )
    return problems


def resolve_units(frame: pd.DataFrame, parsed: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The canonical unit of each row, from the unit column or the value's own unit word."""
    aliases = reference.unit_aliases()
    known = reference.units()
    problems: list[Problem] = []
    unit = frame["unit"].map(lambda u: aliases.get(reference.lookup_key(u), ""))
    from_counter = parsed["counter"].map(lambda c: aliases.get(reference.lookup_key(c), "") if c else "")
    stated = ~blank(frame["unit"])
    problems += problems_where(
        frame,
        stated & (unit == ""),
        "unit",
        "unknown unit",
        "use a unit from data/reference/units.csv, or add one there",
    )
    unit = unit.where(stated, from_counter)
    ok = parsed["kind"].isin(["number", "percent", "ratio", "range"])
    problems += problems_where(
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
        problems += problems_where(frame, mismatch, "unit", f"a {kind} value needs unit {unit_id!r}")
    return unit, problems


def check_ranges(frame: pd.DataFrame, parsed: pd.DataFrame, unit: pd.Series) -> list[Problem]:
    problems = []
    for unit_id, spec in reference.units().items():
        rows = unit == unit_id
        if spec.min is not None:
            below = rows & (parsed["value"] < spec.min)
            problems += problems_where(
                frame, below, "value", f"below {spec.min:g} for unit {unit_id!r}", "counts cannot be negative"
            )
        if spec.max is not None:
            above = rows & (parsed[["value", "value_high"]].max(axis=1) > spec.max)
            hint = "write percentages on one scale, 0–100 (70%, not 7000%)"
            problems += problems_where(
                frame, above, "value", f"above {spec.max:g} for unit {unit_id!r}", hint
            )
    # 0.7 in a percent column is 70 % on another scale, or 0.7 %: refuse to guess.
    bare_fraction = (unit == "percent") & (parsed["kind"] == "number") & (parsed["value"].abs() < 1)
    problems += problems_where(
        frame,
        bare_fraction & (parsed["value"] != 0),
        "value",
        "ambiguous percentage scale",
        "percentages use one scale, 0–100: write 70% (not 0.7) or 0.7%",
    )
    return problems


def check_value_in_quote(frame: pd.DataFrame) -> list[Problem]:
    def quoted(row: pd.Series) -> bool:
        return _squash(row["value"]) in _squash(row["quote"])

    bad = ~frame.apply(quoted, axis=1) if len(frame) else pd.Series(dtype=bool)
    hint = "the quote must state the figure as written in the value column"
    return problems_where(frame, bad, "quote", "quote does not contain the value", hint)


def _squash(text: str) -> str:
    return "".join(str(text).split())


def check_duplicates(frame: pd.DataFrame, key: list[str]) -> list[Problem]:
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


def check_qualifier(frame: pd.DataFrame, parsed: pd.DataFrame) -> list[Problem]:
    """A qualifier column, where filled, names a known qualifier and agrees with the value's own."""
    stated = frame["qualifier"].str.strip()
    valid = set(reference.qualifiers())
    problems = problems_where(
        frame,
        (stated != "") & ~stated.isin(valid),
        "qualifier",
        "unknown qualifier",
        "one of: " + ", ".join(sorted(valid)),
    )
    problems += problems_where(
        frame,
        (stated != "") & stated.isin(valid) & (stated != parsed["qualifier"]) & parsed["kind"].ne("error"),
        "qualifier",
        "qualifier disagrees with the value",
        "leave it blank to read it from the value",
    )
    return problems


def resolve_status(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The status id of each row (``unstated`` when blank)."""
    status_lookup = reference.status_lookup()
    status = frame["status"].map(
        lambda s: status_lookup.get(reference.lookup_key(s), "") if s.strip() else "unstated"
    )
    problems = problems_where(
        frame, status == "", "status", "unknown status", "one of: " + ", ".join(reference.statuses())
    )
    return status, problems
