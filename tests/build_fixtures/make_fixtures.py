"""Regenerate the tiny notebooks the build tests run: ``python tests/build_fixtures/make_fixtures.py``.

Each has the parameters cell of a real theme notebook. ``theme`` reads the processed indicators of
its theme, shows a table and a chart, saves the chart under ``figures_dir(reports_dir, lang, region, year)`` and
carries a link, an attachment and an SVG for the HTML checks; ``summary`` reads everything and
``previous_dir``; ``raises``, ``sleeps``, ``dies`` and ``no_parameters`` fail in one way each
(``dies`` before its imports, so that a slow import cannot hit ``--timeout`` first).
``leaves_state`` changes every kind of kernel state a warm kernel resets, and ``checks_state``
fails when it sees any of it; both print the kernel's pid and how many notebooks it has run.
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

THEME_PARAMETERS = """theme = "health"
lang = "zh"
region = "620600"
year = 2025
processed_dir = ""
reports_dir = \"\""""

SUMMARY_PARAMETERS = """lang = "zh"
region = "620600"
year = 2025
processed_dir = ""
reports_dir = ""
previous_dir = \"\""""

LOAD = """# wuwei-fixture-code: this comment must never reach the HTML
from pathlib import Path

import pandas as pd

from wuwei_analysis import config

data_dir = Path(processed_dir) if processed_dir else config.PROCESSED_DATA_DIR
out_dir = Path(reports_dir) if reports_dir else config.REPORTS_DIR
rows = pd.read_csv(data_dir / "indicators.csv")"""

# A 1x1 PNG, used as a markdown attachment.
DOT_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b6"
        "c1c40000000049454e44ae426082"
    )
).decode()


def notebook(*cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def parameters(source: str):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


# Printed by the warm-kernel fixtures: a counter kept on the sys module survives a reset, so it
# counts the notebooks one kernel has run (1 in a fresh kernel); the connection file is removed
# when the kernel is shut down properly (not when it is killed).
KERNEL_RUNS = """import os
import sys

from ipykernel.connect import get_connection_file

sys.wuwei_fixture_runs = getattr(sys, "wuwei_fixture_runs", 0) + 1
print(f"kernel pid={os.getpid()} runs={sys.wuwei_fixture_runs} connection={get_connection_file()}")"""

LEAVE_STATE = """import logging
import warnings

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib_inline.backend_inline import set_matplotlib_formats

leaked_global = "set by an earlier notebook"
sns.set_theme(style="dark", palette="bright")  # rcParams and seaborn's colour codes (b, g, r ...)
mpl.rcParams["lines.linewidth"] = 9.5
leaked_figure = plt.figure()
set_matplotlib_formats("svg")
pd.set_option("display.max_rows", 3)
warnings.simplefilter("error")
logging.basicConfig(level=logging.DEBUG)
sys.path.insert(0, "/wuwei-fixture-leak")
os.environ["WUWEI_FIXTURE_LEAK"] = "1"
os.chdir("/")
leaked_global"""

CHECK_STATE = """import logging
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from IPython import get_ipython
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

seen = {
    "a global": "leaked_global" in globals() or "leaked_figure" in globals(),
    "Out": bool(Out),  # noqa: F821 (IPython's output history)
    "rcParams": mpl.rcParams["lines.linewidth"] != 1.5 or mpl.rcParams["axes.facecolor"] != "white",
    "colour codes": to_rgb("b") != (0.0, 0.0, 1.0),
    "open figures": bool(plt.get_fignums()),
    "figure formats": Figure in get_ipython().display_formatter.formatters["image/svg+xml"].type_printers,
    "pandas options": pd.get_option("display.max_rows") != 60,
    "warning filters": ("error", None, Warning, None, 0) in warnings.filters,
    "logging": logging.getLogger().level != logging.WARNING,
    "sys.path": "/wuwei-fixture-leak" in sys.path,
    "environment": "WUWEI_FIXTURE_LEAK" in os.environ,
    "working folder": not os.path.samefile(os.getcwd(), reports_dir),
}
assert not any(seen.values()), f"left by an earlier notebook: {[k for k, v in seen.items() if v]}"
print("clean kernel state")"""


def theme_notebook(*failure_cells, first=()):
    intro = new_markdown_cell(
        "# Fixture report\n\nFigures from [the source](https://example.org/source). ![dot](attachment:dot.png)"
    )
    intro.attachments = {"dot.png": {"image/png": DOT_PNG}}
    chart = """import matplotlib.pyplot as plt
from IPython.display import display

rows = rows[rows["theme"] == theme]
fig, ax = plt.subplots(figsize=(3, 2))
ax.bar(rows["indicator_id"], rows["value"])
ax.set_title(f"{theme} ({lang})")
figures = config.figures_dir(out_dir, lang, region, year)
figures.mkdir(parents=True, exist_ok=True)
fig.savefig(figures / f"{theme}.png", dpi=40)
display(fig)
plt.close(fig)"""
    extras = """import sys

from IPython.display import SVG, Markdown

print("fixture-stderr-marker", file=sys.stderr)
square = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
display(SVG(square))
Markdown(f"**{len(rows)}** figures for {theme} in {lang}, region {region}, {year}.")"""
    return notebook(
        parameters(THEME_PARAMETERS),
        intro,
        *first,
        new_code_cell(LOAD),
        *failure_cells,
        new_code_cell(chart),
        new_code_cell('rows[["indicator_id", "value"]]'),
        new_code_cell(extras),
    )


def summary_notebook():
    body = """from IPython.display import Markdown, display

display(rows.groupby("theme")["value"].count().to_frame("figures"))
if previous_dir:
    previous = pd.read_csv(Path(previous_dir) / "indicators.csv")
    changed = len(rows.merge(previous, how="outer", indicator=True).query("_merge != 'both'"))
    display(Markdown(f"Compared with the previous edition: {changed} changed rows."))
else:
    display(Markdown("No previous edition."))"""
    return notebook(
        parameters(SUMMARY_PARAMETERS),
        new_markdown_cell("# Summary"),
        new_code_cell(LOAD),
        new_code_cell(body),
    )


def _with_last(nb, cell):
    """``nb`` with ``cell`` at the end (a cell that leaves state must not break the notebook's own)."""
    nb.cells.append(cell)
    return nb


def main() -> None:
    fixtures = {
        "theme": theme_notebook(),
        "summary": summary_notebook(),
        "raises": theme_notebook(new_code_cell("ratio = 1 / 0")),
        "sleeps": theme_notebook(new_code_cell("import time\n\ntime.sleep(120)")),
        "dies": theme_notebook(first=[new_code_cell("import os\n\nos._exit(1)")]),
        "slow": theme_notebook(new_code_cell("import time\n\ntime.sleep(4)")),
        "leaves_state": _with_last(theme_notebook(new_code_cell(KERNEL_RUNS)), new_code_cell(LEAVE_STATE)),
        "checks_state": theme_notebook(new_code_cell(KERNEL_RUNS), new_code_cell(CHECK_STATE)),
        "no_parameters": notebook(new_code_cell('lang = "zh"'), new_code_cell("print(lang)")),
    }
    for name, nb in fixtures.items():
        nbformat.validate(nb)
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
