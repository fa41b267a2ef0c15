"""Write processed tables: CSV for Excel, Parquet, JSON — the same data always gives the same bytes.

The ``*_bytes`` functions return what would be written, so :func:`wuwei_analysis.files.write_files`
can replace several files together; the ``write_*`` functions write one file atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wuwei_analysis.files import atomic_write_bytes, atomic_write_text
from wuwei_analysis.tables.arrow_text import any_match, values_view
from wuwei_analysis.tables.encoding import UTF8_BOM

# Snappy is readable by every Parquet reader (Excel Power Query, DuckDB, older Spark); the
# tables are small, so zstd's better ratio does not matter.
PARQUET_COMPRESSION = "snappy"
# A CSV of more rows is made in slices of this many rows, on this many threads: Arrow's string
# kernels release the GIL, so two slices are made at once (the bytes are the same as in one go).
CSV_SLICE_ROWS = 200_000
CSV_THREADS = 2


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
    """The bytes :func:`write_csv` writes (text cells that Excel would run are neutralised).

    The bytes are those of pandas' ``to_csv`` (``QUOTE_MINIMAL``, ``'\n'``, NaN as an empty cell),
    made column by column with Arrow's string kernels instead of a Python call per cell; a table
    with a column of another kind, or with a carriage return in a cell, is written by pandas.
    """
    bodies = _bodies(df)
    if bodies is None:
        return UTF8_BOM + _pandas_csv(df).encode("utf-8")
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(df.columns)
    return b"".join((UTF8_BOM, header.getvalue().encode("utf-8"), *bodies))


def _bodies(df: pd.DataFrame) -> list[memoryview] | None:
    """The rows' bytes, slice by slice (on :data:`CSV_THREADS` threads), or None when pandas must
    write the table."""
    if any("\r" in str(name) for name in df.columns) or df.columns.duplicated().any():
        return None
    starts = range(0, len(df), CSV_SLICE_ROWS)
    if len(starts) <= 1:
        return _body(df)
    with ThreadPoolExecutor(CSV_THREADS) as pool:
        slices = list(pool.map(_body, (df.iloc[start : start + CSV_SLICE_ROWS] for start in starts)))
    return None if any(body is None for body in slices) else [view for body in slices for view in body]


def _body(df: pd.DataFrame) -> list[memoryview] | None:
    """The CSV rows of ``df`` (no header), or None when pandas must write the table."""
    cells = _arrow_cells(df)
    if cells is None:
        return None
    lines = _lines(cells) if len(df) else pa.array([], pa.large_string())
    del cells  # the rows are joined: the cells' memory goes back before the next slice is made
    return [values_view(lines)]


def _pandas_csv(df: pd.DataFrame) -> str:
    """What pandas writes, neutralised; every text cell quoted when one holds '\r'."""
    df = df.copy()
    for column in df.columns:
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].map(neutralise_formula)
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(df) else csv.QUOTE_MINIMAL
    return df.to_csv(index=False, lineterminator="\n", quoting=quoting)


def _has_carriage_return(df: pd.DataFrame) -> bool:
    """Whether any name or text cell holds '\r'.

    The csv writer leaves such a cell unquoted when lines end in '\n' alone, which would split
    the row on reading; those (rare) tables are written with every text cell quoted.
    """
    if any("\r" in str(name) for name in df.columns):
        return True
    for position in range(df.shape[1]):
        column = df.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = pd.Series(column.cat.categories)
        if isinstance(column.dtype, pd.StringDtype):  # a column operation, not a loop over cells
            if column.str.contains("\r", regex=False, na=False).any():
                return True
        elif any(isinstance(v, str) and "\r" in v for v in column):
            return True
    return False


# What the csv module quotes (QUOTE_MINIMAL, '\n' line ends), and '\r', which it leaves bare.
SPECIAL_CHARACTERS = '[,"\n\r]'
FORMULA_CODES = np.array([ord(start) for start in FORMULA_STARTS], dtype=np.uint8)


def _arrow_cells(df: pd.DataFrame) -> list[pa.Array] | None:
    """Each column as the CSV cells pandas would write, or None when pandas must write the table."""
    cells = []
    for position in range(df.shape[1]):
        text = _column_text(df.iloc[:, position])
        rendered = None if text is None else _rendered(*text)
        if rendered is None:
            return None
        cells.append(rendered)
    return cells


def _column_text(column: pd.Series) -> tuple[pa.Array, bool] | None:
    """A column as Arrow text as pandas formats it (nulls for NaN), and whether it is text."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _float_text(column.to_numpy(dtype=np.float64)), False
    if pd.api.types.is_integer_dtype(dtype):  # numpy or nullable integers: plain digits
        return pc.cast(_arrow(column), pa.large_string()), False
    if isinstance(dtype, pd.CategoricalDtype):
        if not pd.api.types.is_string_dtype(dtype.categories.dtype):
            return None
        return _arrow(column), True  # rendered once per category, then spread over the rows
    if not pd.api.types.is_string_dtype(dtype):
        return None
    if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(column, skipna=True) not in (
        "string",
        "empty",
    ):
        return None
    return pc.cast(_arrow(column), pa.large_string()), True


def _arrow(column: pd.Series) -> pa.Array:
    """A column as one Arrow array (pandas' Arrow-backed strings may come in chunks)."""
    array = pa.Array.from_pandas(column)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _float_text(values: np.ndarray) -> pa.Array:
    """Floats as pandas writes them (numpy's ``str``: ``1437.0``, ``0.1``, ``1e-05``), NaN as null.

    Arrow's cast gives the same shortest digits but writes ``1437`` and chooses exponents
    differently: whole numbers get their ``.0``, and the few values where the two may differ
    (an exponent, very large or small, infinite) are formatted by numpy.
    """
    text = pc.cast(pa.array(values, from_pandas=True), pa.large_string())
    exponent = pc.fill_null(pc.match_substring(text, "e"), False).to_numpy(zero_copy_only=False)
    whole = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, _text(".0"), _text("")), text)
    size = np.abs(values)
    odd = exponent | (size >= 1e13) | ((size < 1e-4) & (values != 0)) | np.isinf(values)
    if odd.any():
        text = pc.replace_with_mask(text, pa.array(odd), pa.array(values[odd].astype(str), pa.large_string()))
    return text


def _rendered(text: pa.Array, is_text: bool) -> pa.Array | None:
    """Cells neutralised (text only), quoted where the csv module quotes them, nulls empty; None for
    a '\r' in a cell (pandas writes that table). A categorical column's categories are rendered once
    and spread over the rows."""
    if isinstance(text.type, pa.DictionaryType):
        categories = _rendered(pc.cast(text.dictionary, pa.large_string()), is_text)
        return None if categories is None else pc.fill_null(pc.take(categories, text.indices), "")
    if is_text:
        formula = _starts_with_formula(text)
        if formula.any():
            neutralised = pc.binary_join_element_wise(_text("'"), text, _text(""))
            text = pc.if_else(pa.array(formula), neutralised, text)
        if _any_special(text):  # most columns hold none: one pass over all their bytes says so
            special = pc.match_substring_regex(text, SPECIAL_CHARACTERS)
            if pc.any(pc.match_substring(pc.filter(text, special), "\r")).as_py():
                return None
            escaped = pc.replace_substring(text, '"', '""')
            text = pc.if_else(
                special, pc.binary_join_element_wise(_text('"'), escaped, _text('"'), _text("")), text
            )
    return pc.fill_null(text, "")


def _starts_with_formula(text: pa.Array) -> np.ndarray:
    """Whether each cell starts with a sign Excel reads as a formula: the first byte of each filled
    cell, read at its offset (every sign is one ASCII byte)."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    starts, filled = offsets[:-1], (offsets[1:] > offsets[:-1]) & _np_valid(text)
    first = np.zeros(len(text), dtype=np.uint8)
    if filled.any():
        first[filled] = np.frombuffer(text.buffers()[2], dtype=np.uint8)[starts[filled]]
    return np.isin(first, FORMULA_CODES) & filled


def _any_special(text: pa.Array) -> bool:
    """Whether any cell may hold a character the csv module quotes (one pass over all the bytes)."""
    return any_match(text, SPECIAL_CHARACTERS)


def _np_valid(array: pa.Array) -> np.ndarray:
    """The validity of each cell as numpy booleans."""
    return array.is_valid().to_numpy(zero_copy_only=False)


def _lines(cells: list[pa.Array]) -> pa.Array:
    """Each row's cells joined by ',' and ended by '\n'."""
    if len(cells) == 1:  # the csv module writes a lone empty cell as "" (a blank line is no row)
        cells = [pc.if_else(pc.equal(cells[0], ""), _text('""'), cells[0])]
    cells[-1] = pc.binary_join_element_wise(cells[-1], _text(""), _text("\n"))  # the cell, '\n', ''
    return pc.binary_join_element_wise(*cells, _text(",")) if len(cells) > 1 else cells[0]


def _text(value: str) -> pa.Scalar:
    """A scalar of the cells' Arrow type, for the string kernels."""
    return pa.scalar(value, pa.large_string())


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
