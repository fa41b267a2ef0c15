"""Where one theme report's time goes, step by step, in one process (issue 14, item 3).

    .venv/bin/python benchmarks/bench_report.py [--theme urban] [--lang en] [--repeats 5]

Runs ``notebooks/theme.ipynb``'s cells in an IPython shell in this process (no kernel start; the
first run, with its imports, is reported apart), then times the parts of its charts cell and the
build's HTML step on the same report:

- context loading (``page.setup``), each cell of the notebook;
- per chart: drawing, PNG file, SVG file, and the phone drawing with its PNG;
- HTML: nbconvert alone, the build's ``render_report`` (one BeautifulSoup pass), and the same
  made with two passes (``make_inert(drop_inline_styles(...))``), which it replaced;
- entering the house style with the font's coverage known vs read from the font file again.

Medians of ``--repeats`` runs, and ratios measured in the same run. Reads the bundled processed
data; writes only to a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wuwei_analysis import config  # noqa: E402


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _paired(first: Callable[[], object], second: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Medians of two ways of doing one thing, timed in turns so that load hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, found in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            fn()
            found.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def _cells() -> list[str]:
    nb = json.loads((config.NOTEBOOKS_DIR / "theme.ipynb").read_text(encoding="utf-8"))
    return [
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and "remove-cell" not in c["metadata"].get("tags", [])
    ]


def _run_cells(shell, cells: list[str], parameters: str) -> list[tuple[str, float]]:
    shell.run_cell(cells[0], silent=True)
    shell.run_cell(parameters, silent=True)
    timed = []
    for source in cells[1:]:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = shell.run_cell(source)
        if not result.success:
            raise SystemExit(f"cell failed: {source}\n{result.error_in_exec or result.error_before_exec}")
        name = next(line for line in source.splitlines() if "page." in line)
        timed.append((name.strip(), time.perf_counter() - started))
    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", default="urban")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wuwei-bench-report-"))
    try:
        _cells_report(args, tmp)
        _charts_report(args, tmp)
        _html_report(args, tmp)
        _font_report(args.repeats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _cells_report(args, tmp: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    parameters = (
        f'theme = "{args.theme}"\nlang = "{args.lang}"\nregion = "{config.DEFAULT_REGION}"\n'
        f'year = {config.DEFAULT_YEAR}\nprocessed_dir = ""\nreports_dir = "{tmp / "cells"}"\n'
    )
    cells = _cells()
    started = time.perf_counter()
    _run_cells(shell, cells, parameters)
    first = time.perf_counter() - started
    runs = [_run_cells(shell, cells, parameters) for _ in range(args.repeats)]
    total = statistics.median(sum(t for _, t in run) for run in runs)
    print(
        f"{args.theme}/{args.lang}: first run (imports included) {first:.2f} s; then {total:.2f} s (median)"
    )
    for n, (name, _) in enumerate(runs[0]):
        t = statistics.median(run[n][1] for run in runs)
        print(f"  {t:6.3f} s  {t / total:5.1%}  {name}")


def _charts_report(args, tmp: Path) -> None:
    from wuwei_analysis.report import chart_style, page

    ctx = page.setup(theme=args.theme, lang=args.lang, reports_dir=str(tmp / "charts"))
    charts = page.draw_charts(ctx)
    if not charts:
        print("no charts")
        return
    draw = _median(lambda: [c.fig for c in page.draw_charts(ctx)], args.repeats) / len(
        charts
    )  # drawn when asked
    folder = tmp / "charts-files"
    folder.mkdir()

    def save(fmt: str) -> None:
        with chart_style.house_style():
            for chart in charts:
                chart.fig.savefig(folder / f"{chart.name}.{fmt}", format=fmt, dpi=chart_style.DPI)

    png = _median(lambda: save("png"), args.repeats) / len(charts)
    svg = _median(lambda: save("svg"), args.repeats) / len(charts)
    phone = _median(lambda: [c.phone_png() for c in charts], args.repeats) / len(charts)
    print(f"charts: {len(charts)}; per chart: draw {draw:.3f} s, PNG file {png:.3f} s, SVG file {svg:.3f} s,")
    print(f"        phone drawing and its PNG {phone:.3f} s (the notebook shows the desk file's bytes)")


def _html_report(args, tmp: Path) -> None:
    import papermill

    from wuwei_analysis.build import export

    executed = tmp / "executed.ipynb"
    with contextlib.redirect_stderr(io.StringIO()):
        nb = papermill.execute_notebook(
            str(config.NOTEBOOKS_DIR / "theme.ipynb"),
            str(executed),
            parameters={"theme": args.theme, "lang": args.lang, "reports_dir": str(tmp / "html")},
            kernel_name="python3",
            progress_bar=False,
        )
    context = {
        "html_lang": args.lang,
        "title": "t",
        "heading": "h",
        "meta": [],
        "footer": "",
        "footer_meta": [],
    }
    exporter = export._exporter()

    def nbconvert_only() -> str:
        return exporter.from_notebook_node(export.prepare_notebook(nb), resources={"wuwei": context})[0]

    def before() -> str:
        """What render_report did before: validation after each preprocessor, two passes."""
        exporter.optimistic_validation = False
        try:
            body = export.make_inert(export.drop_inline_styles(nbconvert_only()))
        finally:
            exporter.optimistic_validation = True
        assert not export.find_external_references(body)
        return body

    page = export.render_report(nb, context)
    assert before() == page, "the page differs from the two-pass one"
    base = _median(nbconvert_only, args.repeats)
    now, old = _paired(lambda: export.render_report(nb, context), before, args.repeats * 3)
    print(
        f"HTML ({len(page) // 1000} kB): nbconvert alone {base:.3f} s; render_report {now:.3f} s; as before {old:.3f} s"
    )
    print(f"      render_report / before = {now / old:.2f} (same bytes)")


def _font_report(repeats: int) -> None:
    from wuwei_analysis.report import chart_style, fonts

    def enter() -> None:
        with chart_style.house_style():
            pass

    def enter_uncached() -> None:
        fonts._file_covers.cache_clear()
        enter()

    enter()
    kept, read = _paired(enter, enter_uncached, repeats * 4)
    print(f"house style entered: {kept * 1000:.1f} ms with the font's coverage kept, {read * 1000:.1f} ms")
    print(f"      reading it again ({kept / read:.2f}); a report enters it ~6 times")


if __name__ == "__main__":
    sys.exit(main())
