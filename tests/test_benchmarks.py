"""The benchmarks time what they claim to: their synthetic inputs are valid for the tool."""

from __future__ import annotations

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
