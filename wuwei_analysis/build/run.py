"""`wuwei build`: clean → every theme × language → summary → HTML → ``reports/index.html``.

Safe to run unattended:

- **Incremental.** A notebook runs again only when an input changed (see
  :mod:`wuwei_analysis.build.plan`, which decides and says why); ``--force`` runs everything.
- **Parallel.** Notebooks run through papermill's Python API in a pool of worker processes
  (:mod:`wuwei_analysis.build.pool`); a kernel that fails to start is retried.
- **Isolated failures.** A notebook that raises, runs past ``--timeout`` or kills its kernel is
  kept under ``reports/_failed/<lang>/<theme>.ipynb`` with an error banner; the previous good
  report stays published; the others carry on; the exit status is 1.
- **Atomic.** Every run writes into ``reports/.staging/<build-id>/``; each finished report is
  published with ``os.replace`` (:mod:`wuwei_analysis.build.publish`); the manifest and index
  are replaced last. A build killed at any moment leaves complete files only, and the next build
  picks up where it stopped.
- **One at a time.** ``reports/.wuwei-build.lock`` (:mod:`wuwei_analysis.build.lock`) makes a
  second build refuse (:class:`~wuwei_analysis.errors.BuildBusyError`, exit 3).

The layout of ``reports/`` is described in :mod:`wuwei_analysis.build.folders`. The no-op path
(nothing changed) imports only the standard library and this package's light modules: it hashes
files and reads the manifest. pandas, papermill and nbconvert load in worker processes, and only
when a notebook has to run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from wuwei_analysis import __version__, config, errors
from wuwei_analysis.build import inputs, plan, publish
from wuwei_analysis.build import site_index as build_site
from wuwei_analysis.build.folders import INDEX_NAME, MANIFEST_NAME, STAGING_NAME, writing
from wuwei_analysis.build.lock import build_lock
from wuwei_analysis.build.manifest import Manifest, read_manifest
from wuwei_analysis.build.options import (
    BuildOptions,
    add_build_arguments,
    check_extra_parameters,
    check_options,
    options_from_args,
    validate_parameters,
)
from wuwei_analysis.build.plan import Inputs, Job
from wuwei_analysis.build.pool import WorkerPool, pool_size
from wuwei_analysis.build.progress import Progress, now
from wuwei_analysis.build.task import Result, Task, failed
from wuwei_analysis.files import atomic_write_bytes

__all__ = ["BuildOptions", "add_build_arguments", "main", "options_from_args", "run_build"]


def main(argv: list[str] | None = None) -> int:
    """``python -m wuwei_analysis.build.run``: the same as ``wuwei build``."""
    parser = argparse.ArgumentParser(prog="wuwei build", description=__doc__.splitlines()[0])
    add_build_arguments(parser)
    return run_build(options_from_args(parser.parse_args(argv)))


def run_build(options: BuildOptions) -> int:
    """Run a build; return the exit status (see :mod:`wuwei_analysis.errors`).

    0 everything published · 1 a notebook failed (its previous report stays) · 2 bad data or
    parameters (nothing published) · 3 another build holds the lock · 4 the output folder
    cannot be written.
    """
    log = options.log or sys.stderr
    try:
        return _Build(options, log).run()
    except errors.WuweiError as exc:
        print(f"wuwei build: {exc}", file=log, flush=True)
        return exc.exit_status


class _Build:
    """One build: its options, staging folder, manifest, worker pool and counts."""

    def __init__(self, options: BuildOptions, log: TextIO):
        self.options = options
        self.progress = Progress(log)
        self.reports = Path(options.reports_dir).absolute()
        self.processed = Path(options.processed_dir).absolute()
        self.build_id = (
            f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.staging = self.reports / STAGING_NAME / self.build_id
        self.started = time.monotonic()
        self.started_at = now()
        self.pool = WorkerPool(self.staging / "workers.log")
        self.workers = 0
        self.counts = {"ran": 0, "skipped": 0, "failed": 0}
        self.output_error: str | None = None
        self.manifest = Manifest()
        self.tasks: dict[str, Task] = {}
        self.total = 0

    # -- top level

    def run(self) -> int:
        check_options(self.options)
        notebooks = plan.read_notebooks(Path(self.options.notebooks_dir), self.options.themes)
        check_extra_parameters(self.options, notebooks)
        if self.options.dry_run:  # reads only: no lock, no staging, nothing written
            return self._run_locked(notebooks)
        with writing(self.reports, "create the reports folder"):
            self.reports.mkdir(parents=True, exist_ok=True)
        with build_lock(self.reports):
            publish.clear_staging(self.reports)
            with writing(self.reports, "write to the reports folder"):
                self.staging.mkdir(parents=True)
                (self.staging / "probe").write_bytes(b"ok")
            try:
                return self._run_locked(notebooks)
            finally:
                self.pool.stop(wait=False)
                shutil.rmtree(self.staging, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.reports / STAGING_NAME).rmdir()

    def _run_locked(self, notebooks: dict[str, inputs.NotebookInfo]) -> int:
        opts = self.options
        manifest = self.manifest = read_manifest(self.reports / MANIFEST_NAME, self.progress.note)
        stored = {"complete": manifest.get("complete"), "data_files": manifest.get("data_files")}
        found = Inputs(
            data=inputs.scan_processed(self.processed, cache=manifest.get("data_files")),
            library=inputs.library_hash(),
            reference=inputs.tree_hash(config.REFERENCE_DIR),
            packages=inputs.package_versions(),
        )
        clean_record, found, clean_ran = self._clean(found)
        if not found.data.files:
            problem = errors.Problem(
                errors.relative_name(self.processed), rule="no processed data", hint="run the clean step"
            )
            raise errors.DataError([problem])
        data = found.data
        found = replace(found, previous_version=plan.previous_version(manifest.fields, data, self.reports))
        jobs = plan.plan(notebooks, found, manifest.entries, opts, self.processed, self.reports)
        self.total = len(jobs)
        for job in jobs:
            if job.action == "skip":
                self.counts["skipped"] += 1
                self._line(job, "skip", f"({job.reason})")
            elif opts.dry_run:
                verb = "would run" if job.action == "run" else "cannot run"
                self._line(job, "plan", f"{verb} ({job.reason})")
        if opts.dry_run:
            self.progress.note(
                f"dry run: {sum(j.action != 'skip' for j in jobs)} of {len(jobs)} notebooks would run"
            )
            return errors.EXIT_OK

        manifest.fields.update(
            build_id=self.build_id,
            started_at=self.started_at,
            complete=False,
            current_data_version=data.version,
            data_files=data.files,
            clean=clean_record,
            library_hash=found.library,
            reference_hash=found.reference,
            packages=found.packages,
        )
        for job in jobs:
            if job.action == "fail":
                self._record_failure(job, failed("notebook", job.reason))
        to_run = [job for job in jobs if job.action == "run"]
        if to_run:
            validate_parameters(opts, self.processed, self.reports)
            self._execute(to_run)

        failed_any = self.counts["failed"] > 0
        changed = clean_ran or bool(to_run) or any(job.action == "fail" for job in jobs)
        if not failed_any and data.version != manifest.get("data_version"):
            self._rotate_editions(data)
            changed = True
        # A no-op build writes nothing, unless the last build was cut short or files are missing.
        if (
            changed
            or not stored["complete"]
            or stored["data_files"] != data.files
            or not (self.reports / INDEX_NAME).is_file()
        ):
            self._finish()
        if failed_any:
            publish.keep_worker_log(self.staging, self.reports)

        total = time.monotonic() - self.started
        self.progress.note(
            f"{len(jobs)} notebooks: {self.counts['ran']} ran, {self.counts['skipped']} skipped, "
            f"{self.counts['failed']} failed in {total:.1f}s (data version {data.version[:12]})"
        )
        if self.output_error:
            raise errors.OutputError(self.output_error)
        return errors.EXIT_FAILED if failed_any else errors.EXIT_OK

    # -- clean

    def _clean(self, found: Inputs) -> tuple[dict[str, Any], Inputs, bool]:
        """Run the cleaner if its inputs changed: the clean record, the inputs after it, whether it ran."""
        opts = self.options
        kept = dict(self.manifest.get("clean") or {})
        if not opts.clean:
            return kept, found, False
        record, reason = plan.clean_decision(opts.raw_dir, opts.clean_fn, opts.force, kept, found)
        if not reason:
            self.progress.note("clean  skipped (raw data unchanged)")
            return record, found, False
        if opts.dry_run:
            self.progress.note(f"clean  would run ({reason}); the plan below uses the current processed data")
            return record, found, False
        if not self._run_clean(reason, len(opts.themes) * len(opts.langs)):
            return kept, found, False  # no cleaner to run: keep the record of the last real run
        data = inputs.scan_processed(self.processed, cache=self.manifest.get("data_files"))
        record["outputs"] = {name: info["sha256"] for name, info in data.files.items()}
        record["ran_at"] = now()
        return record, replace(found, data=data), True

    def _run_clean(self, reason: str, notebooks: int) -> bool:
        fn = self.options.clean_fn
        if fn is None:
            try:
                from wuwei_analysis.tables.clean import clean as fn
            except ModuleNotFoundError as exc:
                if exc.name != "wuwei_analysis.tables.clean":
                    raise
                self.progress.note(
                    "clean  skipped (wuwei_analysis.tables.clean is not available); using the processed data"
                )
                return False
        self.pool.start(pool_size(self.options.jobs, notebooks), warm=True)  # start while cleaning
        self.progress.note(f"clean  running ({reason})")
        started = time.monotonic()
        try:
            fn(Path(self.options.raw_dir), self.processed)
        except errors.DataError:
            self.progress.note("clean  FAILED: the raw data has problems; nothing was published")
            raise
        except OSError as exc:
            if exc.errno in errors.OUTPUT_ERRNOS:
                raise errors.OutputError(
                    f"cannot write processed data to {errors.relative_name(self.processed)}: {exc.strerror or exc}"
                ) from None
            raise
        self.progress.note(f"clean  done in {time.monotonic() - started:.1f}s")
        return True

    # -- execution and publishing

    def _execute(self, to_run: list[Job]) -> None:
        entries = self.manifest.entries

        # Longest first (by last duration), so that a slow notebook does not start last.
        def last_duration(job: Job) -> float:
            entry = entries.get(job.id)
            return -(entry.published.duration_s if entry and entry.published else 1e9)

        pending = sorted(to_run, key=last_duration)
        self.workers = pool_size(self.options.jobs, len(to_run))
        self.pool.run_all(pending, self.workers, self._task, self._finish_job)

    def _task(self, job: Job) -> Task:
        task_dir = self.staging / "runs" / f"{job.lang}-{job.theme}"
        parameters = dict(job.parameters)
        if "reports_dir" in job.notebook.parameters:
            parameters["reports_dir"] = str(task_dir)
        built_at = now()
        context = build_site.report_context(
            job.theme,
            job.lang,
            self.options.region,
            self.options.year,
            build_site.display_time(built_at),
            job.components["data"][:12],
        )
        task = Task(
            theme=job.theme,
            lang=job.lang,
            notebook=str(job.notebook.path),
            parameters=parameters,
            task_dir=str(task_dir),
            reports_dir=str(self.reports),
            ipynb=str(task_dir / f"{job.theme}.ipynb"),
            html=str(task_dir / f"{job.theme}.html"),
            timeout=self.options.timeout,
            html_context=context,
            built_at=built_at,
        )
        self.tasks[job.id] = task
        self._line(job, "run", f"({job.reason})")
        return task

    def _finish_job(self, job: Job, result: Result) -> None:
        if result.ok:
            try:
                self._publish(job, self.tasks[job.id], result)
            except errors.OutputError as exc:
                self.output_error = str(exc)
                result = failed("output", str(exc), result.duration)
            else:
                self.counts["ran"] += 1
                self._write_manifest()  # before the line: "ok" means recorded
                self._line(job, "ok", f"{result.duration:.1f}s", attempts=result.attempts)
                return
        if result.kind == "output" and not self.output_error:
            self.output_error = f"cannot write to {errors.relative_name(self.reports)}: {result.error}"
        self._record_failure(job, result)

    def _publish(self, job: Job, task: Task, result: Result) -> None:
        entries = self.manifest.entries
        old = entries.get(job.id)
        entries[job.id] = publish.publish(self.reports, job, task, result)
        claimed = {f for entry in entries.values() for f in entry.figures}
        publish.remove_stale_figures(self.reports, old.figures if old else (), claimed)

    def _record_failure(self, job: Job, result: Result) -> None:
        self.counts["failed"] += 1
        try:
            kept_at = publish.keep_failed_notebook(self.reports, job, result)
        except errors.OutputError as exc:
            kept_at = None
            self.output_error = self.output_error or str(exc)
        entry = publish.failure_entry(job, self.manifest.entries.get(job.id), result, kept_at)
        self.manifest.entries[job.id] = entry
        where = f" — kept in {errors.relative_name(self.reports / kept_at)}" if kept_at else ""
        self._line(job, "FAIL", f"{result.duration:.1f}s: {entry.failure.error}{where}")
        with contextlib.suppress(errors.OutputError):
            self._write_manifest()

    def _line(self, job: Job, verb: str, detail: str, attempts: int = 1) -> None:
        self.progress.job(job.number, self.total, job.label, verb, detail, attempts)

    # -- editions, manifest, index

    def _rotate_editions(self, data: inputs.DataState) -> None:
        fields = self.manifest.fields
        keep = {fields.get("data_version") or ""}
        publish.rotate_editions(self.reports, self.processed, self.staging, data.version, keep)
        fields["previous_data_version"] = fields.get("data_version") or None
        fields["data_version"] = data.version

    def _finish(self) -> None:
        opts = self.options
        entries = self.manifest.entries
        self.manifest.fields.update(
            tool=f"wuwei_analysis {__version__}",
            finished_at=now(),
            duration_s=round(time.monotonic() - self.started, 2),
            complete=True,
            status="failed" if any(e.status != "ok" for e in entries.values()) else "ok",
            options={
                "langs": list(opts.langs),
                "themes": list(opts.themes),
                "region": opts.region,
                "year": opts.year,
                "parameters": opts.parameters,
                "jobs": opts.jobs,
                "workers": self.workers,
                "timeout": opts.timeout,
                "force": opts.force,
            },
            last_build=dict(self.counts),
        )
        index = build_site.render_index(self.manifest.to_json())
        # The index goes first and the manifest last: a manifest marked complete means both are.
        self._write(INDEX_NAME, index.encode("utf-8"))
        self._write_manifest()

    def _write_manifest(self) -> None:
        self._write(MANIFEST_NAME, self.manifest.to_bytes())

    def _write(self, name: str, data: bytes) -> None:
        with writing(self.reports, f"write {name}"):
            atomic_write_bytes(self.reports / name, data, scratch=self.staging)


if __name__ == "__main__":
    sys.exit(main())
