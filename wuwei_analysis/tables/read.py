"""Read raw tables: encodings, delimited text and workbooks, into a :class:`RawTable`.

Reading turns a raw ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` file into a :class:`RawTable`:
the header, every cell as a stripped ``str`` (no NA conversion, no numbers), the physical line
(or sheet row) of each row, the encoding that was detected, and the *structural* problems met
on the way (bad bytes, empty file, ragged rows, duplicate or blank column names). Whether a
value, region or unit makes sense is for the modules that validate content.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wuwei_analysis.errors import Problem, relative_name
from wuwei_analysis.tables import arrow_csv, xlsx
from wuwei_analysis.tables.encoding import (
    UTF8_BOM,
    UTF16_BOMS,
    BadBytes,
    decode_reporting,
    likely_encoding,
)
from wuwei_analysis.tables.structure import (
    EDGE_CHARACTERS,
    Record,
    header_problems,
    invisible_problems,
    ragged_problems,
    strip_cell,
    undecodable_problems,
)

# --- files -------------------------------------------------------------------------------------
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIX = ".xlsx"
XLSX_ENCODING = "xlsx"  # RawTable.encoding of a workbook (its XML is always UTF-8)
UTF8_ENCODINGS = ("utf-8", "utf-8-sig")


@dataclass(eq=False)
class RawTable:
    """One raw table as read from disk, before any validation of its values.

    Attributes
    ----------
    path : the file read.
    header : column names, stripped of spaces, NBSP and BOM; same order as ``rows.columns``.
    rows : one row per data row, every cell a ``str`` (pandas' text dtype when Arrow read the
        file, else object), stripped of surrounding whitespace, otherwise exactly as in the file
        ('NA', '' and '010' included).
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


# ================================================================================================
# Reading
# ================================================================================================


def read_table(path: Path) -> RawTable:
    """Read a raw ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` table; see :class:`RawTable`.

    Structural problems are returned in ``RawTable.problems``, never raised; a missing or
    unreadable file raises ``OSError``.
    """
    path = Path(path)
    if leaves_its_folder(path):
        problem = Problem(
            relative_name(path),
            rule="symbolic link leading outside the raw folder",
            hint="copy the table into the raw folder; links that leave it are never followed",
        )
        return _empty_table(path, "", [problem])
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


def leaves_its_folder(path: Path) -> bool:
    """True for a symbolic link that resolves outside the folder it sits in."""
    if not path.is_symlink():
        return False
    folder = Path(os.path.realpath(path.parent))
    target = Path(os.path.realpath(path))
    return folder not in target.parents


def _empty_table(path: Path, encoding: str, problems: list[Problem], sheet: str = "") -> RawTable:
    """A table with no columns and no rows, carrying the problems that explain why."""
    return RawTable(path, [], pd.DataFrame(dtype=object), [], encoding, problems, sheet)


# --- delimited text ----------------------------------------------------------------------------


def _read_delimited(path: Path, fast: bool = True) -> RawTable:
    """Read a CSV/TSV file, keeping physical line numbers: with Arrow when every record is one line
    (:mod:`~wuwei_analysis.tables.arrow_csv`), else record by record with the ``csv`` module.

    A UTF-8 file (the usual one) goes to Arrow as its bytes, never decoded into one Python string;
    only when Arrow cannot read it is it decoded, with every bad byte sequence reported."""
    data = path.read_bytes()
    if fast:
        table = _read_utf8(path, data)
        if table is not None:
            return table
    encoding = likely_encoding(data)
    text, bad_bytes = decode_reporting(data, encoding)
    delimiter = _detect_delimiter(path.suffix.lower(), text)
    if fast and not bad_bytes and encoding not in UTF8_ENCODINGS:  # UTF-8 was tried above
        found = arrow_csv.read_columns(text, delimiter)
        table = _arrow_table(path, encoding, *found) if found else None
        if table is not None:
            return table
    del data  # the slow reader holds millions of small strings: the bytes go first
    with _gc_paused():
        records, problems = _parse_delimited(text, delimiter, relative_name(path))
        return _build_table(path, records, encoding, problems, bad_bytes, delimiter)


def _read_utf8(path: Path, data: bytes) -> RawTable | None:
    """The table Arrow reads from ``data`` as UTF-8 (a BOM skipped), or None when the file is in
    another encoding, has a bad byte or needs the ``csv`` module."""
    if data[:2] in UTF16_BOMS:
        return None
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    delimiter = _detect_delimiter(path.suffix.lower(), memoryview(data)[start:])
    found = arrow_csv.read_columns(data, delimiter, start)
    return _arrow_table(path, "utf-8-sig" if start else "utf-8", *found) if found else None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists and strings (which hold no
    cycles) are made: otherwise it walks them again and again, which costs more than the parsing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _detect_delimiter(suffix: str, text: str | memoryview) -> str:
    """Tab for ``.tsv``; otherwise tab only if the first line has more tabs than commas."""
    if suffix == ".tsv":
        return "\t"
    first_line = _first_line(text)
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _first_line(text: str | memoryview, chunk: int = 1 << 16) -> str:
    """The first non-blank line of ``text`` (as ``str.splitlines`` splits), without splitting it all;
    UTF-8 bytes are decoded a prefix at a time (a character cut at a prefix's end, or a bad byte,
    becomes U+FFFD)."""
    while True:
        whole = chunk >= len(text)
        prefix = text[:chunk]
        if isinstance(prefix, memoryview):
            prefix = str(prefix, "utf-8", errors="replace")
        lines = prefix.splitlines()
        # The last line of a prefix may be cut short: only trusted when the prefix is the text.
        found = next((line for line in (lines if whole else lines[:-1]) if line.strip()), None)
        if found is not None or whole:
            return found or ""
        chunk *= 4


def _parse_delimited(text: str, delimiter: str, name: str) -> tuple[list[Record], list[Problem]]:
    """Split ``text`` into records with the lines they span; report malformed quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error:
        rows = None
    if rows is not None and reader.line_num == len(rows):  # the usual file: one line per record
        return [Record(line, line, fields) for line, fields in enumerate(rows, start=1)], []
    # A quoted cell spans lines, or the quoting is malformed: follow the reader record by record.
    last_line = len(io.StringIO(text, newline="").readlines())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[Record] = []
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
        records.append(Record(start, reader.line_num, fields))
    return records, problems


# --- xlsx --------------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawTable:
    """Read the worksheet named like the file, or else the first non-empty one."""
    sheet = xlsx.read_sheet(path)
    if isinstance(sheet, Problem):
        return _empty_table(path, XLSX_ENCODING, [sheet])
    records = [Record(number, number, fields) for number, fields in enumerate(sheet.rows, start=1)]
    return _build_table(path, records, XLSX_ENCODING, [], [], ",", sheet.title)


# --- shared structure checks -------------------------------------------------------------------


def _build_table(
    path: Path,
    records: list[Record],
    encoding: str,
    problems: list[Problem],
    bad_bytes: list[BadBytes],
    delimiter: str,
    sheet: str = "",
) -> RawTable:
    """Check the structure of parsed records and assemble the :class:`RawTable`."""
    name = relative_name(path)
    # A record is blank when all its cells are; so is the text of all its cells run together.
    content = [record for record in records if strip_cell("".join(record.fields))]
    if not content:
        problems.append(Problem(name, rule="file is empty", hint="the file has no header and no rows"))
        problems.extend(undecodable_problems(name, bad_bytes, [], []))
        return _empty_table(path, encoding, problems, sheet)

    header_record, data_records = content[0], content[1:]
    raw_header = [strip_cell(value) for value in header_record.fields]
    width = len(raw_header)
    if not data_records:
        hint = "the file has a header but no rows below it"
        problems.append(Problem(name, line=header_record.start, rule="no data rows", hint=hint))
    problems.extend(ragged_problems(name, raw_header, data_records, delimiter))
    columns = _stripped_columns(data_records, width)
    keep = [i for i, title in enumerate(raw_header) if title or any(columns[i])]
    header = [raw_header[i] for i in keep]
    problems.extend(header_problems(name, header_record.start, raw_header, keep))
    problems.extend(undecodable_problems(name, bad_bytes, [header_record, *data_records], raw_header))
    lines = [r.start for r in data_records]
    problems.extend(invisible_problems(name, header, lines, [columns[i] for i in keep]))
    rows = pd.DataFrame(
        {position: columns[i] for position, i in enumerate(keep)},
        index=range(len(data_records)),
        dtype=object,
    )
    rows.columns = header  # by position: a repeated name is reported, and kept
    return RawTable(path, header, rows, [record.start for record in data_records], encoding, problems, sheet)


def _arrow_table(path: Path, encoding: str, fields: list[str], cells: list[pa.Array]) -> RawTable | None:
    """The :class:`RawTable` of a table Arrow read (header on line 1, row ``i`` on line ``i + 2``), or
    None when a blank row makes it one for the record-by-record reader."""
    columns = [pc.utf8_trim(column, EDGE_CHARACTERS) for column in cells]
    filled = [pc.not_equal(column, "") for column in columns]
    if not pc.all(functools.reduce(pc.or_, filled)).as_py():  # a blank row: skipped, lines shift
        return None
    raw_header = [strip_cell(value) for value in fields]
    keep = [i for i, title in enumerate(raw_header) if title or pc.any(filled[i]).as_py()]
    header = [raw_header[i] for i in keep]
    problems = header_problems(relative_name(path), 1, raw_header, keep)
    rows = pd.DataFrame(
        {position: pd.array(columns[i], dtype="str") for position, i in enumerate(keep)},
        index=range(len(columns[0])),
    )
    rows.columns = header  # by position: a repeated name is reported, and kept
    return RawTable(path, header, rows, list(range(2, len(rows) + 2)), encoding, problems)


def _fit(values: list[str], width: int) -> list[str]:
    """Pad a short row with '' or cut a long one to the header width (already reported)."""
    return (values + [""] * width)[:width]


def _stripped_columns(records: list[Record], width: int) -> list[list[str]]:
    """The cells of ``records`` column by column, stripped, each row fitted to ``width`` cells.

    A column with a blank name and no value at all (spacers, trailing commas) is dropped by the
    caller: every other column is kept.
    """
    fitted = (r.fields if len(r.fields) == width else _fit(r.fields, width) for r in records)
    columns = list(zip(*fitted, strict=True)) if records else [() for _ in range(width)]
    return [[value.strip(EDGE_CHARACTERS) for value in column] for column in columns]  # strip_cell, inlined
