"""Putting a build's results into a new edition of the site: reports, failed runs, figures.

Every finished report is moved with ``os.replace`` from the build's staging folder (the
figures, the ``.ipynb``, then the ``.html``) into the edition this build assembles
(:mod:`wuwei_analysis.build.edition`); readers see it only when the build switches
``reports/current`` to that edition, all reports at once. A failed run's notebook is kept under
``_failed/`` and the previous report stays in the edition. :class:`Site` records each outcome in
the edition's manifest as it happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from wuwei_analysis import errors, site_paths
from wuwei_analysis.build import edition, inputs, site_index
from wuwei_analysis.build.folders import (
    FAILED_NAME,
    INDEX_NAME,
    MANIFEST_NAME,
    SNAPSHOTS_NAME,
    STAGING_NAME,
    inside,
    writing,
)
from wuwei_analysis.build.manifest import Entry, Failure, Manifest, Published
from wuwei_analysis.build.plan import Job
from wuwei_analysis.build.progress import Progress, now
from wuwei_analysis.build.task import Result, Task, failed
from wuwei_analysis.files import atomic_write_bytes, file_sha256, sha256_bytes, stat_key


def publish(reports: Path, job: Job, task: Task, result: Result) -> Entry:
    """Move a successful run's files into ``reports/`` and describe them; OutputError if it cannot."""
    lang_dir = reports / job.folder  # reports/<lang>/<region>/<year>/: places and years kept apart
    figures_from = Path(task.task_dir) / job.folder / "figures"
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
        stats = stat_key(html_target), stat_key(ipynb_target)
        (reports / FAILED_NAME / job.folder / f"{job.theme}.ipynb").unlink(missing_ok=True)
    published = Published(
        key=job.key,
        inputs=job.components,
        parameters=job.key_parameters,
        notebook=errors.relative_name(job.notebook.path),
        built_at=task.built_at,
        duration_s=round(result.duration, 2),
        attempts=result.attempts,
        data_version=job.components["data"][:12],
        snapshot=(task.html_context or {}).get("data_version", ""),
        html=html_target.relative_to(reports).as_posix(),
        ipynb=ipynb_target.relative_to(reports).as_posix(),
        html_sha256=html_sha,
        ipynb_sha256=ipynb_sha,
        html_stat=stats[0],
        ipynb_stat=stats[1],
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
    """Move a failed run's notebook to ``_failed/<lang>/<region>/<year>/<theme>.ipynb``; its path, if any."""
    if not result.ipynb or not Path(result.ipynb).is_file():
        return None
    target = inside(reports, reports / FAILED_NAME / job.folder / f"{job.theme}.ipynb")
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


class DataChanged(Exception):
    """A processed file's bytes are not those the build hashed (another process rewrote it)."""


def snapshot_data(processed: Path, data: inputs.DataState, reports: Path, staging: Path) -> Path:
    """``reports/.data/<version>/``: the processed files of ``data``, copied from the bytes hashed.

    Content-addressed and never changed once made (its files are read-only), so every report
    built from it shows the data version its manifest records. :class:`DataChanged` when a file
    no longer has the hash the scan found.
    """
    target = reports / SNAPSHOTS_NAME / data.version
    if target.is_dir():
        return target
    copy = staging / f"snapshot-{data.version[:12]}"
    try:
        with writing(reports, "keep a snapshot of the processed data"):
            copy.mkdir()
            for name, info in sorted(data.files.items()):
                try:
                    payload = (processed / name).read_bytes()
                except FileNotFoundError:
                    raise DataChanged(f"{name} disappeared while the build read it") from None
                if sha256_bytes(payload) != info["sha256"]:
                    raise DataChanged(f"{name} changed while the build read it")
                (copy / name).write_bytes(payload)
                (copy / name).chmod(0o444)
            target.parent.mkdir(exist_ok=True)
            os.replace(copy, target)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return target


def prune_snapshots(reports: Path, keep: set[str]) -> None:
    """Delete the data snapshots that neither the current nor the previous edition uses."""
    folder = reports / SNAPSHOTS_NAME
    if folder.is_dir():
        for old in folder.iterdir():
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def keep_worker_log(staging: Path, root: Path) -> None:
    """Kernel and worker messages explain a dead kernel: keep them beside the failed runs."""
    log = staging / "workers.log"
    if log.is_file() and log.stat().st_size:
        with contextlib.suppress(OSError):
            (root / FAILED_NAME).mkdir(exist_ok=True)
            os.replace(log, root / FAILED_NAME / "workers.log")


def clear_staging(reports: Path) -> None:
    """Remove what killed builds left in ``.staging`` (the caller holds the lock: nobody uses it)."""
    staging = reports / STAGING_NAME
    if staging.is_dir():
        for leftover in staging.iterdir():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


class Site:
    """The new edition as one build assembles it: manifest entries, counts, the first output error.

    Each finished run is recorded here — published into the edition, or kept as a failure — and
    the edition's manifest is rewritten after each. The edition is made on the first write (a
    no-op build makes none) and becomes what readers see with :meth:`switch`.
    """

    def __init__(self, reports: Path, staging: Path, manifest: Manifest, progress: Progress, name: str = ""):
        self.reports = reports
        self.name = name or staging.name
        self._root: Path | None = None
        self.staging = staging
        self.manifest = manifest
        self.progress = progress
        self.counts = {"ran": 0, "skipped": 0, "failed": 0}
        self.output_error: str | None = None
        self.total = 0  # jobs in this build, for the progress lines

    @property
    def root(self) -> Path:
        """The folder of the new edition (assembled from the current one when first needed)."""
        if self._root is None:
            self._root = edition.start(self.reports, self.name)
        return self._root

    def switch(self) -> None:
        """Make the new edition the one readers see (nothing when this build wrote nothing)."""
        if self._root is not None:
            edition.switch(self.reports, self.name, self.staging)

    def line(self, job: Job, verb: str, detail: str, attempts: int = 1) -> None:
        self.progress.job(job.number, self.total, job.label, verb, detail, attempts)

    def finished(self, job: Job, task: Task, result: Result) -> None:
        """Publish a successful run, or record a failed one."""
        if result.ok:
            try:
                self._publish(job, task, result)
            except errors.OutputError as exc:
                self.output_error = str(exc)
                result = failed("output", str(exc), result.duration)
            else:
                self.counts["ran"] += 1
                # Recorded in the edition's manifest, which finish() writes once before the switch
                # (a build killed before it leaves an edition the next build deletes unread; writing
                # the whole manifest after each page grew with the build: 1.9 s for 84 pages, profiled).
                self.line(job, "ok", f"{result.duration:.1f}s", attempts=result.attempts)
                return
        if result.kind == "output" and not self.output_error:
            self.output_error = f"cannot write to {errors.relative_name(self.reports)}: {result.error}"
        self.record_failure(job, result)

    def _publish(self, job: Job, task: Task, result: Result) -> None:
        entries = self.manifest.entries
        old = entries.get(job.id)
        entries[job.id] = publish(self.root, job, task, result)
        claimed = {f for entry in entries.values() for f in entry.figures}
        remove_stale_figures(self.root, old.figures if old else (), claimed)

    def record_failure(self, job: Job, result: Result) -> None:
        """Keep the failed run's notebook and record the failure; the previous report stays."""
        self.counts["failed"] += 1
        try:
            kept_at = keep_failed_notebook(self.root, job, result)
        except errors.OutputError as exc:
            kept_at = None
            self.output_error = self.output_error or str(exc)
        entry = failure_entry(job, self.manifest.entries.get(job.id), result, kept_at)
        self.manifest.entries[job.id] = entry
        where = f" — kept in {errors.relative_name(self.reports / kept_at)}" if kept_at else ""
        self.line(job, "FAIL", f"{result.duration:.1f}s: {entry.failure.error}{where}")
        with contextlib.suppress(errors.OutputError):
            self.write_manifest()

    def new_edition(self, version: str, processed: Path | None = None) -> None:
        """Record this data version; keep its snapshot and the one before (for "what changed").

        ``processed`` (the data the notebooks read) is also published as ``data/`` for the landing page.
        """
        fields = self.manifest.fields
        prune_snapshots(self.reports, {version, fields.get("data_version") or ""})
        if processed is not None:
            self.publish_data(processed)
        fields["previous_data_version"] = fields.get("data_version") or None
        fields["data_version"] = version

    def publish_data(self, processed: Path) -> None:
        """The processed CSVs beside the site (``data/``), linked from the landing page."""
        for path in sorted(processed.glob("*.csv")):
            self._write(site_paths.data_path(path.name), path.read_bytes())

    def finish(self, **fields: Any) -> None:
        """Mark the manifest complete; write the index first and the manifest last."""
        entries = self.manifest.entries
        status = "failed" if any(e.status != "ok" for e in entries.values()) else "ok"
        previous = edition.current_edition(self.reports)
        self.manifest.fields.update(fields, complete=True, status=status, last_build=dict(self.counts))
        self.manifest.fields.update(edition=self.name, previous_edition=previous)
        index = site_index.render_index(self.manifest.to_json(), self.root / site_paths.DATA_DIR)
        self._write(INDEX_NAME, index.encode("utf-8"))
        self.write_manifest()

    def write_manifest(self) -> None:
        self._write(MANIFEST_NAME, self.manifest.to_bytes())

    def _write(self, name: str, data: bytes) -> None:
        with writing(self.reports, f"write {name}"):
            atomic_write_bytes(self.root / name, data, scratch=self.staging)
