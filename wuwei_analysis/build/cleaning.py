"""The build's cleaning step: which cleaner runs, running it, and refusing unreadable processed data."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wuwei_analysis import errors
from wuwei_analysis.build import inputs
from wuwei_analysis.build.folders import within
from wuwei_analysis.build.progress import Progress


def refuse_unreadable(data: inputs.DataState, processed: Path) -> None:
    """Processed files that are still unreadable (no cleaner ran) stop the build with exit 2."""
    problems = [
        errors.Problem(
            errors.relative_name(processed / name),
            rule="unreadable processed file",
            value=why,
            hint="run `wuwei clean` (or build without --no-clean) to make it again from raw",
        )
        for name, why in data.unreadable().items()
    ]
    if problems:
        raise errors.DataError(problems)


def cleaner(clean_fn: Callable[[Path, Path], Any] | None, progress: Progress):
    """The cleaner to run: the one given, else wuwei_analysis.tables.clean (None if not installed)."""
    if clean_fn is not None:
        return clean_fn
    try:
        from wuwei_analysis.tables.clean import clean
    except ModuleNotFoundError as exc:
        if exc.name != "wuwei_analysis.tables.clean":
            raise
        progress.note(
            "clean  skipped (wuwei_analysis.tables.clean is not available); using the processed data"
        )
        return None
    return clean


def run_cleaner(
    clean_fn: Callable[[Path, Path], Any], raw_dir: Path, processed: Path, reason: str, progress: Progress
) -> None:
    """Run the cleaner, saying so; raw-data problems pass through (exit 2), unwritable output is exit 4."""
    progress.note(f"clean  running ({reason})")
    started = time.monotonic()
    try:
        clean_fn(raw_dir, processed)
    except errors.DataError:
        progress.note("clean  FAILED: the raw data has problems; nothing was published")
        raise
    except OSError as exc:
        if exc.errno in errors.OUTPUT_ERRNOS or (exc.filename and within(exc.filename, processed)):
            where = errors.relative_name(exc.filename or processed)
            raise errors.OutputError(
                f"cannot write processed data to {where}: {exc.strerror or exc}"
            ) from None
        raise
    progress.note(f"clean  done in {time.monotonic() - started:.1f}s")
