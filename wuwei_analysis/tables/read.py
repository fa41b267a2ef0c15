"""Read raw tables: encodings, delimited text and workbooks, into a :class:`RawTable`.

Reading turns a raw ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` file into a :class:`RawTable`:
the header, every cell as a stripped ``str`` (no NA conversion, no numbers), the physical line
(or sheet row) of each row, the encoding that was detected, and the *structural* problems met
on the way (bad bytes, empty file, ragged rows, duplicate or blank column names). Whether a
value, region or unit makes sense is for the modules that validate content.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from wuwei_analysis.errors import Problem, relative_name
from wuwei_analysis.tables.encoding import (
    REPLACEMENT_CHAR,
    BadBytes,
    decode_reporting,
    likely_encoding,
)

# --- files -------------------------------------------------------------------------------------
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIX = ".xlsx"
XLSX_ENCODING = "xlsx"  # RawTable.encoding of a workbook (its XML is always UTF-8)

# Surrounding whitespace of a cell: str.isspace() covers NBSP and the full-width space U+3000;
# the BOM and zero-width space are invisible in editors and sneak in from copy-paste.
_EDGE_SPACE = re.compile(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$")
# An unquoted "1,234" splits into "1" and "234": a 1-3 digit field followed by 3-digit groups.
_THOUSANDS_HEAD = re.compile(r"^[+-]?\d{1,3}$")
_THOUSANDS_GROUP = re.compile(r"^\d{3}$")
_THOUSANDS_LAST = re.compile(r"^\d{3}(?!\d)")
MAX_VALUE_CHARS = 80  # longer row texts are shortened in problem messages


@dataclass(eq=False)
class RawTable:
    """One raw table as read from disk, before any validation of its values.

    Attributes
    ----------
    path : the file read.
    header : column names, stripped of spaces, NBSP and BOM; same order as ``rows.columns``.
    rows : one row per data row, every cell a Python ``str`` (dtype object), stripped of
        surrounding whitespace, otherwise exactly as in the file ('NA', '' and '010' included).
    lines : for each row of ``rows`` (positionally), the 1-based physical line where it starts
        in the file (multi-line quoted cells counted), or its sheet row number for a workbook.
    encoding : the detected text encoding, or ``"xlsx"`` for a workbook.
    problems : structural problems found while reading; empty when the table is sound.
    sheet : the worksheet read, for a workbook.
    """

    path: Path
    header: list[str]
    rows: pd.DataFrame
    lines: list[int]
    encoding: str
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""

    @property
    def ok(self) -> bool:
        """True when reading found no problem."""
        return not self.problems


class _Record(NamedTuple):
    """One parsed record: its raw fields and the physical lines it spans."""

    start: int
    end: int
    fields: list[str]


# ================================================================================================
# Reading
# ================================================================================================


def read_table(path: Path) -> RawTable:
    """Read a raw ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` table; see :class:`RawTable`.

    Structural problems are returned in ``RawTable.problems``, never raised; a missing or
    unreadable file raises ``OSError``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in DELIMITED_SUFFIXES:
        return _read_delimited(path)
    if suffix == XLSX_SUFFIX:
        return _read_xlsx(path)
    problem = Problem(
        relative_name(path),
        rule="unsupported file type",
        value=path.suffix,
        hint="save the table as .csv (UTF-8) or .xlsx",
    )
    return _empty_table(path, "", [problem])


def _empty_table(path: Path, encoding: str, problems: list[Problem], sheet: str = "") -> RawTable:
    """A table with no columns and no rows, carrying the problems that explain why."""
    return RawTable(path, [], pd.DataFrame(dtype=object), [], encoding, problems, sheet)


def _strip(text: str) -> str:
    """Remove surrounding whitespace (incl. NBSP, U+3000), BOMs and zero-width spaces."""
    return _EDGE_SPACE.sub("", text)


def _shorten(text: str) -> str:
    """Cut a long value for a problem message."""
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


# --- delimited text ----------------------------------------------------------------------------


def _read_delimited(path: Path) -> RawTable:
    """Read a CSV/TSV file with the ``csv`` module, keeping physical line numbers."""
    data = path.read_bytes()
    encoding = likely_encoding(data)
    text, bad_bytes = decode_reporting(data, encoding)
    delimiter = _detect_delimiter(path.suffix.lower(), text)
    records, problems = _parse_delimited(text, delimiter, relative_name(path))
    return _build_table(path, records, encoding, problems, bad_bytes, delimiter)


def _detect_delimiter(suffix: str, text: str) -> str:
    """Tab for ``.tsv``; otherwise tab only if the first line has more tabs than commas."""
    if suffix == ".tsv":
        return "\t"
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _parse_delimited(text: str, delimiter: str, name: str) -> tuple[list[_Record], list[Problem]]:
    """Split ``text`` into records with the lines they span; report malformed quoting."""
    last_line = len(io.StringIO(text, newline="").readlines())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[_Record] = []
    problems: list[Problem] = []
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            at_end = reader.line_num >= last_line
            problems.append(
                Problem(
                    name,
                    line=start if at_end else reader.line_num,
                    rule="unclosed quote" if at_end else "malformed quoting",
                    value=str(err),
                    hint="a quote opened here is never closed, so the rest of the file reads as one cell"
                    if at_end
                    else 'a quoted cell must be followed by the delimiter; write "" for a quote inside it',
                )
            )
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        records.append(_Record(start, reader.line_num, fields))
    return records, problems


# --- xlsx --------------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawTable:
    """Read the worksheet named like the file, or else the first non-empty one."""
    name = relative_name(path)
    try:
        # Opened read-only by us; openpyxl's read_only mode is not used because it hides merged
        # cells. openpyxl warns about workbook features it ignores (styles, extensions).
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(handle, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as err:
        problem = Problem(
            name, rule="not a readable .xlsx workbook", value=str(err), hint="re-save it from Excel as .xlsx"
        )
        return _empty_table(path, XLSX_ENCODING, [problem])
    sheet = _pick_sheet(workbook, path.stem)
    if sheet is None:
        problem = Problem(name, rule="file is empty", hint="no sheet of the workbook has data")
        return _empty_table(path, XLSX_ENCODING, [problem])
    records = [_Record(number, number, fields) for number, fields in enumerate(_sheet_grid(sheet), start=1)]
    return _build_table(path, records, XLSX_ENCODING, [], [], ",", sheet.title)


def _pick_sheet(workbook: Any, stem: str) -> Any | None:
    """The worksheet titled like the file, else the first with any value, else None."""
    for sheet in workbook.worksheets:
        if sheet.title.strip().casefold() == stem.strip().casefold() and _has_values(sheet):
            return sheet
    return next((sheet for sheet in workbook.worksheets if _has_values(sheet)), None)


def _has_values(sheet: Any) -> bool:
    """Whether any cell of the sheet holds a non-blank value."""
    return any(
        value is not None and str(value).strip() for row in sheet.iter_rows(values_only=True) for value in row
    )


def _sheet_grid(sheet: Any) -> list[list[str]]:
    """All cells from A1 as text, each merged range filled with its top-left value."""
    grid = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(min_row=1, min_col=1)]
    for merged in sheet.merged_cells.ranges:
        top_left = grid[merged.min_row - 1][merged.min_col - 1]
        for row in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for col in range(merged.min_col - 1, min(merged.max_col, len(grid[row]))):
                grid[row][col] = top_left
    return grid


def _cell_text(cell: Any) -> str:
    """A cell's value as the text a reader sees, without float artefacts."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if "%" in (getattr(cell, "number_format", "") or ""):
            # Stored 0.7, shown as 70%: keep what the reader sees, not a bare 0.7.
            return _format_decimal(Decimal(repr(value)) * 100) + "%"
        return _format_number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _format_number(value: int | float) -> str:
    """'73' for 73 and 73.0, '13.24' for 13.24 (shortest round-trip text)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _format_decimal(value: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('70.500') → '70.5'."""
    return format(value.normalize(), "f")


# --- shared structure checks -------------------------------------------------------------------


def _build_table(
    path: Path,
    records: list[_Record],
    encoding: str,
    problems: list[Problem],
    bad_bytes: list[BadBytes],
    delimiter: str,
    sheet: str = "",
) -> RawTable:
    """Check the structure of parsed records and assemble the :class:`RawTable`."""
    name = relative_name(path)
    content = [record for record in records if any(_strip(value) for value in record.fields)]
    if not content:
        problems.append(Problem(name, rule="file is empty", hint="the file has no header and no rows"))
        problems.extend(_undecodable_problems(name, bad_bytes, [], []))
        return _empty_table(path, encoding, problems, sheet)

    header_record, data_records = content[0], content[1:]
    raw_header = [_strip(value) for value in header_record.fields]
    width = len(raw_header)
    if not data_records:
        hint = "the file has a header but no rows below it"
        problems.append(Problem(name, line=header_record.start, rule="no data rows", hint=hint))
    problems.extend(_ragged_problems(name, raw_header, data_records, delimiter))
    cells = [_fit([_strip(value) for value in record.fields], width) for record in data_records]
    keep = _columns_to_keep(raw_header, cells)
    header = [raw_header[i] for i in keep]
    problems.extend(_header_problems(name, header_record.start, raw_header, keep))
    problems.extend(_undecodable_problems(name, bad_bytes, [header_record, *data_records], raw_header))
    rows = pd.DataFrame([[row[i] for i in keep] for row in cells], columns=header, dtype=object)
    return RawTable(path, header, rows, [record.start for record in data_records], encoding, problems, sheet)


def _fit(values: list[str], width: int) -> list[str]:
    """Pad a short row with '' or cut a long one to the header width (already reported)."""
    return (values + [""] * width)[:width]


def _columns_to_keep(header: list[str], cells: list[list[str]]) -> list[int]:
    """Every column except those with a blank name and no value at all (spacers, trailing commas)."""
    return [i for i, title in enumerate(header) if title or any(row[i] for row in cells)]


def _header_problems(name: str, line: int, header: list[str], keep: list[int]) -> list[Problem]:
    """Blank names of columns that hold data, and names used twice."""
    problems = []
    first_position: dict[str, int] = {}
    for i in keep:
        title = header[i]
        if not title:
            problems.append(
                Problem(
                    name,
                    line=line,
                    rule="blank column name",
                    hint=f"column {i + 1} has values but no name in the header",
                )
            )
        elif title in first_position:
            problems.append(
                Problem(
                    name,
                    line=line,
                    column=title,
                    value=title,
                    rule="duplicate column name",
                    hint=f"columns {first_position[title] + 1} and {i + 1} have the same name; rename one",
                )
            )
        else:
            first_position[title] = i
    return problems


def _ragged_problems(name: str, header: list[str], records: list[_Record], delimiter: str) -> list[Problem]:
    """One problem for each row whose field count differs from the header's."""
    problems = []
    width = len(header)
    shown_delimiter = "tab" if delimiter == "\t" else repr(delimiter)
    for record in records:
        fields = [_strip(value) for value in record.fields]
        count = len(fields)
        if count == width:
            continue
        row_text = _shorten(delimiter.join(fields))
        if count < width:
            problems.append(
                Problem(
                    name,
                    line=record.start,
                    column=header[count],
                    value=row_text,
                    rule="fewer fields than the header",
                    hint=f"this row has {count} fields but the header has {width}; "
                    f"keep the {shown_delimiter} separators of empty cells",
                )
            )
            continue
        split = _split_thousands(fields)
        if split is None:
            problems.append(
                Problem(
                    name,
                    line=record.start,
                    value=row_text,
                    rule="more fields than the header",
                    hint=f"this row has {count} fields but the header has {width}; "
                    f"quote values that contain {shown_delimiter}",
                )
            )
            continue
        position, value = split
        problems.append(
            Problem(
                name,
                line=record.start,
                column=header[position] if position < width else "",
                value=value,
                rule="more fields than the header",
                hint=f"this row has {count} fields but the header has {width}; {value!r} looks split "
                "at a thousands separator: quote numbers with thousands separators, or remove the comma",
            )
        )
    return problems


def _split_thousands(fields: list[str]) -> tuple[int, str] | None:
    """Find the first number split like '1', '234' by an unquoted thousands separator."""
    for start in range(len(fields) - 1):
        if not _THOUSANDS_HEAD.match(fields[start]) or not _THOUSANDS_LAST.match(fields[start + 1]):
            continue
        end = start + 1
        while (
            end + 1 < len(fields)
            and _THOUSANDS_GROUP.match(fields[end])
            and _THOUSANDS_LAST.match(fields[end + 1])
        ):
            end += 1
        return start, ",".join(fields[start : end + 1])
    return None


def _undecodable_problems(
    name: str, bad_bytes: list[BadBytes], records: list[_Record], header: list[str]
) -> list[Problem]:
    """One problem per line holding undecodable bytes, naming the column where possible."""
    problems = []
    seen_lines: set[int] = set()
    for bad in bad_bytes:
        if bad.line in seen_lines:
            continue
        seen_lines.add(bad.line)
        problems.append(
            Problem(
                name,
                line=bad.line,
                column=_column_of_bad_bytes(bad.line, records, header),
                value=repr(bad.data)[2:-1],
                rule="undecodable bytes",
                hint="the file mixes encodings or is damaged; save it again as UTF-8",
            )
        )
    return problems


def _column_of_bad_bytes(line: int, records: list[_Record], header: list[str]) -> str:
    """The header name of the first cell with a replacement character in the data row at ``line``."""
    if not records or line == records[0].start:
        return ""  # in the header itself, or nothing parsed
    for record in records[1:]:
        if record.start <= line <= record.end:
            for i, value in enumerate(record.fields):
                if REPLACEMENT_CHAR in value and i < len(header):
                    return header[i]
    return ""
