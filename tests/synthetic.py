"""Clearly synthetic figures for tests and benchmarks: more years and places, never in data/raw/.

The bundled data holds only figures the source states. To test a living series (a second year, a
second place) the tests copy the raw folder and add rows here, each citing a source whose id and
title say SYNTHETIC and whose quote says 合成测试数据 (synthetic test data). Nothing here is a
real figure.

    from synthetic import SyntheticRow, write_synthetic  # tests/ is on the path in pytest
    write_synthetic(tmp_path / "raw", [SyntheticRow("urban_x", "620600", 2026, "55个")])
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

from wuwei_analysis import config

SOURCE_ID = "synthetic_test_data"
SOURCE_TITLE = "SYNTHETIC TEST DATA 合成测试数据 — not a real source"
FILE_NAME = "synthetic_figures.csv"
HEADER = [
    "主题",
    "指标代码",
    "指标名称",
    "英文名称",
    "地区",
    "年份",
    "数值",
    "单位",
    "状态",
    "时期",
    "来源",
    "引文",
]


@dataclass(frozen=True)
class SyntheticRow:
    """One made-up figure: an indicator of the bundled data, in another place or year."""

    indicator_id: str
    region: str  # a code or name of data/reference/regions.csv
    year: int
    value: str  # as written, e.g. "55个"


def _bundled(raw_dir: Path) -> dict[str, dict[str, str]]:
    """The bundled figure rows by indicator id (theme, names, unit, status, period come from them)."""
    rows = {}
    for path in sorted(raw_dir.glob("*.csv")):
        if path.stem in ("sources",) or path.stem.startswith("measures") or path.name == FILE_NAME:
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.setdefault(row["指标代码"], row)
    return rows


def write_synthetic(dest: Path, rows: list[SyntheticRow], raw_dir: Path = config.RAW_DATA_DIR) -> Path:
    """Copy ``raw_dir`` to ``dest`` and add ``rows`` (and the synthetic source); returns ``dest``."""
    raw_dir, dest = Path(raw_dir), Path(dest)
    if dest.resolve() == config.RAW_DATA_DIR.resolve():
        raise ValueError("synthetic rows never go into data/raw/")
    if not dest.exists():
        shutil.copytree(raw_dir, dest)
    bundled = _bundled(dest)
    with (dest / "sources.csv").open("r+", encoding="utf-8", newline="") as handle:
        header = next(csv.reader([handle.readline()]))
        handle.seek(0, 2)
        values = {"来源编号": SOURCE_ID, "标题": SOURCE_TITLE, "作者": "test generator", "年份": "2026",
                  "类型": "synthetic", "语言": "zh"}  # fmt: skip
        csv.writer(handle, lineterminator="\n").writerow([values.get(h, "") for h in header])
    with (dest / FILE_NAME).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            model = bundled[row.indicator_id]
            quote = f"合成测试数据{row.value}"
            writer.writerow([model["主题"], row.indicator_id, model["指标名称"], model["英文名称"], row.region,
                             row.year, row.value, model["单位"], model["状态"], model.get("时期", ""),
                             SOURCE_ID, quote])  # fmt: skip
    return dest


def places_and_years(dest: Path, indicator_id: str, regions: list[str], years: list[int], base: int) -> Path:
    """``len(regions) × len(years)`` synthetic rows of one indicator (for benchmarks): value base+n."""
    rows = [
        SyntheticRow(indicator_id, region, year, f"{base + n}个")
        for n, (region, year) in enumerate((r, y) for r in regions for y in years)
    ]
    return write_synthetic(dest, rows)
