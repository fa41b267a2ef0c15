"""The house style of every chart: palette, type sizes, figure frame, bars, cards, PNG settings.

Every chart has a title, a subtitle naming the place, year and unit, and a source line at the
bottom. Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot, so
nothing is shown twice in a notebook. All text is drawn with ``parse_math=False``: a ``$`` in a
name is a dollar sign.

The style is applied only inside :func:`house_style`, a context manager that restores the
analyst's own matplotlib and seaborn settings on exit: drawing a report never changes how the
analyst's other plots in the same kernel look. A chart's record, its display in a notebook and
its files are :mod:`.chart_files`'; a bare ``Figure`` shows as its PNG too: see :func:`prepare`.

A chart is drawn in a :class:`Frame`: :data:`DESK` (8 in) and, drawn again for it,
:data:`PHONE` (3.6 in: text keeps its size in points, so it is larger on a phone's column; cards
two across, labels wrapped narrower). Its notebook output carries both; the published page shows
the phone drawing up to :data:`PHONE_MAX_PX` through a ``<picture>``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from wuwei_analysis import reference
from wuwei_analysis.report import fonts
from wuwei_analysis.report.text_wrap import WRAP, em, wrap  # noqa: F401 (the charts' one import)

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
SMALLEST_PT = 8.5  # no text of a chart is smaller (source line, long card labels)


@dataclass(frozen=True)
class Frame:
    """One rendering of a chart: the width it is drawn at and what fits across it.

    Text keeps its size in points in every frame, so a narrower frame shown across a phone's
    column draws it larger there: ``SMALLEST_PT`` at ``width_in`` shown ``column_px`` wide is
    ``SMALLEST_PT * column_px / (width_in * 72)`` CSS pixels.
    """

    name: str
    width_in: float
    dpi: int
    column_px: int  # the CSS width it is drawn for
    top_in: float  # title and subtitle band
    bottom_in: float  # source line band
    title_chars: dict[str, int]  # characters per line of ~10 pt text (subtitle; title and source scaled)
    label_left: float  # where a bar chart's axes start, in figure fractions
    label_chars: dict[str, int]  # characters per line of a bar label
    cards_per_row: int  # figure cards side by side, at most
    bar_room: float  # the x axis reaches this many times the largest bar (room for its value)
    trim: bool = False  # the title band shrinks to its title and subtitle (no empty band on a phone)


# The desk frame is the chart as it always was; the phone frame is drawn for a ~360 px screen
# (a 336 px column): 8.5 pt there is 8.5 * 336 / (3.6 * 72) = 11.0 CSS px, 12 px at 390 px.
DESK = Frame("desk", WIDTH_IN, DPI, 912, TOP_IN, BOTTOM_IN, {"zh": 51, "en": 100}, 0.26,
             {"zh": 12, "en": 24}, 4, 1.32)  # fmt: skip
PHONE = Frame("phone", 3.6, 250, 336, 1.45, 0.85, {"zh": 23, "en": 42}, 0.4,
              {"zh": 7, "en": 17}, 2, 1.9, trim=True)  # fmt: skip
PHONE_MAX_PX = 640  # the page shows the phone frame up to this viewport width (report.css agrees)
_FRAME: ContextVar[Frame] = ContextVar("chart_frame", default=DESK)


def frame() -> Frame:
    """The frame charts are drawn in now (:data:`DESK` unless inside :func:`rendering`)."""
    return _FRAME.get()


@contextmanager
def rendering(chosen: Frame) -> Iterator[Frame]:
    """Draw the charts of the ``with`` block in ``chosen`` (e.g. :data:`PHONE`)."""
    token = _FRAME.set(chosen)
    try:
        yield chosen
    finally:
        _FRAME.reset(token)


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


PNG_OPTIONS = {"compress_level": 3}  # zlib level: ~2/3 of the default's (6) time, ~5 % larger


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """``fig`` as PNG bytes at ``dpi`` (the house resolution by default), in the house style."""
    buffer = io.BytesIO()
    with house_style(), fonts.glyph_check():
        save_png(fig, buffer, dpi)
    return buffer.getvalue()


def save_png(fig: Figure, target: Any, dpi: int = DPI) -> None:
    """Write ``fig`` as PNG to ``target`` (a path or a binary file); call it inside the house style."""
    fig.savefig(target, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white",
                pil_kwargs=dict(PNG_OPTIONS))  # fmt: skip


# ---------------------------------------------------------------- text


def theme_color(theme: str) -> str:
    """The one colour of a theme on every chart and page of the site (``themes.csv``, ``color``)."""
    row = reference.themes().get(theme)
    return row["color"] if row else PALETTE[-1]


def tint(color: str, amount: float = 0.45) -> str:
    """``color`` mixed with white (``amount`` of white): the lighter bars beside a highlighted one."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def draw_text(target: Figure | Axes, x: float, y: float, s: str, **kwargs) -> None:
    target.text(x, y, s, parse_math=False, **kwargs)


def literal_ticks(ax: Axes) -> None:
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_parse_math(False)


# ---------------------------------------------------------------- figure frame


def figure(height_in: float) -> Figure:
    """A figure of the frame's width; ``height_in`` is for the desk frame's bands, a frame with
    taller bands (more lines of title and source on a phone) grows by the difference."""
    now = frame()
    height = height_in + (now.top_in - DESK.top_in) + (now.bottom_in - DESK.bottom_in)
    fig = Figure(figsize=(now.width_in, height), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def plot_area(fig: Figure) -> tuple[float, float]:
    """Bottom and top of the plotting area in figure fractions (below title, above source)."""
    height = fig.get_figheight()
    return frame().bottom_in / height, 1 - frame().top_in / height


def _shorten_top(fig: Figure, drop_in: float) -> float:
    """Take ``drop_in`` inches off the top of ``fig``, keeping everything drawn where it is
    (measured from the bottom); the new height."""
    old = fig.get_figheight()
    new = old - drop_in
    for ax in fig.axes:
        box = ax.get_position()
        ax.set_position((box.x0, box.y0 * old / new, box.width, box.height * old / new))
    for text in fig.texts:
        x, y = text.get_position()
        text.set_position((x, y * old / new))
    fig.set_figheight(new)
    return new


def finish(fig: Figure, title: str, subtitle: str, source: str) -> None:
    """Title and subtitle on top, the source line at the bottom, wrapped to the frame's width."""
    now, height = frame(), fig.get_figheight()
    lang = "zh" if re.search(r"[\u3400-\u9fff]", title) else "en"
    title = wrap(title, lang, now.title_chars[lang] * 10 // 15)  # the title is 15 pt, the rest ~10
    subtitle = wrap(subtitle, lang, now.title_chars[lang])
    title_in = (title.count("\n") + 1) * TITLE_SIZE * 1.3 / 72 + 0.06
    block_in = title_in + (subtitle.count("\n") + 1) * SUBTITLE_SIZE * 1.35 / 72
    if now.trim:  # the band shrinks to what the title and subtitle need
        height = _shorten_top(fig, max(0.0, now.top_in - 0.35 - block_in))
    first = 0.15
    draw_text(fig, 0.03, 1 - first / height, title, color=INK, va="top", linespacing=1.15,
              **strong(TITLE_SIZE))  # fmt: skip
    below = first + title_in
    draw_text(fig, 0.03, 1 - below / height, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, va="top",
              linespacing=1.2)  # fmt: skip
    source = wrap(source, "zh", now.title_chars["zh"] * 1.2)  # 8.5 pt: more fit on a line (in em)
    draw_text(fig, 0.03, 0.16 / height, source, fontsize=SOURCE_SIZE, color=MUTED, va="bottom")


# ---------------------------------------------------------------- bars and cards


def bars(ax: Axes, labels: list[str], values: list[float], texts: list[str], highlight: int | None,
         color: str = PALETTE[0]) -> None:  # fmt: skip
    """Horizontal bars in ``color``; the ``highlight`` bar full strength, the others lighter."""
    positions = list(range(len(values)))[::-1]  # first row on top
    colors = [color if highlight is None or i == highlight else tint(color) for i in range(len(values))]
    ax.barh(positions, values, color=colors, height=0.6)
    ax.set_yticks(positions, labels)
    top = max(values) if values and max(values) > 0 else 1.0
    ax.set_xlim(0, top * frame().bar_room)
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
    card_pt = ax.get_position().width * ax.figure.get_figwidth() * 72 * 0.92
    size = min(size, card_pt * 0.92 / (em(big) * 1.12))  # bold digits are ~0.6 em: stays in its card
    draw_text(ax, 0.5, 0.7, big, ha="center", va="center", color=color, **strong(size))
    if unit:
        draw_text(ax, 0.5, 0.54, unit, ha="center", va="center", fontsize=LABEL_SIZE, color=MUTED)
    lines = label.count("\n") + 1
    draw_text(ax, 0.5, 0.43, label, ha="center", va="top", fontsize=LABEL_SIZE - (0.5 if lines <= 3 else 1.5),
          color=INK, linespacing=1.25)  # fmt: skip
