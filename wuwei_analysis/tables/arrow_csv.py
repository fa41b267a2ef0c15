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

import pyarrow as pa
import pyarrow.csv as pa_csv

QUOTE = '"'
# Characters whose presence sends a table to the slow reader, which reports or counts them itself.
SLOW_CHARACTERS = ("\x00", "\ufeff")


def read_columns(
    text: str, delimiter: str, utf8: bytes | None = None
) -> tuple[list[str], list[pa.Array]] | None:
    """The header cells and the data columns (Arrow text, as written) of ``text``; None if the slow
    reader must read it. ``utf8``: the file's bytes when they are ``text`` in UTF-8 (no re-encoding)."""
    if not text or any(char in text for char in SLOW_CHARACTERS):
        return None
    if text.count("\r") != text.count("\r\n"):  # a bare CR ends a line for the csv module only
        return None
    lines = text.count("\n") + (not text.endswith("\n"))
    header = _first_line_cells(text, delimiter)
    if header is None or len(header) == 0 or lines < 2:
        return None
    table = _arrow_table(utf8 if utf8 is not None else text.encode("utf-8"), delimiter, len(header))
    if table is None or table.num_rows != lines:  # blank lines, or a quoted cell over several lines
        return None
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    if [column[0].as_py() for column in columns] != header:
        return None
    if QUOTE in text and not _quoted_lines_agree(text, delimiter, columns):
        return None
    return header, [column.slice(1) for column in columns]


def _first_line_cells(text: str, delimiter: str) -> list[str] | None:
    """The cells of the first line as the csv module reads them; None when it is blank or odd."""
    end = text.find("\n")
    first = text[: end if end >= 0 else len(text)].removesuffix("\r")
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


def _quoted_lines_agree(text: str, delimiter: str, columns: list[pa.Array]) -> bool:
    """Whether the csv module (strict) reads every line holding a quote as Arrow did."""
    numbers, lines = _lines_with_quotes(text)
    try:
        records = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    if len(records) != len(lines):
        return False
    rows = pa.array([number - 1 for number in numbers], pa.int64())
    cells = [column.take(rows).to_pylist() for column in columns]
    return [list(row) for row in zip(*cells, strict=True)] == records


def _lines_with_quotes(text: str) -> tuple[list[int], list[str]]:
    """The 1-based numbers and the text (without line end) of the lines that hold a quote."""
    numbers: list[int] = []
    lines: list[str] = []
    number, counted_to, position = 1, 0, text.find(QUOTE)
    while position >= 0:
        start = text.rfind("\n", 0, position) + 1
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        number += text.count("\n", counted_to, start)
        counted_to = start
        numbers.append(number)
        lines.append(text[start:end].removesuffix("\r"))
        position = text.find(QUOTE, end)
    return numbers, lines
