"""The CSV a report page links: its figures as the table shows them, with their provenance.

Written beside the published page where :func:`wuwei_analysis.site_paths.download_path` says,
so that the page's "download" link (computed by the same function) finds it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wuwei_analysis import site_paths
from wuwei_analysis.files import atomic_write_bytes
from wuwei_analysis.tables.write import csv_bytes

# The columns of a page's download, in this order (those the figures have).
COLUMNS = (
    "theme", "indicator_id", "name_zh", "name_en", "region_code", "region_zh", "region_en", "year",
    "value", "value_high", "unit", "qualifier", "status", "value_as_written", "source_id", "quote",
    "quote_en",
)  # fmt: skip


def save_download(
    indicators: pd.DataFrame, reports_dir: Path | str, lang: str, region_code: str, year: int, theme: str
) -> Path:
    """Write the CSV of a page's figures (UTF-8 with BOM, as the processed tables); its path."""
    target = Path(reports_dir) / site_paths.download_path(lang, region_code, year, theme)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = indicators.reindex(columns=[c for c in COLUMNS if c in indicators])
    atomic_write_bytes(target, csv_bytes(frame))
    return target
