"""Benchmark `wuwei extract` on a 100,000-character article against a plain digit scan.

Usage: python benchmarks/bench_extract.py [--chars N] [--check]

Builds the article by repeating the bundled source (``config.SOURCES_DIR``) to N characters in a
temporary file, times the whole extraction (read, find, draft; best of 3) and a baseline measured
in the same run on the same file (read the text and scan it for digit runs with one regex), and
prints the seconds, the ratio and PASS/FAIL against the target. It is a report: the exit status
is 0 unless --check is given and the target is missed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from wuwei_analysis import config, extract
from wuwei_analysis.extract.text import read_article

ARTICLE = config.SOURCES_DIR / "000_8cc33e0044cfc9fd.txt"
DEFAULT_CHARS = 100_000
TARGET_SECONDS = 2.0  # for 100,000 characters
REPEATS = 3


def long_article(folder: Path, chars: int) -> Path:
    """The bundled article repeated (whole paragraphs) to at least `chars` characters."""
    text = ARTICLE.read_text(encoding="utf-8")
    path = folder / "long.txt"
    path.write_text(text * (chars // len(text) + 1), encoding="utf-8")
    return path


def baseline(path: Path) -> int:
    """Read the article as the extractor does and count digit runs with one regex."""
    return len(re.findall(r"[0-9０-９]+", read_article(path).text))


def best_of(repeats: int, func: Callable, *args: object) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=DEFAULT_CHARS)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    if not ARTICLE.is_file():
        print(f"source article not found at {ARTICLE}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        path = long_article(Path(folder), args.chars)
        extract.extract(path)  # warm the reference-table caches, as a second run would find them
        seconds = best_of(REPEATS, extract.extract, path)
        base = best_of(REPEATS, baseline, path)
        draft = extract.extract(path)
        chars = len(draft.article.text)
    limit = TARGET_SECONDS * args.chars / DEFAULT_CHARS
    ok = seconds < limit
    print(f"characters               {chars:,}")
    print(
        f"extract (best of {REPEATS})       {seconds:.3f} s  ({len(draft.found):,} figures, {len(draft.rows):,} rows)"
    )
    print(f"baseline read + digit scan {base:.4f} s")
    print(f"ratio extract/baseline   {seconds / base:.0f}x")
    print(f"{'PASS' if ok else 'FAIL'}  extract < {limit:g} s")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
