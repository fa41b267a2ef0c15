"""The processed-data contract, defined once: the columns of each table under ``data/processed/``.

Each column has its dtype, whether it may be empty, a description (the data dictionary prints it)
and whether a report needs it. Clean writes the columns in this order, the pandera schemas check
them right before saving, and the report loader refuses a file without a column it needs.
Vocabularies (themes, qualifiers, statuses) come from ``data/reference/``, never from this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wuwei_analysis import reference

if TYPE_CHECKING:  # pandera is imported where a schema is built: `wuwei check` never needs it
    import pandera.pandas as pa

EARLIEST_YEAR = 1949
LATEST_YEAR = 2100
INDICATOR_ID = r"^[a-z][a-z0-9_]*$"
REGION_CODE = r"^\d{6}$"


@dataclass(frozen=True)
class Column:
    """One column of a processed table."""

    name: str
    dtype: type  # str, int or float
    description: str = ""
    nullable: bool = False
    needed: bool = True  # a report refuses a file without it; the others are provenance and extras


INDICATORS = (
    Column("theme", str, "Theme id: employment, education, health, elderly_care, social_security, urban"),
    Column("indicator_id", str, "Stable snake_case id of the indicator"),
    Column("name_zh", str, "Indicator name in Chinese"),
    Column("name_en", str, "Indicator name in English"),
    Column("region_code", str, "Administrative code; places below county level keep their parent's code"),
    Column("region_zh", str, "Region name in Chinese (the key together with region_code)"),
    Column("region_en", str, "Region name in English"),
    Column("year", int, "Year the figure describes"),
    Column("value", float, "The figure as a number, in the canonical unit (the lower bound of a range)"),
    Column("value_high", float, "Upper bound of a range (e.g. 2至3岁); empty otherwise", nullable=True),
    Column("unit", str, "Canonical unit id (data/reference/units.csv)"),
    Column("unit_zh", str, "Unit name in Chinese", needed=False),
    Column("unit_en", str, "Unit name in English", needed=False),
    Column(
        "qualifier",
        str,
        "exact, more_than (多/余/逾), about (约/近/左右), less_than, at_least (以上/至少), at_most (以下), range",
    ),
    Column(
        "status", str, "achieved, planned, cumulative, in_progress, or unstated when the source does not say"
    ),
    Column(
        "period",
        str,
        "What time the figure covers: year (the calendar year), year_to_date (今年以来), as_of (截至目前), "
        "cumulative (累计), undated (a stock the source gives no date for); data/reference/periods.csv",
        needed=False,  # data from before periods were recorded reads as "year"
    ),
    Column(
        "period_date", str, "For as_of: the date the figure stands at; empty when not recorded", needed=False
    ),
    Column("period_start", str, "For cumulative: when counting began; empty when not recorded", needed=False),
    Column(
        "value_as_written",
        str,
        "The figure exactly as the raw table (and the source) writes it",
        needed=False,
    ),
    Column("unit_as_written", str, "The unit word as the source writes it (130家 stays 家)", needed=False),
    Column("source_id", str, "Id of the source in sources.*"),
    Column("quote", str, "The short clause of the source that states the figure"),
    Column(
        "quote_en", str, "Our own English translation of the quote (optional; blank when none)", needed=False
    ),
    Column("source_file", str, "Raw file the row came from", needed=False),
    Column("source_line", int, "Line of the raw file the row came from", needed=False),
)
MEASURES = (
    Column("theme", str),
    Column("region_code", str),
    Column("region_zh", str),
    Column("region_en", str),
    Column(
        "year",
        int,
        "Year the measure belongs to (the source's year when the raw table leaves it blank)",
        needed=False,  # measures processed before they had a year belong to every year
    ),
    Column("name_zh", str),
    Column("name_en", str),
    Column("description_zh", str, needed=False),
    Column("description_en", str, needed=False),
    Column("source_id", str),
    Column("quote", str),
    Column("quote_en", str, needed=False),
    Column("source_file", str, needed=False),
    Column("source_line", int, needed=False),
)
SOURCES = (
    Column("source_id", str),
    Column("title", str),
    Column("title_en", str, "English title; our own translation unless the source gives one", needed=False),
    Column("publisher", str, "Publisher as it names itself; empty when not recorded", needed=False),
    Column("published", str, "Date of publication; empty when not recorded (never guessed)", needed=False),
    Column("url", str, "Address of the published source; empty when not recorded", needed=False),
    *(Column(name, str, needed=False) for name in ("authors", "year", "kind", "language", "file", "sha256")),
)
TABLES = {"indicators": INDICATORS, "measures": MEASURES, "sources": SOURCES}
# The key of a figure: one value per indicator, place and year.
INDICATOR_KEY = ["indicator_id", "region_code", "region_zh", "year"]


def column_names(table: str) -> list[str]:
    """The columns of a processed table (``indicators``, ``measures``, ``sources``), in file order."""
    return [column.name for column in TABLES[table]]


def required_columns(file_name: str) -> tuple[str, ...]:
    """The columns a report needs in a processed file such as ``indicators.parquet``."""
    return tuple(column.name for column in TABLES[Path(file_name).stem] if column.needed)


def descriptions(table: str = "indicators") -> dict[str, str]:
    """Column → description, for the data dictionary."""
    return {column.name: column.description for column in TABLES[table]}


def _checks() -> dict[str, list[pa.Check]]:
    """Column checks by name; vocabularies are read from the reference data when a schema is built."""
    import pandera.pandas as pa

    filled = [pa.Check.str_length(min_value=1)]
    return {
        "theme": [pa.Check.isin(list(reference.theme_ids()))],
        "indicator_id": [pa.Check.str_matches(INDICATOR_ID)],
        "region_code": [pa.Check.str_matches(REGION_CODE)],
        "year": [pa.Check.in_range(EARLIEST_YEAR, LATEST_YEAR)],
        "qualifier": [pa.Check.isin(list(reference.qualifiers()))],
        "status": [pa.Check.isin(list(reference.statuses()))],
        "period": [pa.Check.isin(list(reference.periods()))],
        **{
            name: filled
            for name in ("name_zh", "name_en", "region_zh", "region_en", "unit", "source_id", "quote")
        },
    }


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema checked right before ``table`` is saved: the needed columns' dtypes, blanks
    and vocabularies, and the key. Provenance columns are written by clean itself and not checked."""
    import pandera.pandas as pa

    checks = _checks()
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(c.dtype, checks.get(c.name, []), nullable=c.nullable)
            for c in TABLES[table]
            if c.needed or c.name in checks
        },
        unique=INDICATOR_KEY if table == "indicators" else None,
        strict=False,
        coerce=False,
    )


def data_dictionary(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per column of the indicators table, then one per indicator."""
    rows = [
        {"kind": "column", "name": name, "description": text, "unit": "", "theme": ""}
        for name, text in descriptions("indicators").items()
    ]
    rows += [
        {"kind": f"{table}_column", "name": c.name, "description": c.description, "unit": "", "theme": ""}
        for table in ("measures", "sources")
        for c in TABLES[table]
        if c.description
    ]
    first = indicators.drop_duplicates("indicator_id").astype(
        {c: str for c in ("indicator_id", "name_zh", "name_en", "unit", "theme")}
    )
    described = pd.DataFrame(
        {
            "kind": "indicator",
            "name": first["indicator_id"],
            "description": first["name_zh"] + " / " + first["name_en"],
            "unit": first["unit"],
            "theme": first["theme"],
        }
    )
    columns = pd.DataFrame(rows, columns=list(described.columns))
    return pd.concat([columns, described], ignore_index=True) if len(described) else columns
