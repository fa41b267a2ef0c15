"""Read a worksheet of an ``.xlsx`` workbook into rows of text, as a reader of the sheet sees them.

The sheet named like the file is read, or else the first non-empty one; merged cells are filled
with their top-left value and numbers are written without float artefacts. The rows become a
:class:`~wuwei_analysis.tables.read.RawTable` in :mod:`~wuwei_analysis.tables.read`.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from wuwei_analysis.errors import Problem, relative_name


class Sheet(NamedTuple):
    """The worksheet read: its title and every row of cells from A1, as text."""

    title: str
    rows: list[list[str]]


def read_sheet(path: Path) -> Sheet | Problem:
    """The worksheet named like the file, or else the first non-empty one; a Problem when the
    workbook cannot be read or has no data."""
    import openpyxl  # here: most raw tables are CSV, and the import costs half a second
    from openpyxl.utils.exceptions import InvalidFileException

    name = relative_name(path)
    try:
        # Opened read-only by us; openpyxl's read_only mode is not used because it hides merged
        # cells. openpyxl warns about workbook features it ignores (styles, extensions).
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(handle, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as err:
        return Problem(
            name, rule="not a readable .xlsx workbook", value=str(err), hint="re-save it from Excel as .xlsx"
        )
    sheet = _pick_sheet(workbook, path.stem)
    if sheet is None:
        return Problem(name, rule="file is empty", hint="no sheet of the workbook has data")
    return Sheet(sheet.title, _sheet_grid(sheet))


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
