"""Read a well-formed delimited table with Arrow's CSV reader: no Python string per cell.

:func:`read_columns` returns the raw header and the data columns of a table in which every record
is exactly one line (so the line of row ``i`` is ``i + 2``), or ``None`` when the table needs the
``csv`` module's record-by-record reading in :mod:`wuwei_analysis.tables.read`: a ragged line, a
cell spanning lines, a bare carriage return, NUL or a stray byte order mark, or quoting the ``csv``
module (``strict=True``) would read differently. (A blank line comes back as a row of empty cells:
the caller sends those tables to the slow reader, which skips blank rows.) Every line with a quote is
read again by the ``csv`` module and must give the same cells, so both readers agree on every table
this one accepts; the slow reader then finds and words the problems of the others.
"""

from __future__ import annotations

import csv

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

QUOTE = '"'
# Characters whose presence sends a table to the slow reader, which reports or counts them itself.
SLOW_CHARACTERS = ("\x00", "\ufeff")
SLOW_BYTES = tuple(char.encode("utf-8") for char in SLOW_CHARACTERS)


def read_columns(
    data: bytes | str, delimiter: str, start: int = 0
) -> tuple[list[str], list[pa.Array]] | None:
    """The header cells and the data columns (Arrow text, as written) of the table ``data[start:]``
    in UTF-8 (a ``str`` is encoded first); None if the slow reader must read it, also when the bytes
    are not valid UTF-8 (Arrow checks every cell). Every test is made on the bytes: the characters
    it looks for are ASCII (or the BOM), which UTF-8 never uses inside another character."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if start >= len(data) or any(data.find(chars, start) >= 0 for chars in SLOW_BYTES):
        return None
    if data.count(b"\r", start) != data.count(b"\r\n", start):  # a bare CR ends a line for csv only
        return None
    lines = data.count(b"\n", start) + (not data.endswith(b"\n"))
    header = _first_line_cells(data, start, delimiter)
    if header is None or len(header) == 0 or lines < 2:
        return None
    table = _arrow_table(memoryview(data)[start:], delimiter, len(header))
    if table is None or table.num_rows != lines:  # blank lines, or a quoted cell over several lines
        return None
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    del table
    if [column[0].as_py() for column in columns] != header:
        return None
    if data.find(b'"', start) >= 0 and not _quoted_lines_agree(data, start, delimiter, columns):
        return None
    return header, [column.slice(1) for column in columns]


def _first_line_cells(data: bytes, start: int, delimiter: str) -> list[str] | None:
    """The cells of the first line as the csv module reads them; None when it is blank or odd."""
    end = data.find(b"\n", start)
    try:
        first = data[start : end if end >= 0 else len(data)].decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    if not first.strip() or QUOTE in first and first.count(QUOTE) % 2:
        return None
    try:
        return next(csv.reader([first], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return None


def _arrow_table(data: bytes | memoryview, delimiter: str, width: int) -> pa.Table | None:
    """Every cell as text, nothing read as missing; None when Arrow cannot read it as one table."""
    names = [f"c{i}" for i in range(width)]
    try:
        return pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _quoted_lines_agree(data: bytes, start: int, delimiter: str, columns: list[pa.Array]) -> bool:
    """Whether the csv module (strict) reads every line holding a quote as Arrow did."""
    rows, lines = _lines_with_quotes(data, start)
    try:
        records = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    if len(records) != len(lines):
        return False
    taken = pa.array(rows, pa.int64())
    cells = [column.take(taken).to_pylist() for column in columns]
    return [list(row) for row in zip(*cells, strict=True)] == records


def _lines_with_quotes(data: bytes, start: int) -> tuple[np.ndarray, list[str]]:
    """The 0-based numbers and the text (without line end) of the lines of ``data[start:]`` that
    hold a quote: found with numpy over the bytes, then only those lines are decoded."""
    view = np.frombuffer(data, dtype=np.uint8, offset=start)
    ends = _positions(view, ord("\n"))
    rows = np.unique(np.searchsorted(ends, _positions(view, ord(QUOTE))))
    firsts = np.where(rows > 0, ends[np.maximum(rows - 1, 0)] + 1, 0) if len(ends) else np.zeros_like(rows)
    lasts = np.append(ends, len(view))[rows]
    lines = [
        data[start + first : start + last].decode("utf-8").removesuffix("\r")
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True)
    ]
    return rows, lines


def _positions(view: np.ndarray, byte: int, chunk: int = 1 << 22) -> np.ndarray:
    """The positions of ``byte`` in ``view``, found a few MB at a time (a mask of the whole file
    would be a fresh allocation of its size, which the kernel may stall to back with huge pages)."""
    found = [np.flatnonzero(view[at : at + chunk] == byte) + at for at in range(0, len(view), chunk)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
