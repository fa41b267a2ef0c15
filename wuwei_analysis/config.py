"""One place for paths and defaults.

Every module, notebook and command takes its default locations from here, so a
checkout can be moved or pointed at another data folder without editing code.

Two ways to have the package:

- a checkout (``make install``, ``pip install -e .``): the project folder is the checkout;
- an installed wheel (``pip install .`` or from an index): the project folder is the current
  folder, and the reference data (``data/reference/``) comes with the package
  (``wuwei_analysis/reference_data``, built from ``data/reference/``).

Environment settings: ``WUWEI_DATA_DIR`` (the data folder: ``raw/``, ``processed/``, and
``reference/`` if it has one, else the bundled reference data), ``WUWEI_REPORTS_DIR`` (where
``wuwei build`` publishes), ``WUWEI_SCRATCH_DIR`` (where interactive runs write charts).
``wuwei build`` itself sets ``WUWEI_CHART_CACHE`` for its notebooks (:data:`CHART_CACHE_ENV`).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
BUNDLED_REFERENCE_DIR = PACKAGE_DIR / "reference_data"  # only in a built wheel (pyproject package-dir)
_CHECKOUT = PACKAGE_DIR.parent
IN_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "data" / "reference").is_dir()
PROJ_ROOT = _CHECKOUT if IN_CHECKOUT else Path.cwd()

DATA_DIR = Path(os.environ.get("WUWEI_DATA_DIR") or PROJ_ROOT / "data")
RAW_DATA_DIR = DATA_DIR / "raw"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
REFERENCE_DIR = DATA_DIR / "reference" if (DATA_DIR / "reference").is_dir() else BUNDLED_REFERENCE_DIR
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
# A scheduled job or a test may publish elsewhere without editing code.
REPORTS_DIR = Path(os.environ.get("WUWEI_REPORTS_DIR") or PROJ_ROOT / "reports")
# Where a notebook run in JupyterLab, nbconvert or papermill writes its charts when no
# `reports_dir` is given: never reports/, which only `wuwei build` publishes. Not in git.
SCRATCH_DIR = Path(os.environ.get("WUWEI_SCRATCH_DIR") or PROJ_ROOT / ".scratch")

# Set by `wuwei build` for its notebooks' kernels: the build's chart cache (report/chart_cache.py).
CHART_CACHE_ENV = "WUWEI_CHART_CACHE"

# The source article sits beside the checkout (../shared/sources/) in the
# team's workspace and in CI; WUWEI_SOURCES_DIR points elsewhere.
SOURCES_DIR = Path(os.environ.get("WUWEI_SOURCES_DIR", PROJ_ROOT.parent / "shared" / "sources"))

# The files `wuwei clean` writes into the processed folder: anything else there is not an input.
PROCESSED_TABLES = ("indicators", "measures", "sources", "data_dictionary")
PROCESSED_SUFFIXES = (".parquet", ".csv")
# Processed tables that are read by theme and so must have a `theme` column.
THEMED_TABLES = ("indicators", "measures")

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
# The `lang` attribute of every page in each language: Simplified Chinese is a script, not a country.
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
CITY_CODE = "620600"
DEFAULT_REGION = CITY_CODE
DEFAULT_YEAR = 2025
# The theme ids are the rows of data/reference/themes.csv: reference.theme_ids().
SUMMARY = "summary"


def report_dir(reports_dir: Path, lang: str, region: str = "", year: int | None = None) -> Path:
    """The folder of one place's and year's reports: ``<reports_dir>/<lang>/<region code>/<year>``.

    Places and years are kept apart, so no report overwrites another's; without a region and year
    (a report not tied to one) it is the language's folder.
    """
    folder = Path(reports_dir) / lang
    return folder / str(region) / str(year) if region and year is not None else folder


def figures_dir(reports_dir: Path, lang: str, region: str = "", year: int | None = None) -> Path:
    """Where a report's chart files (PNG and SVG) are written: ``figures/`` in its report folder."""
    return report_dir(reports_dir, lang, region, year) / "figures"
