"""`wuwei build`: clean → every theme × language → summary → HTML → ``reports/index.html``.

Safe to run unattended:

- **Incremental.** A notebook runs again only when an input changed (see
  :mod:`wuwei_analysis.build.plan`, which decides and says why); ``--force`` runs everything.
- **Parallel.** Notebooks run through papermill's Python API in a pool of worker processes
  (:mod:`wuwei_analysis.build.pool`); a kernel that fails to start is retried.
- **Isolated failures.** A notebook that raises, runs past ``--timeout`` or kills its kernel is
  kept under ``reports/_failed/<lang>/<theme>.ipynb`` with an error banner; the previous good
  report stays published; the others carry on; the exit status is 1.
- **One switch.** Every run writes into ``reports/.staging/<build-id>/``; each finished report
  is moved into a new edition of the site (:mod:`wuwei_analysis.build.publish`), which holds
  every unchanged file too (hard links); the index and manifest are written into it last, then
  ``reports/current`` is switched to it with one ``os.replace``
  (:mod:`wuwei_analysis.build.edition`). A build killed at any moment leaves the site as it was.
- **Nothing left running.** A watchdog (:mod:`wuwei_analysis.build.watchdog`) starts before
  the worker pool; when the build ends — finished, Ctrl-C, SIGTERM, SIGKILL — it kills the
  forkserver, the resource tracker, every worker and every kernel. SIGTERM (what cron's
  ``timeout`` sends) is handled like Ctrl-C: the build stops cleanly and exits 143 (130 for
  Ctrl-C).
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
import signal
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from wuwei_analysis import __version__, config, errors
from wuwei_analysis.build import cleaning, edition, inputs, plan, publish, slices
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
        with _sigterm_as_interrupt():
            return _Build(options, log).run()
    except errors.WuweiError as exc:
        print(f"wuwei build: {errors.printable_lines(str(exc))}", file=log, flush=True)
        return exc.exit_status
    except KeyboardInterrupt as exc:
        status = errors.EXIT_TERMINATED if isinstance(exc, errors.Terminated) else errors.EXIT_INTERRUPTED
        print(
            f"wuwei build: interrupted ({'SIGTERM' if status == errors.EXIT_TERMINATED else 'SIGINT'}); nothing half-published",
            file=log,
            flush=True,
        )
        return status


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Inside the body, SIGTERM raises :class:`errors.Terminated` (a KeyboardInterrupt).

    So ``timeout``, ``kill`` and systemd stop a build the way Ctrl-C does: the pool is stopped,
    staging removed, the lock released, the watchdog swept. Only the main thread can set it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one clean stop; a second TERM waits for it
        raise errors.Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Build:
    """One build: its options, staging folder, worker pool and the site it updates."""

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
        self.pool = WorkerPool(self.staging / "workers.log", self.staging / "charts")
        self.workers = 0
        self.data_version = ""  # the snapshot the notebooks read (each page's wuwei-data-version)

    def run(self) -> int:
        check_options(self.options)
        notebooks = plan.read_notebooks(Path(self.options.notebooks_dir), self.options.themes)
        check_extra_parameters(self.options, notebooks)
        if self.options.dry_run:  # reads only: no lock, no staging, nothing written
            return self._run_locked(notebooks)
        with writing(self.reports, "create the reports folder"):
            self.reports.mkdir(parents=True, exist_ok=True)
        from wuwei_analysis.build import (
            watchdog,
        )  # here: subprocess brings fcntl, which check and clean need not

        interrupted: type[KeyboardInterrupt] | None = None
        with build_lock(self.reports), watchdog.watched():  # before any pool or forkserver exists
            try:
                publish.clear_staging(self.reports)
                with writing(self.reports, "write to the reports folder"):
                    self.staging.mkdir(parents=True)
                    (self.staging / "probe").write_bytes(b"ok")
                return self._run_locked(notebooks)
            except KeyboardInterrupt as exc:
                # Dropped here, not re-raised: its traceback's frames would keep the pool's queues
                # alive past the watchdog's sweep, which kills the resource tracker they need.
                interrupted = type(exc)
            finally:
                self.pool.stop(wait=False)
                shutil.rmtree(self.staging, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.reports / STAGING_NAME).rmdir()
        raise interrupted()

    def _run_locked(self, notebooks: dict[str, inputs.NotebookInfo]) -> int:
        opts = self.options
        manifest = read_manifest(self.reports / MANIFEST_NAME, self.progress.note)
        stored = {"complete": manifest.get("complete"), "data_files": manifest.get("data_files")}
        found = Inputs(
            data=inputs.scan_processed(self.processed, cache=manifest.get("data_files")),
            library=inputs.library_hash(),
            reference=inputs.tree_hash(config.REFERENCE_DIR),
            packages=inputs.package_versions(),
        )
        if found.data.ignored:
            names = ", ".join(found.data.ignored[:5]) + (", …" if len(found.data.ignored) > 5 else "")
            self.progress.note(f"note   ignoring {names} in the processed folder: not processed tables")
        clean_record, found, clean_ran = self._clean(manifest, found)
        if not found.data.files:
            where = errors.relative_name(self.processed)
            raise errors.DataError(
                [errors.Problem(where, rule="no processed data", hint="run the clean step")]
            )
        cleaning.refuse_unreadable(found.data, self.processed)
        found, snapshot = self._snapshot(found, manifest)
        data = found.data
        if not opts.dry_run:
            edition.tidy(self.reports, manifest.get("previous_edition"), self.staging)
        self.data_version = data.version
        found = replace(found, previous_version=plan.previous_version(manifest.fields, data, self.reports))
        stored_previous = manifest.get("previous_data_files")
        found = replace(
            found, previous_data=plan.previous_data(found.previous_version, self.reports, stored_previous)
        )
        parts = slices.choose(slices.data_slices(data), opts.regions, opts.years)
        jobs = plan.plan(notebooks, found, manifest.entries, opts, snapshot, self.reports, parts)
        site = publish.Site(self.reports, self.staging, manifest, self.progress, self.build_id)
        site.total = len(jobs)
        for job in jobs:
            if job.action == "skip":
                site.counts["skipped"] += 1
                site.line(job, "skip", f"({job.reason})")
            elif opts.dry_run:
                site.line(
                    job, "plan", f"{'would run' if job.action == 'run' else 'cannot run'} ({job.reason})"
                )
        if opts.dry_run:
            would = sum(j.action != "skip" for j in jobs)
            self.progress.note(f"dry run: {would} of {len(jobs)} notebooks would run")
            return errors.EXIT_OK

        manifest.fields.update(
            build_id=self.build_id,
            started_at=self.started_at,
            complete=False,
            current_data_version=data.version,
            data_files=data.files,
            previous_data_files={"version": found.previous_version, "files": found.previous_data.files}
            if found.previous_data
            else None,
            clean=clean_record,
            library_hash=found.library,
            reference_hash=found.reference,
            packages=found.packages,
        )
        for job in jobs:
            if job.action == "fail":
                site.record_failure(job, failed("notebook", job.reason))
        to_run = [job for job in jobs if job.action == "run"]
        if to_run:
            places = [(job.part.region, job.part.year) for job in to_run]
            validate_parameters(opts, snapshot, self.reports, places)
            self._execute(to_run, site)

        failed_any = site.counts["failed"] > 0
        changed = clean_ran or bool(to_run) or any(job.action == "fail" for job in jobs)
        if not failed_any and data.version != manifest.get("data_version"):
            site.new_edition(data.version, snapshot)  # its CSVs are published as data/
            changed = True
        # A no-op build writes nothing, unless the last build was cut short or files are missing.
        if (
            changed
            or not stored["complete"]
            or stored["data_files"] != data.files
            or not (self.reports / INDEX_NAME).is_file()
        ):
            if failed_any:
                publish.keep_worker_log(self.staging, site.root)
            site.finish(**_build_record(self.options, self.started, self.workers))
            site.switch()  # readers see the new edition from here on, all of it at once

        counts = site.counts
        self.progress.note(
            f"{len(jobs)} notebooks: {counts['ran']} ran, {counts['skipped']} skipped, {counts['failed']} "
            f"failed in {time.monotonic() - self.started:.1f}s (data version {data.version[:12]})"
        )
        if site.output_error:
            raise errors.OutputError(site.output_error)
        return errors.EXIT_FAILED if failed_any else errors.EXIT_OK

    def _clean(self, manifest: Manifest, found: Inputs) -> tuple[dict[str, Any], Inputs, bool]:
        """Run the cleaner if its inputs changed: the clean record, the inputs after it, whether it ran."""
        opts = self.options
        kept = dict(manifest.get("clean") or {})
        if not opts.clean:
            return kept, found, False
        record, reason = plan.clean_decision(opts.raw_dir, opts.clean_fn, opts.force, kept, found)
        damaged = found.data.unreadable()
        if damaged:  # derived data heals: re-clean it from raw, whatever the record says
            name, why = next(iter(damaged.items()))
            reason = f"{name} is unreadable ({why}); re-cleaning from raw"
        if not reason:
            self.progress.note("clean  skipped (raw data unchanged)")
            return record, found, False
        if opts.dry_run:
            self.progress.note(f"clean  would run ({reason}); the plan below uses the current processed data")
            return record, found, False
        clean_fn = cleaning.cleaner(opts.clean_fn, self.progress)
        if clean_fn is None:
            return kept, found, False  # no cleaner to run: keep the record of the last real run
        self.pool.start(pool_size(opts.jobs, len(opts.themes) * len(opts.langs)), warm=True)
        cleaning.run_cleaner(clean_fn, Path(opts.raw_dir), self.processed, reason, self.progress)
        data = inputs.scan_processed(self.processed, cache=manifest.get("data_files"))
        record["outputs"] = {name: info["sha256"] for name, info in data.files.items()}
        record["ran_at"] = now()
        return record, replace(found, data=data), True

    def _snapshot(self, found: Inputs, manifest: Manifest) -> tuple[Inputs, Path]:
        """Freeze the processed data the plan hashed into ``reports/.data/<version>/``.

        Notebooks read the snapshot, not the processed folder, so a ``wuwei clean`` or another
        build that rewrites the processed folder meanwhile cannot change what a report shows:
        the manifest's data version is the content of the folder they read. If the files
        changed between the scan and the copy, the folder is scanned again.
        """
        for _ in range(SNAPSHOT_ATTEMPTS):
            try:
                return found, publish.snapshot_data(self.processed, found.data, self.reports, self.staging)
            except publish.DataChanged as exc:
                self.progress.note(f"note   {exc}; scanning the processed data again")
                data = inputs.scan_processed(self.processed, cache=manifest.get("data_files"))
                cleaning.refuse_unreadable(data, self.processed)
                found = replace(found, data=data)
        raise errors.WuweiError(
            f"the processed data in {errors.relative_name(self.processed)} kept changing during the "
            "build (is a `wuwei clean` running?); run the build again when it is done"
        )

    def _execute(self, to_run: list[Job], site: publish.Site) -> None:
        entries = site.manifest.entries

        def last_duration(job: Job) -> float:  # longest first, so that a slow notebook is not last
            entry = entries.get(job.id)
            return -(entry.published.duration_s if entry and entry.published else 1e9)

        tasks: dict[str, Task] = {}

        def make_task(job: Job) -> Task:
            tasks[job.id] = _task(job, self.staging, self.reports, self.options, self.data_version)
            site.line(job, "run", f"({job.reason})")
            return tasks[job.id]

        def finished(job: Job, result: Result) -> None:
            site.finished(job, tasks[job.id], result)

        self.workers = pool_size(self.options.jobs, len(to_run))
        self.pool.run_all(sorted(to_run, key=last_duration), self.workers, make_task, finished)


SNAPSHOT_ATTEMPTS = 3  # scans of a processed folder that another process keeps rewriting


# --- small helpers ---------------------------------------------------------------------------


def _build_record(options: BuildOptions, started: float, workers: int) -> dict[str, Any]:
    """What the finished manifest says about this build."""
    return {
        "tool": f"wuwei_analysis {__version__}",
        "finished_at": now(),
        "duration_s": round(time.monotonic() - started, 2),
        "options": {
            "langs": list(options.langs),
            "themes": list(options.themes),
            "regions": list(options.regions),
            "years": list(options.years),
            "parameters": options.parameters,
            "jobs": options.jobs,
            "workers": workers,
            "timeout": options.timeout,
            "force": options.force,
            "fresh_kernels": options.fresh_kernels,
        },
    }


def _task(job: Job, staging: Path, reports: Path, options: BuildOptions, snapshot: str = "") -> Task:
    """The worker's task for a job: run in its own staging folder, published from there."""
    task_dir = staging / "runs" / f"{job.lang}-{job.part.region}-{job.part.year}-{job.theme}"
    parameters = dict(job.parameters)
    if "reports_dir" in job.notebook.parameters:
        parameters["reports_dir"] = str(task_dir)
    built_at = now()
    context = build_site.report_context(
        job.theme,
        job.lang,
        job.part.region,
        job.part.year,
        pages=list(job.pages) or plan.site_pages(options),  # the list the job's "pages" hash was made from
    )
    context["data_version"] = snapshot  # the page's <meta name="wuwei-data-version">
    return Task(
        theme=job.theme,
        lang=job.lang,
        notebook=str(job.notebook.path),
        parameters=parameters,
        task_dir=str(task_dir),
        reports_dir=str(reports),
        ipynb=str(task_dir / f"{job.theme}.ipynb"),
        html=str(task_dir / f"{job.theme}.html"),
        timeout=options.timeout,
        html_context=context,
        folder=job.folder,
        built_at=built_at,
        kernel_runs=0 if options.fresh_kernels else options.kernel_runs,
    )


if __name__ == "__main__":
    sys.exit(main())
