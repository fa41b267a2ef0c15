"""The benchmarks time what they claim to: their synthetic inputs are valid for the tool."""

from __future__ import annotations

import csv
import subprocess
import sys

from wuwei_analysis.config import PROJ_ROOT
from wuwei_analysis.tables.clean import check, raw_files

sys.path.insert(0, str(PROJ_ROOT / "benchmarks"))

import bench_clean  # noqa: E402


def test_bench_clean_generates_a_raw_folder_that_passes_check(tmp_path):
    bench_clean.synthetic_raw(tmp_path / "raw", 3_000)
    assert check(raw_files(tmp_path / "raw")).problems == []


def test_bench_clean_rows_are_marked_synthetic(tmp_path):
    figures = bench_clean.synthetic_raw(tmp_path / "raw", 50)
    text = figures.read_text(encoding="utf-8")
    assert text.count("bench_synthetic") == 50
    assert "合成" in (tmp_path / "raw" / "sources.csv").read_text(encoding="utf-8")


def test_bench_build_matrix_is_10_synthetic_places_by_2_years_of_valid_data(tmp_path):
    import build_matrix

    matrix = build_matrix.make(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "wuwei_analysis", "check", str(matrix.raw)],
        env={**matrix.env(), "PYTHONPATH": str(PROJ_ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower()
    with matrix.figures.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["地区"], int(r["年份"])) for r in rows} == {(c, y) for c in matrix.codes for y in (2025, 2026)}
    assert len(set(matrix.codes)) == 10
    # only synthetic figures, places and sources: nothing of data/raw/ but its indicator names
    assert all(r["来源"] == "synthetic_test_data" and r["引文"].startswith("合成测试数据") for r in rows)
    regions = list(csv.DictReader((matrix.data / "reference" / "regions.csv").open(encoding="utf-8")))
    assert [r["region_code"] for r in regions] == list(matrix.codes)
    assert all(r["region_code"].startswith("99") and "SYNTHETIC" in r["region_en"] for r in regions)
    assert sorted(p.name for p in matrix.raw.iterdir()) == ["sources.csv", "synthetic_figures.csv"]
