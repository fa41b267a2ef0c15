"""The house style of every chart: palette, type sizes, figure frame, bars, cards, saving.

Every chart has a title, a subtitle naming the place, year and unit, and a source line at the
bottom. Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot, so
nothing is shown twice in a notebook. All text is drawn with ``parse_math=False``: a ``$`` in a
name is a dollar sign.

The style is applied only inside :func:`house_style`, a context manager that restores the
analyst's own matplotlib and seaborn settings on exit: drawing a report never changes how the
analyst's other plots in the same kernel look. A :class:`Chart` shows itself in a notebook
(its PNG, with its title as the image's ``alt`` text), and so does its ``fig``: see
:func:`prepare`.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from wuwei_analysis import config, reference
from wuwei_analysis.files import atomic_path
from wuwei_analysis.report import fonts

PALETTE = [row["color"] for row in reference.themes().values()]  # one per theme, from themes.csv
INK = "#1F2933"
MUTED = "#5B6770"
CARD = "#EEF3F7"
TRACK = "#E3E7EB"
WIDTH_IN = 8.0  # inches; at DPI this is 1200 px, legible on a 1280 px page
DPI = 150
TITLE_SIZE = 15
SUBTITLE_SIZE = 10.5
LABEL_SIZE = 10
VALUE_SIZE = 10
CARD_VALUE_SIZE = 22
SOURCE_SIZE = 8.5
TOP_IN = 0.95  # title and subtitle band
BOTTOM_IN = 0.55  # source line band
WRAP = {"zh": 9, "en": 22}  # characters per line of a bar or card label


def apply_style() -> str:
    """Set the house style (seaborn theme, palette, type sizes, CJK font); return the font family.

    This changes the global settings; use :func:`house_style` to have them restored.
    """
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=PALETTE,
        rc={
            "axes.titlesize": LABEL_SIZE + 1,
            "axes.labelsize": LABEL_SIZE,
            "xtick.labelsize": LABEL_SIZE - 1,
            "ytick.labelsize": LABEL_SIZE,
            "axes.edgecolor": TRACK,
            "axes.labelcolor": INK,
            "text.color": INK,
            "xtick.color": MUTED,
            "ytick.color": INK,
            "grid.color": TRACK,
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "svg.hashsalt": "wuwei",  # stable ids: the same chart gives the same SVG
        },
    )
    return fonts.setup_cjk_font()


@contextmanager
def house_style() -> Iterator[str]:
    """Apply the house style for the ``with`` block, then restore the analyst's settings.

    Yields the chart font family. seaborn's theme and the font choice only touch
    ``matplotlib.rcParams``, which :func:`matplotlib.rc_context` saves and restores.
    """
    with mpl.rc_context():
        yield apply_style()


def strong(size: float) -> dict[str, Any]:
    """Text properties for emphasis: bold where the chart font has a bold face, else a little larger.

    Asking for bold from a font without one makes matplotlib log ``findfont: Failed to find font
    weight bold`` into every chart cell; the bundled mplfonts face is Regular only.
    """
    family = mpl.rcParams["font.family"][0]
    if fonts.has_bold(family):
        return {"fontsize": size, "fontweight": "bold"}
    return {"fontsize": size * 1.08, "fontweight": "normal"}


def prepare() -> str:
    """What a report's ``setup()`` calls: the chart font, and a bare ``Figure`` shown as a PNG.

    Changes no global matplotlib setting. In IPython with no formatter for
    :class:`~matplotlib.figure.Figure` yet (pyplot not imported), registers one, so that a
    chart's ``fig`` shows as the chart instead of ``<Figure size 800x441 with 1 Axes>``.
    """
    with house_style() as family:
        pass
    _register_figure_formatter()
    return family


def _register_figure_formatter() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        formatter.for_type(Figure, figure_png)


def figure_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the house resolution, in the house style."""
    buffer = io.BytesIO()
    with house_style(), fonts.glyph_check():
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()


@dataclass
class Chart:
    """One drawn chart; ``paths`` are filled by :func:`save_figure` via :func:`save_charts`.

    In a notebook a Chart shows as its figure, with its description (title and numbers) as ``alt`` (in the
    output's standard ``image/png`` metadata, where nbconvert and JupyterLab read it). Change
    ``chart.fig`` (``chart.fig.axes[0].set_xlim(...)``) and show ``chart`` again to see the change.
    """

    name: str
    title: str
    fig: Figure
    indicator_ids: tuple[str, ...]
    paths: list[Path] = field(default_factory=list)
    alt: str = ""  # the chart in words, numbers included: the image's alt text

    @property
    def description(self) -> str:
        return self.alt or self.title

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        data = {
            "image/png": figure_png(self.fig),
            "text/plain": f"Chart({self.name!r}, title={self.title!r})",
        }
        return data, {"image/png": {"alt": self.description}}


# ---------------------------------------------------------------- text


def theme_color(theme: str) -> str:
    """The one colour of a theme on every chart and page of the site (``themes.csv``, ``color``)."""
    row = reference.themes().get(theme)
    return row["color"] if row else PALETTE[-1]


def tint(color: str, amount: float = 0.45) -> str:
    """``color`` mixed with white (``amount`` of white): the lighter bars beside a highlighted one."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def _words(text: str) -> list[str]:
    """Chinese text cut into words (jieba), so a line never breaks inside 小区 or 医共体."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.cut(text, HMM=False) if w]


def wrap(text: str, lang: str, width: int | None = None) -> str:
    """Lines of at most about ``width`` characters, broken between words in either language."""
    width = width or WRAP[lang]
    if lang == "en" or not re.search(r"[\u3400-\u9fff]", text):
        return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text
    if len(text) <= width:
        return text
    words = _words(text)
    ends = list(itertools.accumulate(len(w) for w in words))[:-1]  # where a line may break
    for lines in range(-(-len(text) // width), len(words) + 1):
        best = None
        for cuts in itertools.combinations(ends, lines - 1):  # the fewest, most even lines
            edges = (0, *cuts, len(text))
            longest = max(b - a for a, b in itertools.pairwise(edges))
            if best is None or longest < best[0]:
                best = (longest, edges)
        if best is not None and best[0] <= width + 2:
            edges = best[1]
            return "\n".join(text[a:b] for a, b in itertools.pairwise(edges))
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))  # one very long word


def draw_text(target: Figure | Axes, x: float, y: float, s: str, **kwargs) -> None:
    target.text(x, y, s, parse_math=False, **kwargs)


def literal_ticks(ax: Axes) -> None:
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_parse_math(False)


# ---------------------------------------------------------------- figure frame


def figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def plot_area(fig: Figure) -> tuple[float, float]:
    """Bottom and top of the plotting area in figure fractions (below title, above source)."""
    height = fig.get_figheight()
    return BOTTOM_IN / height, 1 - TOP_IN / height


def finish(fig: Figure, title: str, subtitle: str, source: str) -> None:
    height = fig.get_figheight()
    draw_text(fig, 0.03, 1 - 0.38 / height, title, color=INK, va="baseline", **strong(TITLE_SIZE))
    draw_text(fig, 0.03, 1 - 0.68 / height, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, va="baseline")
    draw_text(
        fig, 0.03, 0.16 / height, wrap(source, "zh", 62), fontsize=SOURCE_SIZE, color=MUTED, va="bottom"
    )


# ---------------------------------------------------------------- bars and cards


def bars(ax: Axes, labels: list[str], values: list[float], texts: list[str], highlight: int | None,
         color: str = PALETTE[0]) -> None:  # fmt: skip
    """Horizontal bars in ``color``; the ``highlight`` bar full strength, the others lighter."""
    positions = list(range(len(values)))[::-1]  # first row on top
    colors = [color if highlight is None or i == highlight else tint(color) for i in range(len(values))]
    ax.barh(positions, values, color=colors, height=0.6)
    ax.set_yticks(positions, labels)
    top = max(values) if values and max(values) > 0 else 1.0
    ax.set_xlim(0, top * 1.32)
    for pos, value, text in zip(positions, values, texts, strict=True):
        draw_text(ax, value + top * 0.02, pos, text, va="center", fontsize=VALUE_SIZE, color=INK)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    sns.despine(ax=ax, left=True, bottom=False)
    literal_ticks(ax)


def card(ax: Axes, big: str, unit: str, label: str, color: str) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.add_patch(
        FancyBboxPatch(
            (0.04, 0.04),
            0.92,
            0.92,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=CARD,
            edgecolor="none",
        )
    )
    ax.add_patch(
        FancyBboxPatch((0.04, 0.9), 0.92, 0.06, boxstyle="square,pad=0", facecolor=color, edgecolor="none")
    )
    size = CARD_VALUE_SIZE if len(big) <= 7 else CARD_VALUE_SIZE * 7 / len(big) + 4
    draw_text(ax, 0.5, 0.7, big, ha="center", va="center", color=color, **strong(size))
    if unit:
        draw_text(ax, 0.5, 0.54, unit, ha="center", va="center", fontsize=LABEL_SIZE, color=MUTED)
    lines = label.count("\n") + 1
    draw_text(ax, 0.5, 0.43, label, ha="center", va="top", fontsize=LABEL_SIZE - (0.5 if lines <= 3 else 1.5),
          color=INK, linespacing=1.25)  # fmt: skip


# ---------------------------------------------------------------- saving


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def save_figure(
    fig: Figure, reports_dir: Path | str, lang: str, name: str, region: str = "", year: int | None = None
) -> list[Path]:
    """Write ``fig`` as PNG and SVG to ``config.figures_dir(reports_dir, lang, region, year)/name.{png,svg}``.

    Files are written under a temporary name and moved into place, so a reader
    never sees half a file. Missing glyphs raise
    :class:`~wuwei_analysis.report.fonts.MissingGlyphError` when ``WUWEI_STRICT_GLYPHS=1``.
    """
    if not _SAFE_NAME.match(name):
        raise ValueError(f"chart name {name!r} must be letters, digits, '_' or '-'")
    folder = config.figures_dir(Path(reports_dir), lang, region, year)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with house_style(), fonts.glyph_check():
        for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None})):
            path = folder / f"{name}{suffix}"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=suffix[1:], dpi=DPI, metadata=metadata, facecolor="white")
            paths.append(path)
    return paths


def save_charts(
    charts: list[Chart], reports_dir: Path | str, lang: str, region: str = "", year: int | None = None
) -> list[Path]:
    """Save every chart; each Chart's ``paths`` lists its PNG and SVG."""
    written = []
    for chart in charts:
        chart.paths = save_figure(chart.fig, reports_dir, lang, chart.name, region, year)
        written.extend(chart.paths)
    return written
