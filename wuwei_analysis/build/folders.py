"""The layout of ``reports/`` and the two guards every write into it goes through.

Layout (what readers open; each top-level name is a link into ``current/``, see
:mod:`wuwei_analysis.build.edition`)::

    index.html                 the landing page: source, scope, headline figures, every report
    manifest.json              input hashes, parameters, durations and status per notebook
    <lang>/<theme>.html        the shared report: no code, offline, images embedded
    <lang>/<theme>.ipynb       the executed notebook, for analysts
    <lang>/figures/            chart files the notebooks saved
    _failed/<lang>/<theme>.ipynb   the last failed run, with papermill's error banner
    .data/<data-hash>/         read-only snapshots of the processed data, one per data version:
                               what the notebooks read (``processed_dir``); the previous one is
                               the summary's ``previous_dir``, for "what changed"
    current                    link to the edition readers see: ``.site/<build-id>``
    .site/<build-id>/          editions: whole copies of the names above (unchanged files
                               hard-linked); the current and the previous one are kept
    .staging/<build-id>/       a running build's work; removed when it ends
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from wuwei_analysis import errors

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".wuwei-build.lock"
STAGING_NAME = ".staging"
SNAPSHOTS_NAME = ".data"
FAILED_NAME = "_failed"


@contextlib.contextmanager
def writing(reports: Path, action: str) -> Iterator[None]:
    """Turn a failed write (read-only, full, not a folder) into a clear :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in errors.OUTPUT_ERRNOS:
            raise
        reason = exc.strerror or str(exc)
        where = errors.relative_name(exc.filename) if exc.filename else errors.relative_name(reports)
        raise errors.OutputError(f"cannot {action}: {reason} ({where})") from None


def inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it stays inside ``root`` (no parameter may lead elsewhere)."""
    resolved_root = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(path))
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise errors.ParameterError(f"refusing to write outside {errors.relative_name(root)}: {path}")
    return path


def within(path: Path | str, folder: Path | str) -> bool:
    """True when ``path`` is ``folder`` or lies inside it (symbolic links resolved)."""
    resolved, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return resolved == root or root in resolved.parents


def misplaced_outputs(raw: Path | str, processed: Path | str | None, reports: Path | str | None) -> list[str]:
    """Why these output folders would damage an input: inside the raw folder, or reports inside
    the processed folder (every build would then see its own reports as changed data)."""
    problems = []
    for flag, folder in (("--out-dir/--processed-dir", processed), ("--reports-dir", reports)):
        if folder is not None and within(folder, raw):
            problems.append(
                f"{flag} {errors.relative_name(folder)} is inside the raw data folder "
                f"{errors.relative_name(raw)}, which the tool never writes; choose a folder outside it"
            )
    if processed is not None and reports is not None and within(reports, processed):
        problems.append(
            f"--reports-dir {errors.relative_name(reports)} is inside the processed data folder "
            f"{errors.relative_name(processed)}; choose a folder outside it"
        )
    return problems
