"""Row checks of the raw tables: each returns the problems it finds, never raises.

Each check reads a frame of canonical columns with ``_file`` and ``_line`` (where a row came
from) and returns :class:`~wuwei_analysis.errors.Problem` rows naming the file, line, column and
value, with a hint; resolvers also return the resolved column (theme ids, regions, units, status).

Every rule is a column operation or a join: a lookup in the reference data runs once per
*distinct* cell (:func:`lookup`), and Python touches single rows only to write the problems found.
The checks of a figure's value (unit, range, qualifier, quote) are in
:mod:`~wuwei_analysis.tables.value_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from wuwei_analysis import reference
from wuwei_analysis.contract import EARLIEST_YEAR
from wuwei_analysis.errors import Problem
from wuwei_analysis.tables.arrow_text import column_may_match

# The longest quote we accept: the source rules allow a short clause
# (about 30 characters), never a paragraph.
MAX_QUOTE_CHARS = 40
# Words that mark a total row; totals are computed, never transcribed.
TOTAL_WORDS = ("合计", "总计", "小计", "total", "subtotal")
# A code that a spreadsheet has turned into a number, e.g. 6.206E+05.
EXCEL_NUMBER = r"\d+(\.\d+)?[eE][+-]?\d+"
T = TypeVar("T")


def problems_where(
    frame: pd.DataFrame, mask: pd.Series, column: str, rule: str, hint: str = ""
) -> list[Problem]:
    """One problem per row where ``mask`` holds, naming its file, line, ``column`` and value."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return []
    rows = frame.loc[mask, ["_file", "_line", *([column] if column in frame else [])]]
    values = map(str, rows[column]) if column in rows else [""] * len(rows)
    return [
        Problem(file, int(line), column, value, rule, hint)
        for file, line, value in zip(rows["_file"], rows["_line"], values, strict=True)
    ]


def lookup(series: pd.Series, find: Callable[[str], T]) -> pd.Series:
    """``find`` applied to each distinct cell of ``series`` (not to each row), spread over the rows."""
    codes, distinct = pd.factorize(series, use_na_sentinel=False)
    found = [find(value) for value in distinct]
    if all(isinstance(value, str) for value in found):  # text: one Arrow take, no Python per row
        taken = pa.array(found, pa.large_string()).take(pa.array(codes))
        return pd.Series(pd.array(taken, dtype="str"), index=series.index)
    objects = np.empty(len(found), dtype=object)
    objects[:] = found
    return pd.Series(objects[codes], index=series.index, dtype=object)


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
    themes = reference.theme_lookup()
    theme = lookup(frame["theme"], lambda t: themes.get(reference.lookup_key(t), ""))
    bad = (theme == "") & ~blank(frame["theme"])
    hint = "one of: " + ", ".join(reference.themes())
    return theme, problems_where(frame, bad, "theme", "unknown theme", hint)


def resolve_region(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    found = lookup(frame["region"], reference.find_region)
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
            name: lookup(frame["region"], lambda r, name=name: getattr(reference.find_region(r), name, ""))
            for name in ("region_code", "region_zh", "region_en")
        },
        index=frame.index,
    )
    return resolved, problems


def resolve_year(frame: pd.DataFrame, today: date) -> tuple[pd.Series, list[Problem]]:
    text = lookup(frame["year"].astype(str), str.strip)
    year = lookup(text, lambda t: int(t) if re.fullmatch(r"\d{4}", t) else np.nan).astype(float)
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
    if not (text != "").any():  # the usual table: no translations
        return []
    bad = text.str.contains(r"[\u3400-\u9fff]") | (text.str.len() > MAX_QUOTE_EN_CHARS)
    hint = f"our English translation of the quote, at most {MAX_QUOTE_EN_CHARS} characters, no Chinese"
    return problems_where(frame, bad, "quote_en", "quote_en is not a short English translation", hint)


def check_totals(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    pattern = "|".join(re.escape(w) for w in TOTAL_WORDS)
    problems = []
    for column in columns:
        if not column_may_match(frame[column], f"(?i){pattern}"):  # one pass over the column's bytes
            continue
        is_total = frame[column].str.contains(pattern, case=False, regex=True)
        problems += problems_where(
            frame, is_total, column, "total row", "totals are computed from the figures; remove the row"
        )
    return problems


def check_duplicates(frame: pd.DataFrame, key: list[str]) -> list[Problem]:
    """Identical repeats and conflicting values for the same indicator, region and year."""
    repeated = frame.duplicated(key, keep="first")
    if not repeated.any():
        return []
    # Each repeat is compared with the first row of its key: a join of the repeats on that row.
    first = (
        frame.index.to_series().groupby([frame[k] for k in key], sort=False, dropna=False).transform("first")
    )
    later, earlier = frame.index[repeated], first[repeated].to_numpy()
    involved = later.union(pd.Index(earlier).unique())
    figure = frame.loc[involved, ["value", "value_high", "unit"]].astype(object).fillna("").astype(str)
    same = (figure.loc[later].to_numpy() == figure.loc[earlier].to_numpy()).all(axis=1)
    rows, origin = frame.loc[later], frame.loc[earlier]
    return [
        Problem(
            file,
            int(line),
            "value",
            value,
            "duplicate figure" if is_same else "conflicting figure",
            f"the same indicator, region and year is already at {first_file} line {first_line}",
        )
        for file, line, value, is_same, first_file, first_line in zip(
            rows["_file"],
            rows["_line"],
            rows["value_as_written"],
            same,
            origin["_file"],
            origin["_line"],
            strict=True,
        )
    ]


def resolve_status(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The status id of each row (``unstated`` when blank)."""
    status_lookup = reference.status_lookup()
    status = lookup(
        frame["status"], lambda s: status_lookup.get(reference.lookup_key(s), "") if s.strip() else "unstated"
    )
    problems = problems_where(
        frame, status == "", "status", "unknown status", "one of: " + ", ".join(reference.statuses())
    )
    return status, problems


# A period's date: a year, a month or a day (the article may give any of them).
PERIOD_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"


def resolve_period(frame: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The period id of each row (``year`` when the column is blank or absent)."""
    if "period" not in frame:
        return pd.Series("year", index=frame.index), []
    periods = reference.period_lookup()
    period = lookup(
        frame["period"], lambda p: periods.get(reference.lookup_key(p), "") if p.strip() else "year"
    )
    hint = "one of: " + ", ".join(reference.periods()) + " (data/reference/periods.csv), or blank for year"
    return period, problems_where(frame, period == "", "period", "unknown period", hint)


def check_period_dates(frame: pd.DataFrame, period: pd.Series) -> list[Problem]:
    """``period_date`` (as_of) and ``period_start`` (cumulative): a date or blank, and only for their period."""
    problems: list[Problem] = []
    for column, owner in (("period_date", "as_of"), ("period_start", "cumulative")):
        if column not in frame:
            continue
        text = frame[column].astype(str).str.strip()
        given = text != ""
        problems += problems_where(
            frame,
            given & ~text.str.fullmatch(PERIOD_DATE),
            column,
            "not a date",
            "YYYY, YYYY-MM or YYYY-MM-DD",
        )
        problems += problems_where(
            frame,
            given & (period != owner) & (period != ""),
            column,
            f"{column} given for a period other than {owner}",
            f"set period to {owner}, or leave {column} blank",
        )
    return problems


def check_source_dates(frame: pd.DataFrame) -> list[Problem]:
    """A source's ``published`` date is a date or blank (never guessed)."""
    if "published" not in frame:
        return []
    text = frame["published"].astype(str).str.strip()
    bad = (text != "") & ~text.str.fullmatch(PERIOD_DATE)
    return problems_where(
        frame, bad, "published", "not a date", "YYYY-MM-DD, YYYY-MM or YYYY; blank if not recorded"
    )


def measure_defaults(frame: pd.DataFrame, sources: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """A measure's blank region is the city; its blank year the year of its source."""
    frame = frame.assign(region=frame["region"].where(~blank(frame["region"]), city_code))
    years = dict(zip(sources["source_id"], sources["year"].astype(str), strict=True))
    return frame.assign(year=frame["year"].where(~blank(frame["year"]), frame["source_id"].map(years)))
