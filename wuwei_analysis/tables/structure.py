"""Structural problems of a raw table, found while reading it: the header, ragged rows, bad bytes.

A :class:`Record` is one parsed row with the physical lines it spans; the functions here turn
what the reader met into :class:`~wuwei_analysis.errors.Problem` rows naming the file, line,
column and value. Whether a value makes sense is for the cleaner's checks, not for these.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from wuwei_analysis.errors import Problem
from wuwei_analysis.tables.encoding import REPLACEMENT_CHAR, BadBytes

# Surrounding whitespace of a cell: every character of str.isspace() (NBSP and the full-width space
# U+3000 among them; the same set as the regex class \s), and the BOM and zero-width space, which
# are invisible in editors and sneak in from copy-paste. Listed, so that str.strip can remove them.
EDGE_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    "\ufeff\u200b"
)
# An unquoted "1,234" splits into "1" and "234": a 1-3 digit field followed by 3-digit groups.
_THOUSANDS_HEAD = re.compile(r"^[+-]?\d{1,3}$")
_THOUSANDS_GROUP = re.compile(r"^\d{3}$")
_THOUSANDS_LAST = re.compile(r"^\d{3}(?!\d)")
MAX_VALUE_CHARS = 80  # longer row texts are shortened in problem messages


class Record(NamedTuple):
    """One parsed record: its raw fields and the physical lines it spans."""

    start: int
    end: int
    fields: list[str]


def strip_cell(text: str) -> str:
    """Remove surrounding whitespace (incl. NBSP, U+3000), BOMs and zero-width spaces."""
    return text.strip(EDGE_CHARACTERS)


def _shorten(text: str) -> str:
    """Cut a long value for a problem message."""
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def header_problems(name: str, line: int, header: list[str], keep: list[int]) -> list[Problem]:
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


def ragged_problems(name: str, header: list[str], records: list[Record], delimiter: str) -> list[Problem]:
    """One problem for each row whose field count differs from the header's."""
    problems = []
    width = len(header)
    shown_delimiter = "tab" if delimiter == "\t" else repr(delimiter)
    for record in records:
        count = len(record.fields)
        if count == width:
            continue
        fields = [strip_cell(value) for value in record.fields]
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


def undecodable_problems(
    name: str, bad_bytes: list[BadBytes], records: list[Record], header: list[str]
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


def _column_of_bad_bytes(line: int, records: list[Record], header: list[str]) -> str:
    """The header name of the first cell with a replacement character in the data row at ``line``."""
    if not records or line == records[0].start:
        return ""  # in the header itself, or nothing parsed
    for record in records[1:]:
        if record.start <= line <= record.end:
            for i, value in enumerate(record.fields):
                if REPLACEMENT_CHAR in value and i < len(header):
                    return header[i]
    return ""


# Characters no figure, name or quote holds and that a reader cannot see: NUL truncates text in C
# tools and Excel; a byte order mark inside a cell (not at the start of the file) is a pasting slip.
_INVISIBLE = {
    "\x00": ("NUL character in a cell", "delete the NUL byte (\\x00); re-save the file as UTF-8 text"),
    "\ufeff": (
        "byte order mark (U+FEFF) inside a cell",
        "delete the invisible U+FEFF character; it is only allowed at the very start of a file",
    ),
}


def invisible_problems(
    name: str, header: list[str], lines: list[int], columns: list[list[str]]
) -> list[Problem]:
    """A problem for every cell that holds NUL or a byte order mark (``columns``: one list per column)."""
    found = []
    for position, (column, values) in enumerate(zip(header, columns, strict=False)):
        for char, (rule, hint) in _INVISIBLE.items():
            if not any(char in value for value in values):  # the usual case: one pass per column
                continue
            for row, value in enumerate(values):
                if char in value:
                    found.append(
                        (lines[row], position, Problem(name, lines[row], column, _shorten(value), rule, hint))
                    )
    return [problem for _, _, problem in sorted(found, key=lambda item: item[:2])]
