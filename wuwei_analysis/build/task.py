"""What the build asks a worker process to do, and what the worker reports back.

Both are frozen dataclasses of plain values, so they pickle through ``multiprocessing``; this
module imports nothing heavy (the build process never loads papermill).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Task:
    """One notebook run: papermill into ``task_dir``, then HTML beside it.

    ``task_dir`` is this run's staging folder, passed to the notebook as ``reports_dir``;
    ``reports_dir`` is where it will be published (the kept notebook names it, not the
    staging folder); ``ipynb`` and ``html`` are the staging output paths; ``timeout`` is the
    longest a cell may run (seconds); ``html_context`` is the page header and footer (see
    :func:`wuwei_analysis.build.export.render_report`).
    """

    theme: str
    lang: str
    notebook: str
    parameters: Mapping[str, Any]
    task_dir: str
    reports_dir: str
    ipynb: str
    html: str
    timeout: float
    html_context: Mapping[str, Any]
    built_at: str = ""
    start_timeout: float | None = None  # seconds for a kernel to answer; None: the worker's default
    folder: str = ""  # the report's folder under reports/ (``zh/620600/2025``); figures go under it
    kernel_runs: int = (
        0  # > 0: the worker's warm kernel, fresh after this many notebooks; 0: a kernel of its own
    )


@dataclass(frozen=True)
class Result:
    """How a run went. ``kind`` says why it failed: ``error`` (a cell raised), ``timeout``,
    ``kernel-died``, ``kernel-start``, ``output`` (the output folder is unusable), ``worker``
    (the worker process died) or ``notebook`` (the notebook cannot run at all)."""

    status: str  # "ok" or "failed"
    kind: str = ""
    error: str = ""
    duration: float = 0.0
    attempts: int = 1
    ipynb: str = ""  # the executed (or partly executed) notebook, when there is one
    html: str = ""
    figures: tuple[str, ...] = field(default_factory=tuple)  # relative to the task's figures folder

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def failed(kind: str, error: str, duration: float = 0.0) -> Result:
    """A failed :class:`Result` with no notebook to keep."""
    return Result(status="failed", kind=kind, error=error, duration=duration)
