"""Content hashes of everything a notebook run depends on.

The build re-runs a notebook only when one of these changes: the processed data it reads (the
rows of its own theme; the summary reads everything), the notebook, the library code and
reference data, its parameters, and the versions of the key packages.

This module is on the path of a no-op rebuild, so it imports only the standard library; pyarrow
is imported when a processed file's bytes changed and its rows must be split by theme.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuwei_analysis import config, errors, reference
from wuwei_analysis.cells import assigned_names
from wuwei_analysis.files import file_sha256, sha256_json

# Packages whose upgrade can change a report (numbers, charts, HTML), so a new version re-runs it.
KEY_PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "mplfonts",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jinja2",
)

# Files that are never inputs: editor and OS litter, Excel lock files, our own temp files.
_IGNORED_NAME = re.compile(r"^(\.|~\$)|\.tmp$|~$")


def input_files(root: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """Regular files under ``root`` (recursive, sorted), minus hidden, temporary and cache files."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(_IGNORED_NAME.search(part) or part == "__pycache__" for part in rel.parts):
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        if path.is_file():
            found.append(path)
    return sorted(found)


def tree_hash(root: Path, suffixes: tuple[str, ...] | None = None) -> str:
    """One hash for the names and contents of every input file under ``root``."""
    root = Path(root)
    return sha256_json(
        [[p.relative_to(root).as_posix(), file_sha256(p)] for p in input_files(root, suffixes)]
    )


def library_hash() -> str:
    """Hash of the package's Python code and templates (HTML output depends on both)."""
    package = config.PACKAGE_DIR
    code = [
        [p.relative_to(package).as_posix(), file_sha256(p)]
        for p in input_files(package, (".py",))
        if "templates" not in p.relative_to(package).parts
    ]
    templates = tree_hash(config.TEMPLATES_DIR)
    return sha256_json({"code": code, "templates": templates})


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of the key packages (``"missing"`` when not installed)."""
    import importlib.metadata as metadata
    import platform

    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


# --- notebooks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookInfo:
    """What the build needs to know about a notebook without starting a kernel."""

    path: Path
    hash: str
    parameters: frozenset[str]  # names assigned in the cell tagged `parameters`
    has_parameters_cell: bool


def read_notebook_info(path: Path) -> NotebookInfo:
    """Hash a notebook's cells (source, type, tags) and kernel, ignoring outputs and counts.

    Saving a notebook after running it in JupyterLab changes its outputs and execution counts but
    not what a build would produce, so those are left out of the hash.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    parameters: set[str] = set()
    has_parameters_cell = False
    for cell in nb.get("cells", []):
        source = _joined(cell.get("source", ""))
        tags = list(cell.get("metadata", {}).get("tags", []))
        cells.append([cell.get("cell_type"), source, tags])
        if "parameters" in tags and not has_parameters_cell and cell.get("cell_type") == "code":
            has_parameters_cell = True
            parameters = assigned_names(source)
    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    digest = sha256_json({"cells": cells, "kernel": [kernelspec.get("name"), kernelspec.get("language")]})
    return NotebookInfo(Path(path), digest, frozenset(parameters), has_parameters_cell)


def _joined(source: str | list[str]) -> str:
    return "".join(source) if isinstance(source, list) else source


# --- processed data ------------------------------------------------------------------------


@dataclass
class DataState:
    """Content hashes of the processed data, whole and per theme.

    A file that cannot be read as its table (truncated, random bytes, wrong schema, wrong
    encoding) carries ``"unreadable": <why>``: the build re-cleans it from raw. Files that are
    not part of the processed contract are listed in ``ignored`` and are not inputs.
    """

    files: dict[str, dict[str, Any]]  # name -> {"sha256", and for themed tables "schema", "themes"}
    version: str  # hash of every processed file: what the summary depends on
    ignored: tuple[str, ...] = ()

    def unreadable(self) -> dict[str, str]:
        """Processed files that cannot be read, with the reason."""
        return {name: info["unreadable"] for name, info in self.files.items() if "unreadable" in info}

    def theme_hash(self, theme: str) -> str:
        """Hash of the processed data one theme's notebook reads.

        A table with a ``theme`` column contributes that theme's rows, and the rows that belong to
        no theme (a blank or unknown theme, e.g. the column descriptions of the data dictionary),
        so a changed urban figure leaves the health hash alone; any other file contributes its
        whole content.
        """
        parts = []
        for name, info in sorted(self.files.items()):
            if "themes" in info:
                shared = sorted(
                    [key, digest]
                    for key, digest in info["themes"].items()
                    if key.split("|")[0] not in reference.theme_ids()
                )
                own = sorted([k, d] for k, d in info["themes"].items() if k.split("|")[0] == theme)
                parts.append([name, info["schema"], own or "no rows", shared])
            else:
                parts.append([name, info["sha256"]])
        return sha256_json(parts)


def scan_processed(processed_dir: Path, cache: dict[str, dict[str, Any]] | None = None) -> DataState:
    """Hash every processed file; split tables with a ``theme`` column by theme.

    ``cache`` maps file names to a previous scan's entries: a file whose bytes are unchanged
    (same SHA-256) reuses its entry, so a rebuild with unchanged data reads no table.
    """
    processed_dir = Path(processed_dir)
    cache = cache or {}
    files: dict[str, dict[str, Any]] = {}
    ignored = []
    for path in _top_level_files(processed_dir):
        name = path.name
        if not is_processed_file(name):
            ignored.append(name)
            continue
        digest = _readable_sha256(path)
        cached = cache.get(name)
        if (
            isinstance(cached, dict)
            and cached.get("sha256") == digest
            and cached.get("split") == SPLIT_FORMAT
        ):
            files[name] = cached
            continue
        files[name] = {"sha256": digest, "split": SPLIT_FORMAT, **_split_by_theme(path)}
    version = sha256_json([[name, info["sha256"]] for name, info in sorted(files.items())])
    return DataState(files=files, version=version, ignored=tuple(ignored))


def _top_level_files(folder: Path) -> list[Path]:
    """Regular files directly in ``folder`` (processed tables have no subfolders), minus litter."""
    if not folder.is_dir():
        return []
    try:
        return sorted(p for p in folder.iterdir() if not _IGNORED_NAME.search(p.name) and p.is_file())
    except OSError as exc:
        raise errors.OutputError(
            f"cannot read the processed data: {exc.strerror or exc} ({errors.relative_name(folder)})"
        ) from None


def is_processed_file(name: str) -> bool:
    """True for a file the processed-data contract defines (``indicators.parquet``, …)."""
    stem, dot, suffix = name.rpartition(".")
    return "/" not in name and stem in config.PROCESSED_TABLES and dot + suffix in config.PROCESSED_SUFFIXES


def _readable_sha256(path: Path) -> str:
    """The file's hash; a folder that cannot be read at all (``/proc``, no rights) is exit 4."""
    try:
        return file_sha256(path)
    except OSError as exc:
        raise errors.OutputError(
            f"cannot read the processed data: {exc.strerror or exc} ({errors.relative_name(path)})"
        ) from None


def _split_by_theme(path: Path) -> dict[str, Any]:
    """The per-theme hashes of a table, or ``{"unreadable": why}`` if it cannot be read as one."""
    try:
        if path.suffix == ".parquet":
            return _split_parquet(path)
        if path.suffix == ".csv":
            return _split_csv(path)
    except (OSError, ValueError, TypeError, NotImplementedError, csv.Error) as exc:  # Arrow errors too
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {"unreadable": f"{type(exc).__name__}: {reason}"[:200]}
    return {}


# How rows are grouped: by theme, and by place and year where a table has them, and by indicator
# where it has one (see slice_key). A new format re-splits every cached file.
SPLIT_FORMAT = 3
SLICE_COLUMNS = ("region_code", "year")
INDICATOR_COLUMN = "indicator_id"


def slice_key(
    theme: object, region_code: object = None, year: object = None, indicator: object = None
) -> str:
    """The group a row's hash is filed under: ``theme``, ``theme|region_code|year`` or
    ``theme|region_code|year|indicator_id``."""
    theme = "<null>" if theme is None else str(theme)
    if region_code is None:
        return theme
    return (
        f"{theme}|{region_code}|{year}" if indicator is None else f"{theme}|{region_code}|{year}|{indicator}"
    )


def _group_columns(names: list[str]) -> list[str]:
    """The columns a table's rows are grouped by: theme, then place and year, then indicator."""
    if not all(c in names for c in SLICE_COLUMNS):
        return ["theme"]
    return ["theme", *SLICE_COLUMNS, *([INDICATOR_COLUMN] if INDICATOR_COLUMN in names else [])]


def _split_parquet(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if "theme" not in table.column_names:
        return _no_theme(path)
    schema = sha256_json([[field.name, str(field.type)] for field in table.schema])
    columns = _group_columns(table.column_names)
    grouped: dict[str, list[list[Any]]] = {}
    for row in table.to_pylist():
        grouped.setdefault(slice_key(*(row[c] for c in columns)), []).append(list(row.values()))
    return {"schema": schema, "themes": {key: sha256_json(rows) for key, rows in grouped.items()}}


def _no_theme(path: Path) -> dict[str, Any]:
    if path.stem in config.THEMED_TABLES:
        return {"unreadable": "wrong schema: no 'theme' column"}
    return {}


def _split_csv(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or "theme" not in header:
        return _no_theme(path)
    columns = [header.index(c) for c in _group_columns(header)]
    grouped: dict[str, list[list[str]]] = {}
    for row in reader:
        if len(row) > max(columns):
            grouped.setdefault(slice_key(*(row[c] for c in columns)), []).append(row)
    return {
        "schema": sha256_json(header),
        "themes": {theme: sha256_json(rows) for theme, rows in grouped.items()},
    }
