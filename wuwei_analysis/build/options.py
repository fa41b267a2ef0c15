"""What ``wuwei build`` can be told, and the checks made before anything runs.

:class:`BuildOptions` holds the options (defaults from :mod:`wuwei_analysis.config`);
:func:`add_build_arguments` and :func:`options_from_args` are the command line;
:func:`check_options`, :func:`check_extra_parameters` and :func:`validate_parameters` refuse
what no build could run with, before any notebook starts.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from wuwei_analysis import config, errors, reference
from wuwei_analysis.build.folders import misplaced_outputs
from wuwei_analysis.build.inputs import NotebookInfo

KERNEL_RUNS = 100  # notebooks a worker's kernel runs before a fresh one starts (see build.kernel)

ALL_THEMES = (*reference.theme_ids(), config.SUMMARY)

# Parameters the build sets itself, per notebook; a user may not pass them with -p.
RESERVED_PARAMETERS = frozenset({"theme", "lang", "processed_dir", "reports_dir", "previous_dir"})

# Parameter values must be plain scalars: they are written into the injected-parameters cell.
_SCALARS = (str, int, float, bool, type(None))
# A region is a code or a place name (validated against the reference data by params): it may
# hold any letters, but never what could make a path of it.
_SAFE_REGION = re.compile(r"^(?!\.)[^/\\\x00-\x1f\x7f]{1,64}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class BuildOptions:
    """Everything ``wuwei build`` can be told; defaults come from :mod:`wuwei_analysis.config`.

    ``clean_fn(raw_dir, processed_dir)`` replaces the cleaner (tests pass a fake one);
    ``parameters`` are extra notebook parameters (``-p NAME VALUE``), which every selected
    notebook must declare; ``log`` receives the progress lines (default: ``sys.stderr``).
    ``fresh_kernels`` starts a kernel per notebook instead of reusing one per worker;
    ``kernel_runs`` is how many notebooks a reused kernel runs before a fresh one starts.
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
    regions: tuple[str, ...] = ()  # --region: narrow to these places (default: every place with data)
    years: tuple[int, ...] = ()  # --year: narrow to these years (default: every year with data)
    parameters: dict[str, Any] = field(default_factory=dict)
    clean: bool = True
    clean_fn: Callable[[Path, Path], Any] | None = None
    dry_run: bool = False
    fresh_kernels: bool = False  # --fresh-kernels: a kernel per notebook (no warm kernels)
    kernel_runs: int = KERNEL_RUNS
    log: TextIO | None = None


# --- command line -------------------------------------------------------------------------

# The folder options: flag, default (from config), what the folder holds.
_FOLDERS = (
    ("--raw-dir", config.RAW_DATA_DIR, "raw tables"),
    ("--processed-dir", config.PROCESSED_DATA_DIR, "processed data"),
    ("--reports-dir", config.REPORTS_DIR, "where reports are published"),
    ("--notebooks-dir", config.NOTEBOOKS_DIR, "theme and summary notebooks"),
)


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``wuwei build`` options to ``parser`` (see :func:`options_from_args`)."""
    for flag, default, what in _FOLDERS:
        parser.add_argument(flag, type=Path, default=default, help=f"{what} (default: %(default)s)")
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
        type=_seconds,
        default=600,
        metavar="SECONDS",
        help="longest a notebook cell may run (default: %(default)s)",
    )
    parser.add_argument(
        "--region",
        dest="regions",
        action="append",
        metavar="REGION",
        help="build only this place (code or name); repeat for more (default: every place with data)",
    )
    parser.add_argument(
        "--year",
        dest="years",
        action="append",
        type=int,
        metavar="YEAR",
        help="build only this year; repeat for more (default: every year with data)",
    )
    parser.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="extra notebook parameter, as with papermill -p (every selected notebook must declare it)",
    )
    parser.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a fresh Jupyter kernel for every notebook (default: each worker reuses one kernel, "
        f"reset between notebooks, and starts a fresh one after a failure or {KERNEL_RUNS} notebooks)",
    )
    parser.add_argument("--no-clean", action="store_true", help="use the processed data as it is")
    parser.add_argument(
        "-n", "--dry-run", action="store_true", help="show what would run and why, and change nothing"
    )


def options_from_args(ns: argparse.Namespace) -> BuildOptions:
    """The :class:`BuildOptions` for parsed ``wuwei build`` arguments."""
    parameters = {name: parse_value(value) for name, value in (ns.parameters or [])}
    regions = [*(ns.regions or []), *([parameters.pop("region")] if "region" in parameters else [])]
    years = [*(ns.years or []), *([parameters.pop("year")] if "year" in parameters else [])]
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
        regions=tuple(str(region) for region in regions),
        years=tuple(years),
        parameters=parameters,
        clean=not ns.no_clean,
        dry_run=ns.dry_run,
        fresh_kernels=ns.fresh_kernels,
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    """``--timeout``: seconds as a number (``600``, ``30.5``), above 0 and finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds such as 600 or 30.5, not {text!r}"
        ) from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(part.strip() for value in values or [] for part in value.split(",") if part.strip())


# Only canonical spellings become numbers: "010", "1:1.22", "1e3" or "no" stay strings, so a
# value is never silently converted the way YAML would (010 → 8, no → False).
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")


def parse_value(text: str) -> Any:
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


# --- checks before anything runs ----------------------------------------------------------


def check_options(opts: BuildOptions) -> None:
    """Refuse options no build could run with, all problems in one message."""
    problems = []
    bad_langs = [lang for lang in opts.langs if lang not in config.LANGS]
    if bad_langs or not opts.langs:
        problems.append(
            f"unknown language(s) {bad_langs or '(none given)'}; choose from {list(config.LANGS)}"
        )
    bad_themes = [theme for theme in opts.themes if theme not in ALL_THEMES]
    if bad_themes or not opts.themes:
        problems.append(f"unknown theme(s) {bad_themes or '(none given)'}; choose from {list(ALL_THEMES)}")
    if len(set(opts.langs)) != len(opts.langs) or len(set(opts.themes)) != len(opts.themes):
        problems.append("a language or theme is given twice")
    if opts.jobs is not None and (
        isinstance(opts.jobs, bool) or not isinstance(opts.jobs, int) or opts.jobs < 1
    ):
        problems.append(f"--jobs must be a whole number of at least 1, not {opts.jobs!r}")
    if isinstance(opts.kernel_runs, bool) or not isinstance(opts.kernel_runs, int) or opts.kernel_runs < 1:
        problems.append(f"kernel_runs must be a whole number of at least 1, not {opts.kernel_runs!r}")
    if (
        isinstance(opts.timeout, bool)
        or not isinstance(opts.timeout, (int, float))
        or not 0 < opts.timeout < float("inf")
    ):
        problems.append(f"--timeout must be a number of seconds above 0, not {opts.timeout!r}")
    for region in opts.regions:
        if not isinstance(region, str) or not _SAFE_REGION.match(region):
            problems.append(
                f"region must be a code or a place name (e.g. {config.DEFAULT_REGION!r}), not {region!r}"
            )
    for year in opts.years:
        if isinstance(year, bool) or not isinstance(year, int):
            problems.append(f"year must be a whole number such as {config.DEFAULT_YEAR}, not {year!r}")
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
            problems.append(f"parameter {name!r} must be a string, number, boolean or None, not {value!r}")
    problems += misplaced_outputs(opts.raw_dir, opts.processed_dir, opts.reports_dir)
    if problems:
        raise errors.ParameterError("; ".join(problems))


def check_extra_parameters(opts: BuildOptions, notebooks: dict[str, NotebookInfo]) -> None:
    """Every ``-p NAME`` must be declared by every selected notebook."""
    for name in opts.parameters:
        undeclared = [
            errors.relative_name(path)
            for path in dict.fromkeys(nb.path for nb in notebooks.values() if name not in nb.parameters)
        ]
        if undeclared:
            raise errors.ParameterError(
                f"unknown parameter {name!r}: not declared in the parameters cell of {', '.join(undeclared)}"
            )


def validate_parameters(
    opts: BuildOptions, processed: Path, reports: Path, places: list[tuple[str, int]]
) -> None:
    """Check every notebook's values with the notebooks' own validators, for each (region, year).

    Runs after the cleaner (the allowed years are those in the processed data) and before any
    kernel starts, so a bad value costs no notebook run.
    """
    from wuwei_analysis.report import params  # imported here: keeps pandas out of the no-op path

    for region, year in dict.fromkeys(places):
        values = {
            "region": region,
            "year": year,
            "processed_dir": str(processed),
            "reports_dir": str(reports),
            **opts.parameters,
        }
        for theme in opts.themes:
            if theme == config.SUMMARY:
                params.validate_summary_params(lang=opts.langs[0], **values)
            else:
                params.validate_params(theme=theme, lang=opts.langs[0], **values)
