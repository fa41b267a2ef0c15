"""Benchmark `wuwei_analysis.tables.parse.parse_values` against a row-wise `.apply` baseline.

Usage: python benchmarks/bench_parse.py [--rows N] [--baseline-rows N] [--check]

Builds a synthetic column that mixes the value forms of Chinese sources (seeded, so every run sees
the same data), times the vectorised parser (best of 3) and a straightforward per-value Python
parser applied row by row, measures the peak memory of the vectorised run in a fresh subprocess,
and prints PASS/FAIL against the targets. It is a report: the exit status is 0 unless --check is
given and a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from pyarrow import feather

from wuwei_analysis.reference import qualifier_words
from wuwei_analysis.tables.parse import (
    MISSING_TOKENS,
    RANGE_SEPARATORS,
    RATIO_SEPARATORS,
    SPREADSHEET_ERRORS,
    chinese_to_number,
    multiplier_value,
    parse_values,
)

SEED = 20250601
DEFAULT_ROWS = 1_000_000
# A full row-wise apply over a million rows takes long; by default it runs on a slice and is
# scaled linearly (apply costs the same per row whatever the column length).
DEFAULT_BASELINE_ROWS = 200_000
TARGET_RATIO = 3.0  # vectorised must be at least this many times faster than the baseline
TARGET_SECONDS = 2.0  # for 1,000,000 rows
TARGET_PEAK_MB = 1500.0
REPEATS = 3

COUNTERS = ("所", "名", "人", "个", "家", "项", "栋", "户", "平方米", "岁", "人次", "平方米/人")
PREFIXES = ("约", "近", "大约", "逾", "超过", "不足", "不到", "至少")
SUFFIXES = ("多", "余", "左右")
CHINESE_NUMERALS = (
    "八", "十二", "七十三", "一千四百三十七", "两千", "一万二千", "一千零五", "三万", "九十九", "二百",
    "五十", "六", "十", "一百零八", "三千五百", "两万", "四十五", "七", "〇", "一万零一十",
)  # fmt: skip
BLANKS = ("", " ", "—", "-", "--", "NA", "n/a", "None", "nan", "–")
BAD = ("abc", "12abc34", "1.2.3", "约", "多100", "1,23", "#DIV/0!", "#N/A", "1:", "3-2")
FULL_WIDTH = str.maketrans("0123456789,.%", "０１２３４５６７８９，．％")

# Share of each form in the synthetic column (sums to 1).
MIX = {
    "plain": 0.30,
    "decimal": 0.08,
    "thousands": 0.10,
    "counter": 0.15,
    "qualified": 0.10,
    "full_width": 0.05,
    "percent": 0.05,
    "ratio": 0.02,
    "range": 0.03,
    "chinese": 0.04,
    "multiplier": 0.03,
    "scientific": 0.01,
    "blank": 0.03,
    "bad": 0.01,
}


def synthetic_column(rows: int, seed: int = SEED) -> pd.Series:
    """A seeded column of raw figure strings mixing every form the parser reads."""
    rng = np.random.default_rng(seed)
    forms = rng.choice(list(MIX), size=rows, p=list(MIX.values()))
    ints = rng.integers(0, 100_000, size=rows)
    smalls = rng.integers(1, 100, size=rows)
    picks = rng.integers(0, 1_000_000, size=rows)

    def make(i: int) -> str:
        form, n, k, pick = forms[i], int(ints[i]), int(smalls[i]), int(picks[i])
        if form == "plain":
            return str(n)
        if form == "decimal":
            return f"{n / 100:.2f}"
        if form == "thousands":
            return f"{n * 37:,}"
        if form == "counter":
            return f"{n}{COUNTERS[pick % len(COUNTERS)]}"
        if form == "qualified":
            if pick % 2:
                return f"{PREFIXES[pick % len(PREFIXES)]}{n}"
            return f"{n}{SUFFIXES[pick % len(SUFFIXES)]}{COUNTERS[pick % len(COUNTERS)] * (pick % 3 == 0)}"
        if form == "full_width":
            return f"{n:,}".translate(FULL_WIDTH)
        if form == "percent":
            return f"{k}{('%', '％', ' %')[pick % 3]}"
        if form == "ratio":
            return f"1{RATIO_SEPARATORS[pick % 2]}{k / 10:.2f}"
        if form == "range":
            return f"{k}{RANGE_SEPARATORS[pick % len(RANGE_SEPARATORS)]}{k + pick % 5}{'岁' * (pick % 2)}"
        if form == "chinese":
            return CHINESE_NUMERALS[pick % len(CHINESE_NUMERALS)] + COUNTERS[pick % 7] * (pick % 2)
        if form == "multiplier":
            return f"{k / 10:g}{('万', '亿', '千')[pick % 3]}"
        if form == "scientific":
            return f"{n * 10.37:.3E}"
        if form == "blank":
            return BLANKS[pick % len(BLANKS)]
        return BAD[pick % len(BAD)]

    return pd.Series([make(i) for i in range(rows)], dtype="str", name="raw")


# --- baseline: a straightforward per-value parser of the same forms -------------------------------
_WORDS = qualifier_words()
_ONE = re.compile(
    r"(?P<pre>{pre})?\s*(?P<a>[-+−]?(?:[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[零〇一二两三四五六七八九十百千万亿]+))"
    r"(?P<am>[百千万亿]*)\s*(?P<ap>%?)"
    r"(?:\s*(?P<sep>{sep})\s*(?P<b>[-+−]?(?:[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[零〇一二两三四五六七八九十百千万亿]+))"
    r"(?P<bm>[百千万亿]*)\s*(?P<bp>%?))?"
    r"\s*(?P<suf>{suf})?\s*(?P<cnt>(?:[^\W\d_]|/)+?)?\s*(?P<suf2>{suf})?".format(
        pre="|".join(sorted(_WORDS.prefix, key=len, reverse=True)),
        sep="|".join(map(re.escape, RANGE_SEPARATORS + RATIO_SEPARATORS)),
        suf="|".join(sorted(_WORDS.suffix, key=len, reverse=True)),
    )
)
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _number(text: str, multiplier: str) -> float:
    sign = -1.0 if text[:1] in "-−" else 1.0
    text = text.lstrip("+-−")
    if not text[0].isdigit():
        number = chinese_to_number(text)
    elif "," in text and not _GROUPED.fullmatch(text):
        raise ValueError("thousands separators must group digits in threes")
    elif multiplier:  # exact decimal arithmetic, so that 1.2万 is 12000
        number = float(Decimal(text.replace(",", "")) * Decimal(int(multiplier_value(multiplier))))
    else:
        number = float(text.replace(",", ""))
    if math.isinf(number):
        raise ValueError("number too large")
    return sign * number


def parse_one(raw: object) -> tuple[float, float, str, str, str, str]:
    """Parse one raw value (the row-wise baseline): value, value_high, qualifier, counter, kind, error."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return (math.nan, math.nan, "", "", "missing", "")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text in MISSING_TOKENS:
        return (math.nan, math.nan, "", "", "missing", "")
    if text in SPREADSHEET_ERRORS:
        return (math.nan, math.nan, "", "", "error", "spreadsheet error value")
    match = _ONE.fullmatch(text)
    if not match:
        return (math.nan, math.nan, "", "", "error", "not a number the parser can read")
    try:
        low = _number(match["a"], match["am"])
        qualifiers = {_WORDS.prefix.get(match["pre"] or ""), _WORDS.suffix.get(match["suf"] or "")}
        qualifiers |= {_WORDS.suffix.get(match["suf2"] or "")}
        qualifiers.discard(None)
        if len(qualifiers) > 1:
            raise ValueError("two different qualifiers on one figure")
        qualifier = qualifiers.pop() if qualifiers else "exact"
        counter = "%" if match["ap"] or match["bp"] else (match["cnt"] or "")
        if match["sep"] in RATIO_SEPARATORS:
            high = _number(match["b"], match["bm"])
            if low == 0:
                raise ValueError("ratio with a zero left side")
            return (high / low, math.nan, qualifier, "", "ratio", "")
        if match["sep"]:
            high = _number(match["b"], match["bm"])
            if not match["am"] and match["bm"] and low <= float(match["b"].replace(",", "")):
                low *= _number("1", match["bm"])
            if low > high:
                raise ValueError("range low end above its high end")
            return (low, high, "range", counter, "range", "")
        kind = "percent" if match["ap"] else "number"
        return (low, math.nan, qualifier, counter, kind, "")
    except ValueError as exc:
        return (math.nan, math.nan, "", "", "error", str(exc))


def baseline(column: pd.Series) -> pd.DataFrame:
    """The row-wise baseline: `column.apply(parse_one)` expanded to the output columns."""
    rows = column.apply(parse_one)
    names = ["value", "value_high", "qualifier", "counter", "kind", "error"]
    return pd.DataFrame(rows.tolist(), index=column.index, columns=names)


# --- measurement ---------------------------------------------------------------------------------
def best_of(repeats: int, func, *args) -> float:
    """Fastest wall time of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's VmHWM belongs to the process image, so it starts afresh at exec; ru_maxrss (the
    fallback elsewhere) may carry over the parent's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_memory(column_file: str) -> None:
    """In a fresh process: read the column, parse it once, print peak RSS (MB) before and after."""
    # Straight from Arrow memory, so that loading does not set the peak.
    column = pd.Series(pd.array(feather.read_table(column_file).column("raw"), dtype="str"))
    before = peak_rss_mb()
    parse_values(column)
    peak = peak_rss_mb()
    print(json.dumps({"before_mb": before, "peak_mb": peak}))


def peak_memory(column: pd.Series) -> dict[str, float]:
    """Peak RSS of a fresh process that loads `column` and runs `parse_values` on it once.

    The column goes through a Feather file so that building it does not set the peak.
    """
    with tempfile.TemporaryDirectory() as folder:
        column_file = str(Path(folder) / "column.feather")
        column.to_frame().to_feather(column_file)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory", column_file]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--baseline-rows", type=int, default=DEFAULT_BASELINE_ROWS)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child-memory", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_memory:
        child_memory(args.child_memory)
        return 0

    column = synthetic_column(args.rows)
    vectorised = best_of(REPEATS, parse_values, column)

    subset = column.iloc[: min(args.baseline_rows, args.rows)]
    baseline_seconds = best_of(REPEATS, baseline, subset) * len(column) / len(subset)
    scaled = len(subset) < len(column)

    fast, slow = parse_values(subset), baseline(subset)
    agree = (fast["kind"] == slow["kind"]) & (
        (fast["value"] == slow["value"]) | (fast["value"].isna() & slow["value"].isna())
    )
    memory = peak_memory(column)
    ratio = baseline_seconds / vectorised
    seconds_limit = TARGET_SECONDS * args.rows / DEFAULT_ROWS
    checks = {
        f"ratio >= {TARGET_RATIO:g}": ratio >= TARGET_RATIO,
        f"vectorised < {seconds_limit:g} s": vectorised < seconds_limit,
        f"peak < {TARGET_PEAK_MB:g} MB": memory["peak_mb"] < TARGET_PEAK_MB,
    }

    print(f"rows                   {args.rows:,}")
    print(f"vectorised (best of {REPEATS}) {vectorised:.3f} s")
    note = f"  (timed on {len(subset):,} rows, scaled x{len(column) / len(subset):g})" if scaled else ""
    print(f"baseline .apply (best of {REPEATS}) {baseline_seconds:.3f} s{note}")
    print(f"ratio baseline/vector  {ratio:.1f}x")
    print(
        f"peak memory            {memory['peak_mb']:.0f} MB"
        f" (whole process, fresh; {memory['before_mb']:.0f} MB with the column loaded, before parsing)"
    )
    print(f"agreement with baseline on {len(subset):,} rows: {agree.mean():.4%} (kind and value)")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 1 if args.check and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
