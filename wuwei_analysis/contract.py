"""The processed-data contract, defined once: the columns of each table under ``data/processed/``.

Each column has its dtype, whether it may be empty, a description (the data dictionary prints it)
and whether a report needs it. Clean writes the columns in this order, the pandera schemas check
them right before saving, and the report loader refuses a file without a column it needs.
Vocabularies (themes, qualifiers, statuses) come from ``data/reference/``, never from this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from wuwei_analysis import reference

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
        "value_as_written",
        str,
        "The figure exactly as the raw table (and the source) writes it",
        needed=False,
    ),
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
    filled = [pa.Check.str_length(min_value=1)]
    return {
        "theme": [pa.Check.isin(list(reference.theme_ids()))],
        "indicator_id": [pa.Check.str_matches(INDICATOR_ID)],
        "region_code": [pa.Check.str_matches(REGION_CODE)],
        "year": [pa.Check.in_range(EARLIEST_YEAR, LATEST_YEAR)],
        "qualifier": [pa.Check.isin(list(reference.qualifiers()))],
        "status": [pa.Check.isin(list(reference.statuses()))],
        **{
            name: filled
            for name in ("name_zh", "name_en", "region_zh", "region_en", "unit", "source_id", "quote")
        },
    }


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema checked right before ``table`` is saved: the needed columns' dtypes, blanks
    and vocabularies, and the key. Provenance columns are written by clean itself and not checked."""
    checks = _checks()
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(c.dtype, checks.get(c.name, []), nullable=c.nullable)
            for c in TABLES[table]
            if c.needed
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
        {
            "kind": "indicator",
            "name": row.indicator_id,
            "description": f"{row.name_zh} / {row.name_en}",
            "unit": row.unit,
            "theme": row.theme,
        }
        for row in indicators.drop_duplicates("indicator_id").itertuples()
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "description", "unit", "theme"])
