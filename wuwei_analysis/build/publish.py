"""Putting a build's results on the site: reports, failed runs, figures and data editions.

Every finished report is published with ``os.replace`` from the build's staging folder (the
figures, the ``.ipynb``, then the ``.html``), so a reader sees the previous report or the new
one, never half of one. A failed run's notebook is kept under ``_failed/`` and the previous
report stays published.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from wuwei_analysis import errors
from wuwei_analysis.build import inputs
from wuwei_analysis.build.folders import EDITIONS_NAME, FAILED_NAME, STAGING_NAME, inside, writing
from wuwei_analysis.build.manifest import Entry, Failure, Published
from wuwei_analysis.build.plan import Job
from wuwei_analysis.build.progress import now
from wuwei_analysis.build.task import Result, Task
from wuwei_analysis.files import file_sha256


def publish(reports: Path, job: Job, task: Task, result: Result) -> Entry:
    """Move a successful run's files into ``reports/`` and describe them; OutputError if it cannot."""
    lang_dir = reports / job.lang
    figures_from = Path(task.task_dir) / job.lang / "figures"
    html_target = inside(reports, lang_dir / f"{job.theme}.html")
    ipynb_target = inside(reports, lang_dir / f"{job.theme}.ipynb")
    with writing(reports, f"publish {job.label}"):
        html_sha = file_sha256(Path(result.html))
        ipynb_sha = file_sha256(Path(result.ipynb))
        figures = []
        for rel in result.figures:
            target = inside(reports, lang_dir / "figures" / rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(figures_from / rel, target)
            figures.append(target.relative_to(reports).as_posix())
        lang_dir.mkdir(parents=True, exist_ok=True)
        os.replace(result.ipynb, ipynb_target)
        os.replace(result.html, html_target)
        (reports / FAILED_NAME / job.lang / f"{job.theme}.ipynb").unlink(missing_ok=True)
    published = Published(
        key=job.key,
        inputs=job.components,
        parameters=job.key_parameters,
        notebook=errors.relative_name(job.notebook.path),
        built_at=task.built_at,
        duration_s=round(result.duration, 2),
        attempts=result.attempts,
        data_version=job.components["data"][:12],
        html=html_target.relative_to(reports).as_posix(),
        ipynb=ipynb_target.relative_to(reports).as_posix(),
        html_sha256=html_sha,
        ipynb_sha256=ipynb_sha,
        figures=tuple(figures),
    )
    return Entry(job.theme, job.lang, published)


def remove_stale_figures(reports: Path, old: tuple[str, ...], claimed: set[str]) -> None:
    """Delete the figures a report no longer saves, unless another report still claims them."""
    for rel in old:
        if rel not in claimed:
            with contextlib.suppress(OSError):
                inside(reports, reports / rel).unlink()


def keep_failed_notebook(reports: Path, job: Job, result: Result) -> str | None:
    """Move a failed run's notebook to ``_failed/<lang>/<theme>.ipynb``; its path, if there was one."""
    if not result.ipynb or not Path(result.ipynb).is_file():
        return None
    target = inside(reports, reports / FAILED_NAME / job.lang / f"{job.theme}.ipynb")
    with writing(reports, "keep the failed notebook"):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(result.ipynb, target)
    return target.relative_to(reports).as_posix()


def failure_entry(job: Job, old: Entry | None, result: Result, kept_at: str | None) -> Entry:
    """The entry of a failed job: the report still on the site (if any) and this failure."""
    failure = Failure(
        error=result.error or "failed",
        error_kind=result.kind or "error",
        failed_at=now(),
        failed_key=job.key,
        failed_duration_s=round(result.duration, 2),
        failed_ipynb=kept_at,
    )
    return Entry(job.theme, job.lang, old.published if old else None, failure)


def rotate_editions(reports: Path, processed: Path, staging: Path, version: str, keep: set[str]) -> None:
    """Keep the processed data of this edition (and of the one before) for "what changed"."""
    editions = reports / EDITIONS_NAME
    target = editions / version
    with writing(reports, "keep a copy of the processed data"):
        if not target.is_dir():
            copy = staging / "edition"
            copy.mkdir()
            for path in inputs.input_files(processed):
                dest = copy / path.relative_to(processed)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
            editions.mkdir(exist_ok=True)
            os.replace(copy, target)
        for old in editions.iterdir():
            if old.name not in keep | {version}:
                shutil.rmtree(old, ignore_errors=True)


def keep_worker_log(staging: Path, reports: Path) -> None:
    """Kernel and worker messages explain a dead kernel: keep them beside the failed runs."""
    log = staging / "workers.log"
    if log.is_file() and log.stat().st_size:
        with contextlib.suppress(OSError):
            (reports / FAILED_NAME).mkdir(exist_ok=True)
            os.replace(log, reports / FAILED_NAME / "workers.log")


def clear_staging(reports: Path) -> None:
    """Remove what killed builds left in ``.staging`` (the caller holds the lock: nobody uses it)."""
    staging = reports / STAGING_NAME
    if staging.is_dir():
        for leftover in staging.iterdir():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
