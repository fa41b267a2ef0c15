"""The processed-data contract, defined once: the columns of each table under ``data/processed/``.

Each column has its dtype, whether it may be empty, a description (the data dictionary prints it)
and whether a report needs it. Clean writes the columns in this order and with these dtypes, the
pandera schemas check them right before saving, and the report loader refuses a file without a
column it needs.

Dtypes, the same in every table and in both files:

- ``category``: the fixed vocabularies (theme, unit, qualifier, status, period), a pandas
  ``CategoricalDtype`` whose categories are read from ``data/reference/`` (:data:`VOCABULARIES`),
  never listed here;
- ``year``: ``Int16`` (pandas' nullable 16-bit integer) in indicators, measures and sources;
- ``str``: every other text column, ``region_code`` included (``620600``, never a number);
- ``float64`` for values, ``int64`` for ``source_line``.

The parquet files keep these dtypes. A CSV does not carry dtypes: read it back with
:func:`read_csv` (or ``pd.read_csv(path, **read_csv_options(table))``), else ``region_code``
comes back as a number and the vocabularies as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wuwei_analysis import reference

if TYPE_CHECKING:  # pandera is imported where a schema is built: `wuwei check` never needs it
    import pandera.pandas as pa

EARLIEST_YEAR = 1949
LATEST_YEAR = 2100
INDICATOR_ID = r"^[a-z][a-z0-9_]*$"
REGION_CODE = r"^\d{6}$"


# The kinds of column; :func:`pandas_dtype` turns each into the dtype pandas holds.
STR, CATEGORY, YEAR, FLOAT, INT = "str", "category", "Int16", "float64", "int64"
# A fixed vocabulary's column → the reference file its categories come from and the function of
# :mod:`wuwei_analysis.reference` that reads its ids (in file order). Categories are the whole
# vocabulary, so a column has the same dtype in every table and every clean, whatever values it holds.
VOCABULARIES: dict[str, tuple[str, str]] = {
    "theme": ("themes.csv", "theme_ids"),
    "unit": ("units.csv", "units"),
    "qualifier": ("qualifiers.csv", "qualifiers"),
    "status": ("statuses.csv", "statuses"),
    "period": ("periods.csv", "periods"),
}


@dataclass(frozen=True)
class Column:
    """One column of a processed table."""

    name: str
    dtype: str  # STR, CATEGORY, YEAR, FLOAT or INT
    description: str = ""
    nullable: bool = False
    needed: bool = True  # a report refuses a file without it; the others are provenance and extras


INDICATORS = (
    Column(
        "theme", CATEGORY, "Theme id: employment, education, health, elderly_care, social_security, urban"
    ),
    Column("indicator_id", STR, "Stable snake_case id of the indicator"),
    Column("name_zh", STR, "Indicator name in Chinese"),
    Column("name_en", STR, "Indicator name in English"),
    Column("region_code", STR, "Administrative code; places below county level keep their parent's code"),
    Column("region_zh", STR, "Region name in Chinese (the key together with region_code)"),
    Column("region_en", STR, "Region name in English"),
    Column("year", YEAR, "Year the figure describes"),
    Column("value", FLOAT, "The figure as a number, in the canonical unit (the lower bound of a range)"),
    Column("value_high", FLOAT, "Upper bound of a range (e.g. 2至3岁); empty otherwise", nullable=True),
    Column("unit", CATEGORY, "Canonical unit id (data/reference/units.csv)"),
    Column("unit_zh", STR, "Unit name in Chinese", needed=False),
    Column("unit_en", STR, "Unit name in English", needed=False),
    Column(
        "qualifier",
        CATEGORY,
        "exact, more_than (多/余/逾), about (约/近/左右), less_than, at_least (以上/至少), at_most (以下), range",
    ),
    Column(
        "status",
        CATEGORY,
        "achieved, planned, cumulative, in_progress, or unstated when the source does not say",
    ),
    Column(
        "period",
        CATEGORY,
        "What time the figure covers: year (the calendar year), year_to_date (今年以来), as_of (截至目前), "
        "cumulative (累计), undated (a stock the source gives no date for); data/reference/periods.csv",
        needed=False,  # data from before periods were recorded reads as "year"
    ),
    Column(
        "period_date", STR, "For as_of: the date the figure stands at; empty when not recorded", needed=False
    ),
    Column("period_start", STR, "For cumulative: when counting began; empty when not recorded", needed=False),
    Column(
        "value_as_written",
        STR,
        "The figure exactly as the raw table (and the source) writes it",
        needed=False,
    ),
    Column("unit_as_written", STR, "The unit word as the source writes it (130家 stays 家)", needed=False),
    Column("source_id", STR, "Id of the source in sources.*"),
    Column("quote", STR, "The short clause of the source that states the figure"),
    Column(
        "quote_en", STR, "Our own English translation of the quote (optional; blank when none)", needed=False
    ),
    Column("source_file", STR, "Raw file the row came from", needed=False),
    Column("source_line", INT, "Line of the raw file the row came from", needed=False),
)
MEASURES = (
    Column("theme", CATEGORY),
    Column("region_code", STR),
    Column("region_zh", STR),
    Column("region_en", STR),
    Column(
        "year",
        YEAR,
        "Year the measure belongs to (the source's year when the raw table leaves it blank)",
        needed=False,  # measures processed before they had a year belong to every year
    ),
    Column("name_zh", STR, "Name of the measure (programme) in Chinese"),
    Column("name_en", STR, "Name of the measure in English"),
    Column("description_zh", STR, "What the measure does, in Chinese; empty when not recorded", needed=False),
    Column("description_en", STR, "What the measure does, in English; empty when not recorded", needed=False),
    Column("source_id", STR),
    Column("quote", STR, "The short clause of the source that names the measure"),
    Column("quote_en", STR, needed=False),
    Column("source_file", STR, needed=False),
    Column("source_line", INT, needed=False),
)
SOURCES = (
    Column("source_id", STR, "Id of the source, cited by indicators and measures"),
    Column("title", STR, "Title as the source gives it"),
    Column("title_en", STR, "English title; our own translation unless the source gives one", needed=False),
    Column("publisher", STR, "Publisher as it names itself; empty when not recorded", needed=False),
    Column("published", STR, "Date of publication; empty when not recorded (never guessed)", needed=False),
    Column("url", STR, "Address of the published source; empty when not recorded", needed=False),
    Column("authors", STR, "Authors as published", needed=False),
    Column("year", YEAR, "Year the source covers", needed=False),
    Column("kind", STR, "What kind of source it is (e.g. newspaper overview)", needed=False),
    Column("language", STR, "Language of the source (ISO 639-1, e.g. zh)", needed=False),
    Column("file", STR, "File name of the stored copy of the source; empty when none is kept", needed=False),
    Column("sha256", STR, "SHA-256 of the stored copy; empty when none is kept", needed=False),
)
DATA_DICTIONARY = (
    Column("kind", STR, "column (of indicators), measures_column, sources_column, or indicator"),
    Column("name", STR, "The column's name, or the indicator's id"),
    Column("dtype", STR, "A column's dtype (category, Int16, str, float64, int64); blank for an indicator"),
    Column("description", STR, "What the column holds, or the indicator's names in Chinese / English"),
    Column("unit", STR, "An indicator's canonical unit; blank for a column"),
    Column("theme", STR, "An indicator's theme; blank for a column"),
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


def _categories(column: str) -> list[str]:
    """The categories of a vocabulary column, from its reference file (in file order)."""
    return list(getattr(reference, VOCABULARIES[column][1])())


def pandas_dtype(column: Column) -> Any:
    """The pandas dtype of a column: a ``CategoricalDtype`` for a vocabulary, else the dtype's name."""
    if column.dtype == CATEGORY:
        return pd.CategoricalDtype(_categories(column.name))
    return column.dtype


def dtypes(table: str) -> dict[str, Any]:
    """Column → pandas dtype of a processed table (``indicators``, ``measures``, ``sources``,
    ``data_dictionary``): what the parquet holds, and the ``dtype=`` for reading its CSV."""
    columns = DATA_DICTIONARY if table == "data_dictionary" else TABLES[table]
    return {column.name: pandas_dtype(column) for column in columns}


def read_csv_options(table: str) -> dict[str, Any]:
    """Keyword arguments of ``pd.read_csv`` for a processed CSV: the contract's dtypes, blanks kept
    as ``""`` in text columns and read as missing (NaN, ``<NA>``) in number columns."""
    types = dtypes(table)
    numbers = [name for name, dtype in types.items() if dtype in (YEAR, FLOAT, INT)]
    return {
        "dtype": types,
        "keep_default_na": False,
        "na_values": {name: [""] for name in numbers},
        "encoding": "utf-8-sig",
    }


def read_csv(path: Path | str) -> pd.DataFrame:
    """A processed CSV (``indicators.csv`` …) read back with the contract's dtypes.

    Text cells that the writer neutralised for Excel (a leading ``'`` before ``= + - @``) keep
    it; the parquet file holds the true text.
    """
    return pd.read_csv(path, **read_csv_options(Path(path).stem))


def with_dtypes(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with the contract's dtype on each column it has (other columns unchanged).

    Raises ValueError naming the column and the values when a vocabulary column holds a value
    outside its reference file (a cast would silently turn it into a missing value).
    """
    types = {name: dtype for name, dtype in dtypes(table).items() if name in frame.columns}
    categorical = {
        name: _categorical(frame[name], dtype, name)
        for name, dtype in types.items()
        if isinstance(dtype, pd.CategoricalDtype) and not isinstance(frame[name].dtype, pd.CategoricalDtype)
    }
    others = {name: dtype for name, dtype in types.items() if name not in categorical}
    return frame.assign(**categorical).astype(others)


def _categorical(column: pd.Series, dtype: pd.CategoricalDtype, name: str) -> pd.Series:
    """``column.astype(dtype)``, each distinct value looked up once among the categories (a cast
    hashes every row twice: a million rows of a vocabulary took 0.1-0.15 s a column); raises
    ValueError naming the values outside them, which a cast would turn into missing values."""
    codes, distinct = pd.factorize(column)  # missing values get code -1, as in a Categorical
    positions = dtype.categories.get_indexer(distinct)
    if (positions < 0).any():
        unknown = sorted(set(map(str, distinct[positions < 0])))
        raise ValueError(
            f"column {name!r} holds values not in data/reference/{VOCABULARIES[name][0]}: {unknown}"
        )
    found = np.append(positions, -1)[codes]  # code -1 takes the appended -1
    return pd.Series(pd.Categorical.from_codes(found, dtype=dtype), index=column.index, name=column.name)


def dtype_text(column: Column) -> str:
    """A column's dtype as the data dictionary states it: ``category (data/reference/themes.csv)``."""
    if column.dtype == CATEGORY:
        return f"category (data/reference/{VOCABULARIES[column.name][0]})"
    return column.dtype


def _checks() -> dict[str, list[pa.Check]]:
    """Column checks by name; the vocabularies are the categories of the columns' dtypes."""
    import pandera.pandas as pa

    filled = [pa.Check.str_length(min_value=1)]
    return {
        "indicator_id": [pa.Check.str_matches(INDICATOR_ID)],
        "region_code": [pa.Check.str_matches(REGION_CODE)],
        "year": [pa.Check.in_range(EARLIEST_YEAR, LATEST_YEAR)],
        **{name: filled for name in ("name_zh", "name_en", "region_zh", "region_en", "source_id", "quote")},
    }


def schema(table: str, key: bool = True) -> pa.DataFrameSchema:
    """The pandera schema checked right before ``table`` is saved: every column's dtype (a
    vocabulary's categories included, so a value outside it is a missing value, which fails),
    blanks, patterns and, unless ``key`` is False, that the key is unique.

    `wuwei clean` passes ``key=False``: its duplicate check has already refused any second figure
    of an indicator, place name and year, a key within this one (at 1,000,000 rows pandera's
    check of the key took 0.44 s, half the schema's time)."""
    import pandera.pandas as pa

    checks = _checks()
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(pandas_dtype(c), checks.get(c.name, []), nullable=c.nullable)
            for c in TABLES[table]
        },
        unique=INDICATOR_KEY if table == "indicators" and key else None,
        strict=True,
        ordered=True,
        coerce=False,
    )


def data_dictionary(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per column of each processed table (its dtype and description), then one per indicator.

    A measures or sources column without a description of its own borrows the indicators column's
    of the same name.
    """
    shared = descriptions("indicators")
    rows = [
        {
            "kind": "column" if table == "indicators" else f"{table}_column",
            "name": c.name,
            "dtype": dtype_text(c),
            "description": c.description or shared.get(c.name, ""),
            "unit": "",
            "theme": "",
        }
        for table in ("indicators", "measures", "sources")
        for c in TABLES[table]
    ]
    first = indicators.drop_duplicates("indicator_id").astype(
        {c: str for c in ("indicator_id", "name_zh", "name_en", "unit", "theme")}
    )
    described = pd.DataFrame(
        {
            "kind": "indicator",
            "name": first["indicator_id"],
            "dtype": "",
            "description": first["name_zh"] + " / " + first["name_en"],
            "unit": first["unit"],
            "theme": first["theme"],
        }
    )
    columns = pd.DataFrame(rows, columns=list(described.columns))
    frame = pd.concat([columns, described], ignore_index=True) if len(described) else columns
    return with_dtypes(frame, "data_dictionary")
