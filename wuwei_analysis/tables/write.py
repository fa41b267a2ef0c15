"""Write processed tables: CSV for Excel, Parquet, JSON — the same data always gives the same bytes.

The ``*_bytes`` functions return what would be written, so :func:`wuwei_analysis.files.write_files`
can replace several files together; the ``write_*`` functions write one file atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from wuwei_analysis.files import atomic_write_bytes, atomic_write_text
from wuwei_analysis.tables.encoding import UTF8_BOM

# Snappy is readable by every Parquet reader (Excel Power Query, DuckDB, older Spark); the
# tables are small, so zstd's better ratio does not matter.
PARQUET_COMPRESSION = "snappy"


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as UTF-8 CSV with a BOM (so Excel detects it), '\\n' line ends, no index.

    Floats are written in Python's shortest round-trip form (``1437.0``, ``0.1``), so the same
    data always gives the same bytes and reads back to the same numbers; NaN is an empty cell.
    """
    atomic_write_bytes(path, csv_bytes(df))


# OWASP's CSV injection advice: a text cell that starts with one of these is read by Excel as a
# formula (=HYPERLINK(...), +cmd|...); a leading apostrophe makes it text. Parquet keeps the truth.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """``'=1+2`` for the text ``=1+2``; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The bytes :func:`write_csv` writes (text cells that Excel would run are neutralised)."""
    df = df.copy()
    for column in df.columns:
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].map(neutralise_formula)
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(df) else csv.QUOTE_MINIMAL
    text = df.to_csv(index=False, lineterminator="\n", quoting=quoting)
    return UTF8_BOM + text.encode("utf-8")


def _has_carriage_return(df: pd.DataFrame) -> bool:
    """Whether any name or text cell holds '\r'.

    The csv writer leaves such a cell unquoted when lines end in '\n' alone, which would split
    the row on reading; those (rare) tables are written with every text cell quoted.
    """
    if any("\r" in str(name) for name in df.columns):
        return True
    for position in range(df.shape[1]):
        column = df.iloc[:, position]
        if isinstance(column.dtype, pd.StringDtype):  # a column operation, not a loop over cells
            if column.str.contains("\r", regex=False, na=False).any():
                return True
        elif any(isinstance(v, str) and "\r" in v for v in column):
            return True
    return False


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet without the index; identical data gives identical bytes."""
    atomic_write_bytes(path, parquet_bytes(df))


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """The bytes :func:`write_parquet` writes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=PARQUET_COMPRESSION)
    return sink.getvalue().to_pybytes()


def write_json(obj: Any, path: Path) -> None:
    """Write ``obj`` as JSON: sorted keys, real Unicode, indent 2, trailing newline.

    NaN and infinity raise ``ValueError`` rather than producing invalid JSON.
    """
    text = json.dumps(
        obj, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False, default=_json_default
    )
    atomic_write_text(path, text + "\n")


def _json_default(value: Any) -> Any:
    """JSON form of the few non-JSON types our manifests hold."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
