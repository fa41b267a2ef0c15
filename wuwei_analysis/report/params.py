"""Notebook parameters: checked once, right after papermill injects them.

A theme notebook's ``parameters`` cell holds typed defaults (theme, lang, region,
year, processed_dir, reports_dir). :func:`validate_params` turns whatever the
user or papermill passed into a :class:`Params` record, or stops with one
:class:`~wuwei_analysis.errors.ParameterError` that names the parameter and the
values it allows. Values are never coerced across types: a YAML ``no`` that
arrives as ``False`` is rejected, not read as a language.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import pandas as pd

from wuwei_analysis import config, reference
from wuwei_analysis.cells import assigned_names
from wuwei_analysis.errors import ParameterError

INDICATORS_FILE = "indicators.parquet"
MEASURES_FILE = "measures.parquet"
SOURCES_FILE = "sources.parquet"

THEME_PARAMETERS = ("theme", "lang", "region", "year", "processed_dir", "reports_dir")
SUMMARY_PARAMETERS = ("lang", "region", "year", "processed_dir", "reports_dir", "previous_dir")
# The first line of the cell papermill injects after the `parameters` cell.
INJECTED_CELL_HEADER = "# Parameters"

# What a notebook's `setup()` accepts (then checked by the validators below, which take any
# value, since papermill and YAML can pass anything).
Lang: TypeAlias = Literal["zh", "en"]  # config.LANGS
RegionValue: TypeAlias = str | int  # an administrative code (620600 or "620600") or a place name
YearValue: TypeAlias = int | str  # 2025 or "2025"
Folder: TypeAlias = str | os.PathLike[str] | None  # "" or None: the default of config


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What every report notebook is about: language, place, year and folders, validated.

    ``place_zh`` is set when the user named a place below county level (e.g.
    武威城区): the report then covers that place only. Otherwise the report
    covers every row filed under ``region_code``, including the named places
    below county level that borrow the code.
    """

    lang: Lang
    region_code: str
    place_zh: str | None
    year: int
    processed_dir: Path
    reports_dir: Path


@dataclass(frozen=True, kw_only=True)
class Params(Scope):
    """Validated parameters of a theme notebook: its :class:`Scope` and the theme."""

    theme: str


def parameter_error(
    name: str, value: object, allowed: list[str] | tuple[str, ...], hint: str = ""
) -> ParameterError:
    """A ParameterError naming the parameter, the value given and the allowed values.

    In IPython the error renders as this one line instead of a traceback, so a
    notebook stopped by a bad parameter shows the message and nothing else.
    """
    message = f"{name}={value!r} is not allowed; choose one of: {', '.join(allowed)}"
    if hint:
        message += f" ({hint})"
    return _one_line(ParameterError(message))


def _one_line(error: ParameterError) -> ParameterError:
    line = f"{type(error).__name__}: {error}"
    # IPython calls this instead of formatting a traceback (see
    # InteractiveShell.showtraceback); an instance attribute is enough.
    error._render_traceback_ = lambda: [line]  # type: ignore[attr-defined]
    return error


def _not_bool(name: str, value: object, allowed: list[str] | tuple[str, ...]) -> None:
    if isinstance(value, bool):
        raise parameter_error(
            name, value, allowed, "a YAML yes/no/true/false becomes a boolean; quote the value"
        )


def validate_theme(theme: object) -> str:
    """A theme id of themes.csv (no names, no other types)."""
    allowed = list(reference.theme_ids())
    _not_bool("theme", theme, allowed)
    if isinstance(theme, str) and theme.strip() in allowed:
        return theme.strip()
    raise parameter_error("theme", theme, allowed)


def validate_lang(lang: object) -> str:
    """'zh' or 'en' (case-insensitive); anything else, of any type, is rejected."""
    allowed = list(config.LANGS)
    _not_bool("lang", lang, allowed)
    if isinstance(lang, str) and lang.strip().lower() in allowed:
        return lang.strip().lower()
    raise parameter_error("lang", lang, allowed)


def region_choices() -> list[str]:
    """The region values a message lists: admin codes with names, then named places."""
    admin = [f"{r.region_code} ({r.region_zh}, {r.region_en})" for r in reference.admin_regions()]
    places = [r.region_zh for r in reference.regions() if r.level not in reference.ADMIN_LEVELS]
    return admin + [f"a place: {' / '.join(places)}"] if places else admin


def validate_region(region: object) -> reference.Region:
    """An administrative code (int or str) or a region name/alias from data/reference/regions.csv."""
    allowed = region_choices()
    _not_bool("region", region, allowed)
    text = str(int(region)) if isinstance(region, numbers.Integral) else region
    if isinstance(text, str) and text.strip():
        found = reference.find_region(text.strip())
        if found is not None:
            return found
    raise parameter_error("region", region, allowed)


def available_years(processed_dir: Path) -> list[int]:
    """The years that have figures in the processed indicators (the default year if there are none)."""
    path = Path(processed_dir) / INDICATORS_FILE
    years = pd.read_parquet(path, columns=["year"])["year"].dropna().astype(int)
    return sorted(set(years)) or [config.DEFAULT_YEAR]


def validate_year(year: object, allowed_years: list[int]) -> int:
    """An int or a string of digits naming a year present in the data."""
    allowed = [str(y) for y in allowed_years]
    _not_bool("year", year, allowed)
    if isinstance(year, str) and year.strip().isdigit():
        number: object = int(year.strip())
    else:
        number = year
    if isinstance(number, numbers.Integral) and int(number) in allowed_years:
        return int(number)
    raise parameter_error("year", year, allowed)


def validate_dir(name: str, value: object, default: Path, must_exist: bool) -> Path:
    """A folder: '' or None means the config default; an existing file is never a folder.

    A relative path is read from the current folder, or else from the project folder
    (``config.PROJ_ROOT``): a published notebook names ``data/processed`` and runs wherever it
    was opened.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        path = Path(default)
    elif isinstance(value, (str, os.PathLike)):
        path = Path(value).expanduser()
        if not path.is_absolute() and not path.exists() and (config.PROJ_ROOT / path).exists():
            path = config.PROJ_ROOT / path
    else:
        raise _one_line(
            ParameterError(f"{name}={value!r} is not a folder path; give a string, '' = {default}")
        )
    if must_exist and not path.is_dir():
        raise _one_line(ParameterError(f"{name}={str(path)!r} is not an existing folder"))
    if path.exists() and not path.is_dir():
        raise _one_line(ParameterError(f"{name}={str(path)!r} is a file, not a folder"))
    return path


def validate_scope(
    *,
    lang: object,
    region: object = config.DEFAULT_REGION,
    year: object = config.DEFAULT_YEAR,
    processed_dir: object = "",
    reports_dir: object = "",
    years: list[int] | None = None,
) -> Scope:
    """Check the parameters every report notebook shares; raise ParameterError (one line).

    ``years`` are the allowed years; by default those present in
    ``processed_dir/indicators.parquet``.
    """
    lang_id = validate_lang(lang)
    place = validate_region(region)
    processed = validate_dir("processed_dir", processed_dir, config.PROCESSED_DATA_DIR, must_exist=True)
    if not (processed / INDICATORS_FILE).is_file():
        raise _one_line(
            ParameterError(
                f"processed_dir={str(processed)!r} has no {INDICATORS_FILE}; "
                "build it first with `wuwei clean` (or point processed_dir at a processed folder)"
            )
        )
    # Charts of an interactive run go to the scratch folder; only `wuwei build` passes reports/.
    reports = validate_dir("reports_dir", reports_dir, config.SCRATCH_DIR, must_exist=False)
    year_value = validate_year(year, years if years is not None else available_years(processed))
    admin = place.level in reference.ADMIN_LEVELS
    return Scope(
        lang=lang_id,
        region_code=place.region_code,
        place_zh=None if admin else place.region_zh,
        year=year_value,
        processed_dir=processed,
        reports_dir=reports,
    )


def validate_params(*, theme: object, lang: object, **scope: Any) -> Params:
    """Check a theme notebook's parameters: the theme, then :func:`validate_scope`'s."""
    theme_id = validate_theme(theme)
    return Params(**vars(validate_scope(lang=lang, **scope)), theme=theme_id)


@dataclass(frozen=True, kw_only=True)
class SummaryParams(Scope):
    """Validated parameters of the summary notebook (no theme: it covers them all).

    ``previous_dir`` is the folder of the previous build's processed data, or
    None when there is no earlier build to compare with.
    """

    previous_dir: Path | None


def validate_previous_dir(previous_dir: object) -> Path | None:
    """'' or None: no previous build; otherwise an existing folder holding indicators.parquet."""
    if previous_dir is None or (isinstance(previous_dir, str) and not previous_dir.strip()):
        return None
    if not isinstance(previous_dir, (str, Path)):
        raise _one_line(
            ParameterError(
                f"previous_dir={previous_dir!r} is not a folder path; give a string, '' = no previous build"
            )
        )
    path = Path(previous_dir).expanduser()
    if not path.is_dir():
        raise _one_line(ParameterError(f"previous_dir={str(path)!r} is not an existing folder"))
    if not (path / INDICATORS_FILE).is_file():
        raise _one_line(
            ParameterError(
                f"previous_dir={str(path)!r} has no {INDICATORS_FILE}; point it at the previous build's "
                "processed data, or give '' when there is no previous build"
            )
        )
    return path


def validate_summary_params(*, previous_dir: object = "", **scope: Any) -> SummaryParams:
    """Check the summary notebook's parameters: :func:`validate_scope`'s, then ``previous_dir``."""
    return SummaryParams(**vars(validate_scope(**scope)), previous_dir=validate_previous_dir(previous_dir))


def injected_names() -> set[str]:
    """Names assigned by the cell papermill injected into the running notebook, if any.

    papermill only warns about a parameter the notebook does not declare; the
    injected cell's source is in IPython's input history, so the notebook can
    refuse it instead of running with a value nobody reads.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return set()
    shell = get_ipython()
    if shell is None:
        return set()
    for source in reversed(shell.user_ns.get("In", [])):
        if source.splitlines()[:1] == [INJECTED_CELL_HEADER]:
            return assigned_names(source)
    return set()


def reject_unknown_parameters(declared: tuple[str, ...], injected: set[str] | None = None) -> None:
    """Stop with one line when papermill injected a parameter the notebook does not declare."""
    unknown = sorted((injected_names() if injected is None else injected) - set(declared))
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise _one_line(
            ParameterError(f"unknown parameter {names}; this notebook takes: {', '.join(declared)}")
        )
