"""One place for paths and defaults.

Every module, notebook and command takes its default locations from here, so a
checkout can be moved or pointed at another data folder without editing code.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]

DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
REFERENCE_DIR = DATA_DIR / "reference"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
# A scheduled job or a test may publish elsewhere without editing code.
REPORTS_DIR = Path(os.environ.get("WUWEI_REPORTS_DIR", PROJ_ROOT / "reports"))
PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"

# The source article sits beside the checkout (../shared/sources/) in the
# team's workspace and in CI; WUWEI_SOURCES_DIR points elsewhere.
SOURCES_DIR = Path(os.environ.get("WUWEI_SOURCES_DIR", PROJ_ROOT.parent / "shared" / "sources"))

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
