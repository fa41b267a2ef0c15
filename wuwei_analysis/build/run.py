"""`wuwei build`: clean → every theme notebook × language → summary → HTML → ``reports/index.html``.

Safe to run unattended:

- **Incremental.** A notebook runs again only when an input changed: the processed data it reads
  (its theme's rows; the summary reads everything), the notebook, the library code or reference
  data, its parameters, or the versions of the key packages. ``--force`` runs everything. Each
  decision is printed with its reason.
- **Parallel.** Notebooks run through papermill's Python API in a pool of worker processes
  (:mod:`wuwei_analysis.build.worker`); a kernel that fails to start is retried.
- **Isolated failures.** A notebook that raises, runs past ``--timeout`` or kills its kernel is
  kept under ``reports/_failed/<lang>/<theme>.ipynb`` with an error banner; the previous good
  report stays published; the others carry on; the exit status is 1.
- **Atomic.** Every run writes into ``reports/.staging/<build-id>/``; each finished report is
  published with ``os.replace`` (the ``.ipynb``, then the ``.html``); the manifest and index are
  replaced last. A build killed at any moment leaves complete files only, and the next build
  picks up where it stopped.
- **One at a time.** ``reports/.wuwei-build.lock`` (``flock``) makes a second build refuse
  (:class:`~wuwei_analysis.errors.BuildBusyError`, exit 3) instead of interleaving.

Layout of ``reports/``::

    index.html                 every report per language, build time, data version, status
    manifest.json              input hashes, parameters, durations and status per notebook
    <lang>/<theme>.html        the shared report: no code, offline, images embedded
    <lang>/<theme>.ipynb       the executed notebook, for analysts
    <lang>/figures/            chart files the notebooks saved
    _failed/<lang>/<theme>.ipynb   the last failed run, with papermill's error banner
    .editions/<data-hash>/     processed data of the current and previous edition (the summary's
                               ``previous_dir``, for "what changed")

The no-op path (nothing changed) imports only the standard library and this package's light
modules: it hashes files and reads the manifest. pandas, papermill and nbconvert load in worker
processes, and only when a notebook has to run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from wuwei_analysis import __version__, config, errors, reference
from wuwei_analysis.build import inputs
from wuwei_analysis.build import site_index as build_site

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".wuwei-build.lock"
STAGING_NAME = ".staging"
EDITIONS_NAME = ".editions"
FAILED_NAME = "_failed"
MANIFEST_FORMAT = 1

ALL_THEMES = (*reference.theme_ids(), config.SUMMARY)

# Parameters the build sets itself, per notebook; a user may not pass them with -p.
RESERVED_PARAMETERS = frozenset({"theme", "lang", "processed_dir", "reports_dir", "previous_dir"})

# Parameter values must be plain scalars: they are written into the injected-parameters cell.
_SCALARS = (str, int, float, bool, type(None))
# A region is a code or a place name (validated against the reference data by params): it may
# hold any letters, but never what could make a path of it.
_SAFE_REGION = re.compile(r"^(?!\.)[^/\\\x00-\x1f\x7f]{1,64}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Errors that mean the output folder cannot be written, as opposed to a bug.
_OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.ENOTDIR, errno.EEXIST}
)

# What each changed input is called in the progress lines.
_CHANGE_NAMES = {
    "data": "data changed",
    "notebook": "notebook changed",
    "library": "library code changed",
    "reference": "reference data changed",
    "parameters": "parameters changed",
    "packages": "package versions changed",
    "previous": "previous edition changed",
}


@dataclass
class BuildOptions:
    """Everything ``wuwei build`` can be told; defaults come from :mod:`wuwei_analysis.config`.

    ``clean_fn(raw_dir, processed_dir)`` replaces the cleaner (tests pass a fake one);
    ``parameters`` are extra notebook parameters (``-p NAME VALUE``), which every selected
    notebook must declare; ``log`` receives the progress lines (default: ``sys.stderr``).
    """

    raw_dir: Path | str = config.RAW_DATA_DIR
    processed_dir: Path | str = config.PROCESSED_DATA_DIR
    reports_dir: Path | str = config.REPORTS_DIR
    notebooks_dir: Path | str = config.NOTEBOOKS_DIR
    langs: tuple[str, ...] = config.LANGS
    themes: tuple[str, ...] = ALL_THEMES
    jobs: int | None = None
    force: bool = False
    timeout: float = 600
    region: str = config.DEFAULT_REGION
    year: int = config.DEFAULT_YEAR
    parameters: dict[str, Any] = field(default_factory=dict)
    clean: bool = True
    clean_fn: Callable[[Path, Path], Any] | None = None
    dry_run: bool = False
    log: TextIO | None = None


# --- command line --------------------------------------------------------------------------


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``wuwei build`` options to ``parser`` (see :func:`options_from_args`)."""
    parser.add_argument(
        "--raw-dir", type=Path, default=config.RAW_DATA_DIR, help="raw tables (default: %(default)s)"
    )
    parser.add_argument(
        "--processed-dir",
        type=Path,
        default=config.PROCESSED_DATA_DIR,
        help="processed data (default: %(default)s)",
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=config.REPORTS_DIR,
        help="where reports are published (default: %(default)s)",
    )
    parser.add_argument(
        "--notebooks-dir",
        type=Path,
        default=config.NOTEBOOKS_DIR,
        help="theme notebooks (default: %(default)s)",
    )
    parser.add_argument(
        "-l",
        "--lang",
        dest="langs",
        action="append",
        metavar="LANG",
        help=f"language to build; repeat or comma-separate (default: {','.join(config.LANGS)})",
    )
    parser.add_argument(
        "-t",
        "--theme",
        dest="themes",
        action="append",
        metavar="THEME",
        help=f"theme to build; repeat or comma-separate (default: {','.join(ALL_THEMES)})",
    )
    parser.add_argument(
        "-j", "--jobs", type=_positive_int, default=None, help="notebooks run at once (default: one per CPU)"
    )
    parser.add_argument("--force", action="store_true", help="run every notebook, even when nothing changed")
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=600,
        metavar="SECONDS",
        help="longest a notebook cell may run (default: %(default)s)",
    )
    parser.add_argument("--region", default=config.DEFAULT_REGION, help="region code (default: %(default)s)")
    parser.add_argument("--year", type=int, default=config.DEFAULT_YEAR, help="year (default: %(default)s)")
    parser.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="extra notebook parameter, as with papermill -p (every selected notebook must declare it)",
    )
    parser.add_argument("--no-clean", action="store_true", help="use the processed data as it is")
    parser.add_argument(
        "-n", "--dry-run", action="store_true", help="show what would run and why, and change nothing"
    )


def options_from_args(ns: argparse.Namespace) -> BuildOptions:
    """The :class:`BuildOptions` for parsed ``wuwei build`` arguments."""
    parameters = {name: _parse_value(value) for name, value in (ns.parameters or [])}
    region = parameters.pop("region", ns.region)
    year = parameters.pop("year", ns.year)
    return BuildOptions(
        raw_dir=ns.raw_dir,
        processed_dir=ns.processed_dir,
        reports_dir=ns.reports_dir,
        notebooks_dir=ns.notebooks_dir,
        langs=_split(ns.langs) or config.LANGS,
        themes=_split(ns.themes) or ALL_THEMES,
        jobs=ns.jobs,
        force=ns.force,
        timeout=ns.timeout,
        region=str(region),
        year=year,
        parameters=parameters,
        clean=not ns.no_clean,
        dry_run=ns.dry_run,
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(part.strip() for value in values or [] for part in value.split(",") if part.strip())


# Only canonical spellings become numbers: "010", "1:1.22", "1e3" or "no" stay strings, so a
# value is never silently converted the way YAML would (010 → 8, no → False).
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")


def _parse_value(text: str) -> Any:
    """A ``-p`` value: True/False/None, a canonical int or decimal, else the string as typed."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m wuwei_analysis.build.run``: the same as ``wuwei build``."""
    parser = argparse.ArgumentParser(prog="wuwei build", description=__doc__.splitlines()[0])
    add_build_arguments(parser)
    return run_build(options_from_args(parser.parse_args(argv)))


# --- the build -----------------------------------------------------------------------------


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


@dataclass
class _Job:
    """One notebook × language in this build."""

    number: int
    theme: str
    lang: str
    notebook: inputs.NotebookInfo
    parameters: dict[str, Any]  # what the notebook receives (paths filled in when it runs)
    key_parameters: dict[str, Any]  # what identifies the result (no paths)
    components: dict[str, str]
    key: str
    action: str = "skip"  # "run", "skip" or "fail" (cannot run)
    reason: str = ""
    built_at: str = ""

    @property
    def id(self) -> str:
        return f"{self.lang}/{self.theme}"

    @property
    def label(self) -> str:
        return f"{self.theme}/{self.lang}"


class _Build:
    def __init__(self, options: BuildOptions, log: TextIO):
        self.options = options
        self.progress = _Progress(log)
        self.reports = Path(options.reports_dir).absolute()
        self.processed = Path(options.processed_dir).absolute()
        self.build_id = (
            f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.staging = self.reports / STAGING_NAME / self.build_id
        self.started = time.monotonic()
        self.started_at = _now()
        self.pool = None
        self.pool_size = 0
        self.workers = 0
        self.validated = False
        self.counts = {"ran": 0, "skipped": 0, "failed": 0}
        self.output_error: str | None = None

    # -- top level

    def run(self) -> int:
        self._check_options()
        notebooks = self._read_notebooks()
        self._check_extra_parameters(notebooks)
        if self.options.dry_run:  # reads only: no lock, no staging, nothing written
            return self._run_locked(notebooks)
        with _writing(self.reports, "create the reports folder"):
            self.reports.mkdir(parents=True, exist_ok=True)
        with _build_lock(self.reports):
            self._clear_staging()
            with _writing(self.reports, "write to the reports folder"):
                self.staging.mkdir(parents=True)
                (self.staging / "probe").write_bytes(b"ok")
            try:
                return self._run_locked(notebooks)
            finally:
                self._stop_pool(wait=False)
                shutil.rmtree(self.staging, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.reports / STAGING_NAME).rmdir()

    def _run_locked(self, notebooks: dict[str, inputs.NotebookInfo]) -> int:
        opts = self.options
        manifest = self._read_manifest()
        stored = {"complete": manifest.get("complete"), "data_files": manifest.get("data_files")}

        library = inputs.library_hash()
        reference = inputs.tree_hash(config.REFERENCE_DIR)
        packages = inputs.package_versions()
        data = inputs.scan_processed(self.processed, cache=manifest.get("data_files"))

        clean_record = dict(manifest.get("clean") or {})
        clean_ran = False
        if opts.clean:
            clean_record, reason = self._clean_decision(manifest, data, library, reference, packages)
            if reason and opts.dry_run:
                self.progress.note(
                    f"clean  would run ({reason}); the plan below uses the current processed data"
                )
            elif reason:
                clean_ran = self._run_clean(reason, len(opts.themes) * len(opts.langs))
                if not clean_ran:  # no cleaner to run: keep the record of the last real run
                    clean_record = dict(manifest.get("clean") or {})
                else:
                    data = inputs.scan_processed(self.processed, cache=manifest.get("data_files"))
                    clean_record["outputs"] = {name: info["sha256"] for name, info in data.files.items()}
                    clean_record["ran_at"] = _now()
            else:
                self.progress.note("clean  skipped (raw data unchanged)")
        if not data.files:
            raise errors.DataError(
                [
                    errors.Problem(
                        errors.relative_name(self.processed),
                        rule="no processed data",
                        hint="run the clean step",
                    )
                ]
            )

        previous_version = self._previous_version(manifest, data)
        jobs = self._plan(manifest, notebooks, data, library, reference, packages, previous_version)
        for job in jobs:
            if job.action == "skip":
                self.counts["skipped"] += 1
                self.progress.job(job, len(jobs), "skip", f"({job.reason})")
            elif opts.dry_run:
                verb = "would run" if job.action == "run" else "cannot run"
                self.progress.job(job, len(jobs), "plan", f"{verb} ({job.reason})")
        if opts.dry_run:
            self.progress.note(
                f"dry run: {sum(j.action != 'skip' for j in jobs)} of {len(jobs)} notebooks would run"
            )
            return errors.EXIT_OK

        manifest.setdefault("notebooks", {})
        manifest.update(
            build_id=self.build_id,
            started_at=self.started_at,
            complete=False,
            current_data_version=data.version,
            data_files=data.files,
            clean=clean_record,
            library_hash=library,
            reference_hash=reference,
            packages=packages,
        )
        self.manifest = manifest
        for job in jobs:
            if job.action == "fail":
                self._record_failure(
                    job, {"error": job.reason, "kind": "notebook", "duration": 0.0}, len(jobs)
                )
        to_run = [job for job in jobs if job.action == "run"]
        if to_run:
            self._validate_parameters()
            self._execute(to_run, len(jobs), data)

        failed = self.counts["failed"] > 0
        changed = clean_ran or bool(to_run) or any(job.action == "fail" for job in jobs)
        if not failed and data.version != manifest.get("data_version"):
            self._rotate_editions(manifest, data)
            changed = True
        # A no-op build writes nothing, unless the last build was cut short or files are missing.
        if (
            changed
            or not stored["complete"]
            or stored["data_files"] != data.files
            or not (self.reports / INDEX_NAME).is_file()
        ):
            self._finish(manifest)
        if failed:
            self._keep_worker_log()

        total = time.monotonic() - self.started
        self.progress.note(
            f"{len(jobs)} notebooks: {self.counts['ran']} ran, {self.counts['skipped']} skipped, "
            f"{self.counts['failed']} failed in {total:.1f}s (data version {data.version[:12]})"
        )
        if self.output_error:
            raise errors.OutputError(self.output_error)
        return errors.EXIT_FAILED if failed else errors.EXIT_OK

    # -- checks before anything runs

    def _check_options(self) -> None:
        opts = self.options
        problems = []
        bad_langs = [lang for lang in opts.langs if lang not in config.LANGS]
        if bad_langs or not opts.langs:
            problems.append(
                f"unknown language(s) {bad_langs or '(none given)'}; choose from {list(config.LANGS)}"
            )
        bad_themes = [theme for theme in opts.themes if theme not in ALL_THEMES]
        if bad_themes or not opts.themes:
            problems.append(
                f"unknown theme(s) {bad_themes or '(none given)'}; choose from {list(ALL_THEMES)}"
            )
        if len(set(opts.langs)) != len(opts.langs) or len(set(opts.themes)) != len(opts.themes):
            problems.append("a language or theme is given twice")
        if opts.jobs is not None and (
            isinstance(opts.jobs, bool) or not isinstance(opts.jobs, int) or opts.jobs < 1
        ):
            problems.append(f"--jobs must be a whole number of at least 1, not {opts.jobs!r}")
        if (
            isinstance(opts.timeout, bool)
            or not isinstance(opts.timeout, (int, float))
            or not opts.timeout > 0
        ):
            problems.append(f"--timeout must be a number of seconds above 0, not {opts.timeout!r}")
        if not isinstance(opts.region, str) or not _SAFE_REGION.match(opts.region):
            problems.append(
                f"region must be a code or a place name (e.g. {config.DEFAULT_REGION!r}), not {opts.region!r}"
            )
        if isinstance(opts.year, bool) or not isinstance(opts.year, int):
            problems.append(f"year must be a whole number such as {config.DEFAULT_YEAR}, not {opts.year!r}")
        for name, value in opts.parameters.items():
            if not isinstance(name, str) or not _NAME.match(name):
                problems.append(f"parameter name {name!r} is not a Python identifier")
            elif name in RESERVED_PARAMETERS:
                problems.append(
                    f"parameter {name!r} is set by the build (use --lang/--theme or the folder options)"
                )
            elif name in ("region", "year"):
                problems.append(f"parameter {name!r} has its own option, --{name}")
            elif not isinstance(value, _SCALARS):
                problems.append(
                    f"parameter {name!r} must be a string, number, boolean or None, not {value!r}"
                )
        if problems:
            raise errors.ParameterError("; ".join(problems))

    def _read_notebooks(self) -> dict[str, inputs.NotebookInfo]:
        notebooks_dir = Path(self.options.notebooks_dir)
        found, missing = {}, []
        for theme in self.options.themes:
            path = notebooks_dir / f"{theme}.ipynb"
            if path.is_file():
                try:
                    found[theme] = inputs.read_notebook_info(path)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise errors.ParameterError(
                        f"{errors.relative_name(path)} is not a notebook: {exc}"
                    ) from None
            else:
                missing.append(errors.relative_name(path))
        if missing:
            raise errors.ParameterError(f"notebook(s) not found: {', '.join(missing)}")
        return found

    def _check_extra_parameters(self, notebooks: dict[str, inputs.NotebookInfo]) -> None:
        for name in self.options.parameters:
            undeclared = [
                errors.relative_name(nb.path) for nb in notebooks.values() if name not in nb.parameters
            ]
            if undeclared:
                raise errors.ParameterError(
                    f"unknown parameter {name!r}: not declared in the parameters cell of {', '.join(undeclared)}"
                )

    def _validate_parameters(self) -> None:
        """Check every notebook's values with the notebooks' own validators.

        Runs after the cleaner (the allowed years are those in the processed data) and before any
        kernel starts, so a bad value costs no notebook run.
        """
        if self.validated:
            return
        self.validated = True
        from wuwei_analysis.report import params  # imported here: keeps pandas out of the no-op path

        values = {
            "region": self.options.region,
            "year": self.options.year,
            "processed_dir": str(self.processed),
            "reports_dir": str(self.reports),
            **self.options.parameters,
        }
        for lang in self.options.langs:
            for theme in self.options.themes:
                if theme == config.SUMMARY:
                    params.validate_summary_params(lang=lang, **values)
                else:
                    params.validate_params(theme=theme, lang=lang, **values)

    # -- clean

    def _clean_decision(self, manifest, data, library, reference, packages) -> tuple[dict[str, Any], str]:
        raw_dir = Path(self.options.raw_dir)
        if not raw_dir.is_dir():
            raise errors.ParameterError(f"raw data folder not found: {errors.relative_name(raw_dir)}")
        fn = self.options.clean_fn
        components = {
            "raw": inputs.tree_hash(raw_dir),
            "reference": reference,
            "library": library,
            "packages": inputs.sha256_json(packages),
            "function": "wuwei_analysis.tables.clean:clean"
            if fn is None
            else f"{fn.__module__}:{fn.__qualname__}",
        }
        record = {"key": inputs.sha256_json(components), "inputs": components}
        previous = manifest.get("clean") or {}
        outputs = {name: info["sha256"] for name, info in data.files.items()}
        record["outputs"] = outputs
        if self.options.force:
            return record, "--force"
        if not previous.get("key"):
            return record, "never cleaned"
        if previous["key"] != record["key"]:
            old = previous.get("inputs", {})
            changed = [name for name in components if old.get(name) != components[name]]
            return record, ", ".join(f"{name} changed" for name in changed) or "inputs changed"
        if previous.get("outputs") != outputs:
            return record, "processed data changed or missing"
        return record, ""

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
        self._start_pool(self._jobs(notebooks), warm=True)  # workers start while the cleaner runs
        self.progress.note(f"clean  running ({reason})")
        started = time.monotonic()
        try:
            fn(Path(self.options.raw_dir), self.processed)
        except errors.DataError:
            self.progress.note("clean  FAILED: the raw data has problems; nothing was published")
            raise
        except OSError as exc:
            if exc.errno in _OUTPUT_ERRNOS:
                raise errors.OutputError(
                    f"cannot write processed data to {errors.relative_name(self.processed)}: {exc.strerror or exc}"
                ) from None
            raise
        self.progress.note(f"clean  done in {time.monotonic() - started:.1f}s")
        return True

    # -- plan

    def _previous_version(self, manifest: dict[str, Any], data: inputs.DataState) -> str:
        """Data version the summary compares with: the edition before the current data."""
        edition = manifest.get("data_version")
        previous = manifest.get("previous_data_version") if data.version == edition else edition
        if previous and (self.reports / EDITIONS_NAME / previous).is_dir():
            return previous
        return ""

    def _plan(self, manifest, notebooks, data, library, reference, packages, previous_version) -> list[_Job]:
        opts = self.options
        entries = manifest.get("notebooks", {})
        jobs = []
        build_values = {"region": opts.region, "year": opts.year, **opts.parameters}
        for theme in opts.themes:
            notebook = notebooks[theme]
            for lang in opts.langs:
                declared = notebook.parameters
                key_parameters = {"theme": theme, "lang": lang, **build_values}
                key_parameters = {k: v for k, v in key_parameters.items() if k in declared}
                passed = dict(key_parameters)
                if "processed_dir" in declared:
                    passed["processed_dir"] = str(self.processed)
                if "previous_dir" in declared:
                    passed["previous_dir"] = (
                        str(self.reports / EDITIONS_NAME / previous_version) if previous_version else ""
                    )
                components = {
                    "notebook": notebook.hash,
                    "data": data.version if theme == config.SUMMARY else data.theme_hash(theme),
                    "library": library,
                    "reference": reference,
                    "parameters": inputs.sha256_json(key_parameters),
                    "packages": inputs.sha256_json(packages),
                }
                if "previous_dir" in declared:  # the summary's "what changed" compares with it
                    components["previous"] = previous_version
                job = _Job(
                    number=len(jobs) + 1,
                    theme=theme,
                    lang=lang,
                    notebook=notebook,
                    parameters=passed,
                    key_parameters=key_parameters,
                    components=components,
                    key=inputs.sha256_json(components),
                )
                job.action, job.reason = self._decide(job, entries.get(job.id))
                jobs.append(job)
        return jobs

    def _decide(self, job: _Job, entry: dict[str, Any] | None) -> tuple[str, str]:
        if not job.notebook.has_parameters_cell:
            return "fail", "the notebook has no cell tagged 'parameters'"
        if "lang" not in job.notebook.parameters:
            return "fail", "the notebook's parameters cell does not declare 'lang'"
        if self.options.force:
            return "run", "--force"
        if not entry or not entry.get("key"):
            return "run", "never built"
        if entry.get("status") != "ok":
            return "run", "failed last time"
        if entry["key"] != job.key:
            old = entry.get("inputs", {})
            changed = [
                _CHANGE_NAMES[name] for name in job.components if old.get(name) != job.components[name]
            ]
            return "run", ", ".join(changed) or "inputs changed"
        for kind in ("html", "ipynb"):
            path = self.reports / entry.get(kind, "")
            if not entry.get(kind) or not path.is_file():
                return "run", f"published {kind} missing"
            if inputs.sha256_file(path) != entry.get(f"{kind}_sha256"):
                return "run", f"published {kind} was modified"
        return "skip", "unchanged"

    # -- execution

    def _jobs(self, count: int) -> int:
        return max(1, min(self.options.jobs or os.cpu_count() or 1, count))

    def _start_pool(self, workers: int, warm: bool = False):
        if self.pool is not None:
            return self.pool
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["wuwei_analysis.build.worker"])
        except ValueError:  # no forkserver on this platform
            context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(str(self.staging / "workers.log"),),
        )
        self.pool_size = workers
        if warm:
            for _ in range(workers):
                self.pool.submit(_worker_warm_up)
        return self.pool

    def _stop_pool(self, wait: bool) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if not wait:
            # A failed or interrupted build must not leave notebooks running: stop our workers.
            for process in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        pool.shutdown(wait=wait, cancel_futures=True)

    def _execute(self, to_run: list[_Job], total: int, data: inputs.DataState) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        entries = self.manifest["notebooks"]
        # Longest first (by last duration), so that a slow notebook does not start last.
        pending = sorted(to_run, key=lambda j: -float(entries.get(j.id, {}).get("duration_s", 1e9)))
        workers = self.workers = self._jobs(len(to_run))
        running: dict[Any, tuple[_Job, dict[str, Any]]] = {}
        try:
            while pending or running:
                pool = self._start_pool(workers)
                while pending and len(running) < self.pool_size:
                    job = pending.pop(0)
                    task = self._task(job, data)
                    running[pool.submit(_worker_run, task)] = (job, task)
                    self.progress.job(job, total, "run", f"({job.reason})")
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    job, task = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        result = {"status": "failed", "kind": "worker", "error": "the worker process died"}
                    except Exception as exc:
                        result = {
                            "status": "failed",
                            "kind": "error",
                            "error": f"{type(exc).__name__}: {exc}",
                        }
                    self._finish_job(job, task, result, total)
                if broken:  # every task in the pool is lost; report them and start a new pool
                    for job, task in list(running.values()):
                        result = {"status": "failed", "kind": "worker", "error": "the worker process died"}
                        self._finish_job(job, task, result, total)
                    running.clear()
                    self._stop_pool(wait=False)
        except BaseException:
            self._stop_pool(wait=False)
            raise
        self._stop_pool(wait=True)

    def _task(self, job: _Job, data: inputs.DataState) -> dict[str, Any]:
        task_dir = self.staging / "runs" / f"{job.lang}-{job.theme}"
        parameters = dict(job.parameters)
        if "reports_dir" in job.notebook.parameters:
            parameters["reports_dir"] = str(task_dir)
        job.built_at = _now()
        return {
            "theme": job.theme,
            "lang": job.lang,
            "notebook": str(job.notebook.path),
            "parameters": parameters,
            "task_dir": str(task_dir),
            "reports_dir": str(self.reports),
            "ipynb": str(task_dir / f"{job.theme}.ipynb"),
            "html": str(task_dir / f"{job.theme}.html"),
            "timeout": self.options.timeout,
            "html_context": build_site.report_context(
                job.theme,
                job.lang,
                self.options.region,
                self.options.year,
                build_site.display_time(job.built_at),
                job.components["data"][:12],
            ),
        }

    def _finish_job(self, job: _Job, task: dict[str, Any], result: dict[str, Any], total: int) -> None:
        if result.get("status") == "ok":
            try:
                self._publish(job, task, result)
            except errors.OutputError as exc:
                self.output_error = str(exc)
                result = {**result, "status": "failed", "kind": "output", "error": str(exc)}
            else:
                self.counts["ran"] += 1
                self._write_manifest(self.manifest)  # before the line: "ok" means recorded
                self.progress.job(
                    job, total, "ok", f"{result['duration']:.1f}s", attempts=result.get("attempts", 1)
                )
                return
        if result.get("kind") == "output" and not self.output_error:
            self.output_error = f"cannot write to {errors.relative_name(self.reports)}: {result.get('error')}"
        self._record_failure(job, result, total)

    def _publish(self, job: _Job, task: dict[str, Any], result: dict[str, Any]) -> None:
        lang_dir = self.reports / job.lang
        figures_from = Path(task["task_dir"]) / job.lang / "figures"
        html_target = _inside(self.reports, lang_dir / f"{job.theme}.html")
        ipynb_target = _inside(self.reports, lang_dir / f"{job.theme}.ipynb")
        entries = self.manifest["notebooks"]
        old = entries.get(job.id, {})
        with _writing(self.reports, f"publish {job.label}"):
            html_sha = inputs.sha256_file(Path(result["html"]))
            ipynb_sha = inputs.sha256_file(Path(result["ipynb"]))
            figures = []
            for rel in result.get("figures", []):
                target = _inside(self.reports, lang_dir / "figures" / rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(figures_from / rel, target)
                figures.append(target.relative_to(self.reports).as_posix())
            lang_dir.mkdir(parents=True, exist_ok=True)
            os.replace(result["ipynb"], ipynb_target)
            os.replace(result["html"], html_target)
            (self.reports / FAILED_NAME / job.lang / f"{job.theme}.ipynb").unlink(missing_ok=True)
        entries[job.id] = {
            "theme": job.theme,
            "lang": job.lang,
            "status": "ok",
            "key": job.key,
            "inputs": job.components,
            "parameters": job.key_parameters,
            "notebook": errors.relative_name(job.notebook.path),
            "built_at": job.built_at,
            "duration_s": round(result["duration"], 2),
            "attempts": result.get("attempts", 1),
            "data_version": job.components["data"][:12],
            "html": html_target.relative_to(self.reports).as_posix(),
            "ipynb": ipynb_target.relative_to(self.reports).as_posix(),
            "html_sha256": html_sha,
            "ipynb_sha256": ipynb_sha,
            "figures": figures,
            "error": None,
            "failed_ipynb": None,
        }
        self._remove_stale_figures(old.get("figures", []), set(figures))

    def _remove_stale_figures(self, old: list[str], kept: set[str]) -> None:
        claimed = {f for e in self.manifest["notebooks"].values() for f in e.get("figures", [])}
        for rel in old:
            if rel not in kept and rel not in claimed:
                with contextlib.suppress(OSError):
                    _inside(self.reports, self.reports / rel).unlink()

    def _record_failure(self, job: _Job, result: dict[str, Any], total: int) -> None:
        self.counts["failed"] += 1
        entries = self.manifest["notebooks"]
        entry = dict(entries.get(job.id) or {"theme": job.theme, "lang": job.lang})
        kept_at = None
        source = result.get("ipynb")
        if source and Path(source).is_file():
            target = _inside(self.reports, self.reports / FAILED_NAME / job.lang / f"{job.theme}.ipynb")
            try:
                with _writing(self.reports, "keep the failed notebook"):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
                kept_at = target.relative_to(self.reports).as_posix()
            except errors.OutputError as exc:
                self.output_error = self.output_error or str(exc)
        entry.update(
            status="failed",
            error=result.get("error") or "failed",
            error_kind=result.get("kind") or "error",
            failed_at=_now(),
            failed_key=job.key,
            failed_duration_s=round(result.get("duration", 0.0), 2),
            failed_ipynb=kept_at,
        )
        entries[job.id] = entry
        where = f" — kept in {errors.relative_name(self.reports / kept_at)}" if kept_at else ""
        self.progress.job(job, total, "FAIL", f"{result.get('duration', 0.0):.1f}s: {entry['error']}{where}")
        with contextlib.suppress(errors.OutputError):
            self._write_manifest(self.manifest)

    # -- editions, manifest, index

    def _rotate_editions(self, manifest: dict[str, Any], data: inputs.DataState) -> None:
        """Keep the processed data of this edition (and of the one before) for "what changed"."""
        editions = self.reports / EDITIONS_NAME
        target = editions / data.version
        with _writing(self.reports, "keep a copy of the processed data"):
            if not target.is_dir():
                copy = self.staging / "edition"
                copy.mkdir()
                for path in inputs.input_files(self.processed):
                    dest = copy / path.relative_to(self.processed)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
                editions.mkdir(exist_ok=True)
                os.replace(copy, target)
            keep = {data.version, manifest.get("data_version") or ""}
            for old in editions.iterdir():
                if old.name not in keep:
                    shutil.rmtree(old, ignore_errors=True)
        manifest["previous_data_version"] = manifest.get("data_version") or None
        manifest["data_version"] = data.version

    def _keep_worker_log(self) -> None:
        """Kernel and worker messages explain a dead kernel: keep them beside the failed runs."""
        log = self.staging / "workers.log"
        if log.is_file() and log.stat().st_size:
            with contextlib.suppress(OSError):
                (self.reports / FAILED_NAME).mkdir(exist_ok=True)
                os.replace(log, self.reports / FAILED_NAME / "workers.log")

    def _finish(self, manifest: dict[str, Any]) -> None:
        manifest.update(
            format=MANIFEST_FORMAT,
            tool=f"wuwei_analysis {__version__}",
            finished_at=_now(),
            duration_s=round(time.monotonic() - self.started, 2),
            complete=True,
            status="failed" if any(e.get("status") != "ok" for e in manifest["notebooks"].values()) else "ok",
            options={
                "langs": list(self.options.langs),
                "themes": list(self.options.themes),
                "region": self.options.region,
                "year": self.options.year,
                "parameters": self.options.parameters,
                "jobs": self.options.jobs,
                "workers": self.workers,
                "timeout": self.options.timeout,
                "force": self.options.force,
            },
            last_build={
                "ran": self.counts["ran"],
                "skipped": self.counts["skipped"],
                "failed": self.counts["failed"],
            },
        )
        index = build_site.render_index(manifest)
        # The index goes first and the manifest last: a manifest marked complete means both are.
        self._atomic_write(self.reports / INDEX_NAME, index.encode("utf-8"))
        self._write_manifest(manifest)

    def _read_manifest(self) -> dict[str, Any]:
        path = self.reports / MANIFEST_NAME
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:
            self.progress.note(
                f"note   {errors.relative_name(path)} is unreadable ({exc}); rebuilding everything"
            )
            return {}
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            self.progress.note(
                f"note   {errors.relative_name(path)} has an unknown format; rebuilding everything"
            )
            return {}
        return manifest

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest.setdefault("format", MANIFEST_FORMAT)
        text = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True)
        self._atomic_write(self.reports / MANIFEST_NAME, text.encode("utf-8"))

    def _atomic_write(self, target: Path, data: bytes) -> None:
        with _writing(self.reports, f"write {target.name}"):
            tmp = self.staging / f"{target.name}.{uuid.uuid4().hex}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)

    def _clear_staging(self) -> None:
        """Remove what killed builds left in ``.staging`` (we hold the lock: nobody uses it)."""
        staging = self.reports / STAGING_NAME
        if staging.is_dir():
            for leftover in staging.iterdir():
                shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(
                    missing_ok=True
                )


# --- worker entry points (module-level so they pickle by reference; the heavy imports happen
#     in the worker, never in the build process) ----------------------------------------------


def _worker_init(log_path: str) -> None:
    from wuwei_analysis.build import worker as build_worker

    build_worker.init_worker(log_path)


def _worker_warm_up() -> int:
    from wuwei_analysis.build import worker as build_worker

    return build_worker.warm_up()


def _worker_run(task: dict[str, Any]) -> dict[str, Any]:
    from wuwei_analysis.build import worker as build_worker

    return build_worker.run_task(task)


# --- small helpers ---------------------------------------------------------------------------


@contextlib.contextmanager
def _build_lock(reports: Path) -> Iterator[None]:
    """Hold ``reports/.wuwei-build.lock``; a second build gets :class:`BuildBusyError`.

    ``flock`` is released by the kernel when the holder exits, even on SIGKILL, so a killed
    build never leaves a stale lock behind.
    """
    path = reports / LOCK_NAME
    with _writing(reports, "create the build lock"):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise errors.BuildBusyError(
                f"another build is running in {errors.relative_name(reports)} ({holder}); "
                "wait for it to finish, then run again"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, started {build_site.display_time(_now())}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _writing(reports: Path, action: str) -> Iterator[None]:
    """Turn a failed write (read-only, full, not a folder) into a clear :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        reason = exc.strerror or str(exc)
        where = errors.relative_name(exc.filename) if exc.filename else errors.relative_name(reports)
        raise errors.OutputError(f"cannot {action}: {reason} ({where})") from None


def _inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it stays inside ``root`` (no parameter may lead elsewhere)."""
    resolved_root = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(path))
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise errors.ParameterError(f"refusing to write outside {errors.relative_name(root)}: {path}")
    return path


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class _Progress:
    """One line per event; colour only on a terminal."""

    _COLOURS = {"ok": "32", "FAIL": "31;1", "skip": "2", "run": "36", "plan": "36"}

    def __init__(self, stream: TextIO):
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty()) and os.environ.get("NO_COLOR") is None

    def job(self, job: _Job, total: int, verb: str, detail: str, attempts: int = 1) -> None:
        width = len(str(total))
        word = f"{verb:<5}"
        if self.tty:
            word = f"\033[{self._COLOURS.get(verb, '0')}m{word}\033[0m"
        retry = f" (kernel start retried {attempts - 1}x)" if attempts > 1 else ""
        self._print(f"[{job.number:>{width}}/{total}] {word} {job.label:<24} {detail}{retry}")

    def note(self, text: str) -> None:
        self._print(text)

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


if __name__ == "__main__":
    sys.exit(main())
