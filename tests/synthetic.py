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


def write_synthetic(
    dest: Path,
    rows: list[SyntheticRow],
    raw_dir: Path = config.RAW_DATA_DIR,
    models: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Copy ``raw_dir`` to ``dest`` and add ``rows`` (and the synthetic source); returns ``dest``.

    ``models`` (indicator id → a bundled row) default to the rows of the copied folder."""
    raw_dir, dest = Path(raw_dir), Path(dest)
    if dest.resolve() == config.RAW_DATA_DIR.resolve():
        raise ValueError("synthetic rows never go into data/raw/")
    if not dest.exists():
        shutil.copytree(raw_dir, dest)
    bundled = models if models is not None else _bundled(dest)
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


# A made-up city and its counties for benchmarks at scale: codes under 99 (no Chinese province).
MATRIX_CITY = ("合成市", "990100", "Synthetic City (SYNTHETIC)")
MATRIX_REGIONS_HEADER = "region_zh,region_code,region_en,level,parent_code,aliases"


def matrix_reference(dest: Path, places: int, reference_dir: Path = config.REFERENCE_DIR) -> list[str]:
    """Copy ``reference_dir`` to ``dest`` with a regions.csv of ``places`` clearly synthetic places.

    One synthetic city (990100) and ``places - 1`` synthetic counties below it (990101, …); no real
    place, so none is unused. Point the tool at it with ``WUWEI_DATA_DIR`` (a data folder with its
    own ``reference/``). Returns the places' codes, city first.
    """
    dest = Path(dest)
    shutil.copytree(reference_dir, dest)
    city_zh, city_code, city_en = MATRIX_CITY
    lines = [MATRIX_REGIONS_HEADER, f"{city_zh},{city_code},{city_en},city,,"]
    codes = [city_code]
    for n in range(1, places):
        code = f"9901{n:02d}"
        lines.append(f"合成县{n:02d},{code},Synthetic County {n:02d} (SYNTHETIC),county,{city_code},")
        codes.append(code)
    (dest / "regions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return codes


def _matrix_value(model: dict[str, str], n: int) -> str:
    """A made-up value in the model row's unit: ``37人``, ``41%``, ``1:1.37``."""
    unit = model["单位"]
    if unit == "比值":
        return f"1:{1 + n / 100:.2f}"
    return f"{n}{unit}"


def write_matrix(
    dest: Path, regions: list[str], years: list[int], raw_dir: Path = config.RAW_DATA_DIR
) -> Path:
    """A raw folder of only synthetic figures: every bundled indicator × ``regions`` × ``years``.

    The bundled rows give each indicator's theme, names, unit, status and period, never a value;
    no bundled figure, measure or source is copied. Values differ by place and year (base 20+).
    """
    dest = Path(dest)
    if dest.resolve() == config.RAW_DATA_DIR.resolve():
        raise ValueError("synthetic rows never go into data/raw/")
    models = _bundled(Path(raw_dir))
    dest.mkdir(parents=True)
    header = (Path(raw_dir) / "sources.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (dest / "sources.csv").write_text(header + "\n", encoding="utf-8")
    rows = [
        SyntheticRow(indicator_id, region, year, _matrix_value(model, 20 + i + 3 * r + 7 * y))
        for i, (indicator_id, model) in enumerate(sorted(models.items()))
        for r, region in enumerate(regions)
        for y, year in enumerate(years)
    ]
    return write_synthetic(dest, rows, raw_dir=dest, models=models)


def places_and_years(dest: Path, indicator_id: str, regions: list[str], years: list[int], base: int) -> Path:
    """``len(regions) × len(years)`` synthetic rows of one indicator (for benchmarks): value base+n."""
    rows = [
        SyntheticRow(indicator_id, region, year, f"{base + n}个")
        for n, (region, year) in enumerate((r, y) for r in regions for y in years)
    ]
    return write_synthetic(dest, rows)
