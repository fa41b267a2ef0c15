"""Benchmark `wuwei check` and `wuwei clean` against pandas reading and writing the same table.

Usage: python benchmarks/bench_clean.py [--rows N] [--million] [--repeats R] [--check]

Generates a valid synthetic raw folder (seeded; N figure rows, default 100,000; 1,000,000 with
--million) in a temporary folder — never in data/raw/ — and times, as whole processes, in turn:
the baseline (pandas reads the figures CSV and writes it as parquet and CSV), `wuwei check` and
`wuwei clean`. It prints the median seconds (wall, and CPU: user + system) and peak memory of
each and the ratios against the baseline measured in the same run; the targets are on wall time. The rows are clearly synthetic (ids `bench_…`, source
`bench_synthetic`) and only exist for timing. Exit status is 0 unless --check is given and a
target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEED = 20251129
DEFAULT_ROWS = 100_000
MILLION = 1_000_000
TARGET_RATIO = 3.0  # check and clean each at most this many times the pandas baseline
TARGET_MILLION_SECONDS = 15.0  # clean of 1,000,000 rows
TARGET_MILLION_MB = 2048.0

THEMES = ("education", "health", "elderly_care", "urban", "employment", "social_security")
REGIONS = ("620600", "620602", "620621", "620622", "620623")
# (value as written, unit): every form the cleaner reads, each with a unit of units.csv
VALUES = (
    ("{n}所", "所"), ("{n}名", "人"), ("{n}户", "户"), ("{n}栋", "栋"), ("{n}个", "项目"),
    ("约{n}人", "人"), ("{n}多名", "人"), ("{n}余户", "户"), ("逾{n}人", "人"), ("{p}%", "%"),
    ("１２３", "项目"), ("七十三", "项目"), ("1:1.{d}", "比值"), ("{k},{t:03d}户", "户"), ("{s}平方米/人", "平方米/人"),
    ("2至{d}岁", "岁"), ("1.{d}万人", "人"), ("近{n}所", "所"),
)  # fmt: skip
BASELINE = (
    "import sys, pandas as pd; frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False); "
    "frame.to_parquet(sys.argv[2]); frame.to_csv(sys.argv[3], index=False, encoding='utf-8-sig')"
)


def synthetic_raw(folder: Path, rows: int, seed: int = SEED) -> Path:
    """Write a valid raw folder of ``rows`` synthetic figures; return the figures file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        [
            [
                "bench_synthetic",
                "基准测试用合成数据（非真实数字）",
                "benchmark",
                "2025",
                "synthetic",
                "zh",
                "",
                "",
            ]
        ],
        columns=["来源编号", "标题", "作者", "年份", "类型", "语言", "文件", "校验和"],
    ).to_csv(folder / "sources.csv", index=False)
    forms = rng.integers(0, len(VALUES), rows)
    numbers = rng.integers(1, 9999, rows)
    values, units = [], []
    for form, n in zip(forms, numbers, strict=True):
        template, unit = VALUES[form]
        value = template.format(n=n, p=n % 100, d=n % 9 + 3, t=n % 1000, s=n % 30 + 1, k=n % 999 + 1)
        values.append(value)
        units.append(unit)
    index = np.arange(rows)
    frame = pd.DataFrame(
        {
            "theme": np.array(THEMES)[index % len(THEMES)],
            "indicator_id": [f"bench_indicator_{i // len(REGIONS):07d}" for i in index],
            "name_zh": [f"合成指标{i // len(REGIONS)}" for i in index],
            "name_en": [f"Synthetic indicator {i // len(REGIONS)}" for i in index],
            "region": np.array(REGIONS)[index % len(REGIONS)],
            "year": 2025,
            "value": values,
            "unit": units,
            "status": "",
            "source_id": "bench_synthetic",
            "quote": [f"合成：{v}" for v in values],
        }
    )
    path = folder / "figures.csv"
    frame.to_csv(path, index=False)
    return path


class Run(NamedTuple):
    """One run of a command: wall and CPU seconds, peak resident memory, exit status."""

    seconds: float
    cpu: float  # user + system: less moved than wall time by other work on a shared machine
    mb: float
    status: int


def run_once(command: list[str]) -> Run:
    """Time one run of ``command`` as a whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr:
        process.stderr.close()
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def measure(commands: dict[str, list[str]], repeats: int) -> dict[str, Run]:
    """Run the commands in turn (A B C A B C …): each one's median times, peak memory, worst status."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            runs[name].append(run_once(command))
    return {
        name: Run(
            statistics.median(r.seconds for r in results),
            statistics.median(r.cpu for r in results),
            max(r.mb for r in results),
            max(r.status for r in results),
        )
        for name, results in runs.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--million", action="store_true", help="1,000,000 rows")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    rows = MILLION if args.million else args.rows
    wuwei = [sys.executable, "-m", "wuwei_analysis"]
    with tempfile.TemporaryDirectory(prefix="bench_clean_") as tmp:
        work = Path(tmp)
        figures = synthetic_raw(work / "raw", rows)
        commands = {
            "pandas read + write (baseline)": [
                sys.executable, "-c", BASELINE, str(figures), str(work / "b.parquet"), str(work / "b.csv"),
            ],
            "wuwei check": [*wuwei, "check", str(work / "raw")],
            "wuwei clean": [*wuwei, "clean", "--raw-dir", str(work / "raw"), "--out-dir", str(work / "out")],
        }  # fmt: skip
        print(f"{rows:,} synthetic rows, {args.repeats} runs each, medians; peak memory of the largest run")
        results = measure(commands, args.repeats)
        shutil.rmtree(work / "out", ignore_errors=True)
    base = results["pandas read + write (baseline)"]
    missed = []
    for name, (seconds, cpu, mb, status) in results.items():
        ratio = seconds / base.seconds
        print(
            f"  {name:32s} {seconds:7.2f} s  {mb:7.0f} MB  {ratio:5.2f} × baseline  "
            f"(CPU {cpu:6.2f} s, {cpu / base.cpu:4.2f} ×)  exit {status}"
        )
        if name != "pandas read + write (baseline)":
            if status != 0:
                missed.append(f"{name} exited {status}")
            if ratio > TARGET_RATIO:
                missed.append(f"{name} is {ratio:.2f} × the baseline (target ≤ {TARGET_RATIO:g} ×)")
    if rows >= MILLION:
        seconds, _, mb, _ = results["wuwei clean"]
        if seconds > TARGET_MILLION_SECONDS:
            missed.append(f"clean of 1M rows took {seconds:.1f} s (target ≤ {TARGET_MILLION_SECONDS:g} s)")
        if mb > TARGET_MILLION_MB:
            missed.append(f"clean of 1M rows peaked at {mb:.0f} MB (target ≤ {TARGET_MILLION_MB:g} MB)")
    print("PASS" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
