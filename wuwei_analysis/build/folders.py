"""The layout of ``reports/`` and the two guards every write into it goes through.

Layout::

    index.html                 every report per language, build time, data version, status
    manifest.json              input hashes, parameters, durations and status per notebook
    <lang>/<theme>.html        the shared report: no code, offline, images embedded
    <lang>/<theme>.ipynb       the executed notebook, for analysts
    <lang>/figures/            chart files the notebooks saved
    _failed/<lang>/<theme>.ipynb   the last failed run, with papermill's error banner
    .editions/<data-hash>/     processed data of the current and previous edition (the summary's
                               ``previous_dir``, for "what changed")
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
EDITIONS_NAME = ".editions"
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
