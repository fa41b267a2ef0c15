"""A chart as a notebook shows it and a report saves it: the :class:`Chart` record and its files.

A :class:`Chart` holds the function that draws it, in the frame of the moment (:data:`DESK`, or
:data:`PHONE` for the phone drawing); its figure is drawn when first asked for. In a notebook it
shows as its PNG with its description (numbers included) as ``alt`` text, plus the phone drawing
that the published page shows on a narrow screen. :func:`save_charts` writes each chart's PNG and
SVG under the page's figures folder.

In a build, a chart whose drawing inputs another page already drew takes its files from the
build's chart cache (:mod:`.chart_cache`) instead of drawing them again.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from wuwei_analysis import config
from wuwei_analysis.files import atomic_path
from wuwei_analysis.report import chart_cache, fonts
from wuwei_analysis.report.chart_style import (
    DESK,
    DPI,
    PHONE,
    Frame,
    figure_png,
    house_style,
    rendering,
    save_png,
)

# The phone rendering in a chart's notebook output, beside its image/png: a type JupyterLab and
# nbconvert do not render (they show the PNG); the report template puts it in a <picture>.
PHONE_MIME = "application/vnd.wuwei.phone-png+base64"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class Chart:
    """One chart; ``paths`` are filled by :func:`save_charts`.

    In a notebook a Chart shows as its figure, with its description (title and numbers) as ``alt`` (in the
    output's standard ``image/png`` metadata, where nbconvert and JupyterLab read it). Change
    ``chart.fig`` (``chart.fig.axes[0].set_xlim(...)``) and show ``chart`` again to see the change.
    """

    name: str
    title: str
    draw: Callable[[], Figure]  # draws it, in the frame of the moment
    indicator_ids: tuple[str, ...]
    paths: list[Path] = field(default_factory=list)
    alt: str = ""  # the chart in words, numbers included: the image's alt text
    saved_png: bytes | None = field(default=None, repr=False)  # the PNG just saved, for the next display
    _fig: Figure | None = field(default=None, repr=False)
    _handed_out: bool = field(default=False, repr=False)  # ``fig`` was asked for: it may have changed
    _key: str | None = field(default=None, repr=False)

    @property
    def fig(self) -> Figure:
        """The desk drawing (drawn on first use; an analyst may change it and show the chart again)."""
        self._handed_out = True
        return self._desk()

    def _desk(self) -> Figure:
        if self._fig is None:
            with house_style():  # its artists take the house style's settings as they are made
                self._fig = self.draw()
        return self._fig

    @property
    def description(self) -> str:
        return self.alt or self.title

    @property
    def drawing_key(self) -> str:
        """What the chart is drawn from, hashed ("" outside a build, which keeps no cache)."""
        if self._key is None:
            self._key = chart_cache.drawing_key(self.draw) if chart_cache.folder() else ""
        return self._key

    def png(self, chosen: Frame = DESK) -> bytes:
        """The chart drawn in ``chosen`` as PNG (from the build's cache when it was drawn before)."""
        with house_style(), rendering(chosen):
            return self._cached(chosen, "png", lambda fig, target: save_png(fig, target, chosen.dpi))

    def phone_png(self) -> bytes:
        """The chart drawn for a phone (:data:`PHONE`), as PNG."""
        return self.png(PHONE)

    def svg(self) -> bytes:
        """The desk drawing as SVG."""
        with house_style():
            return self._cached(DESK, "svg", _save_svg)

    def _cached(self, chosen: Frame, fmt: str, save: Callable[[Figure, Any], None]) -> bytes:
        """One file of the chart: the cache's bytes, else drawn (and kept for the build's other pages).

        A desk figure already handed out (``chart.fig``) may have been changed, so it is drawn as it is.
        """
        handed_out = chosen is DESK and self._handed_out
        key = (
            ""
            if handed_out or not self.drawing_key
            else chart_cache.file_key(self.drawing_key, chosen.name, fmt, chosen.dpi)
        )
        found = chart_cache.fetch(key)
        if found is not None:
            return found
        buffer = io.BytesIO()
        with fonts.glyph_check():
            save(self._desk() if chosen is DESK else self.draw(), buffer)
        data = buffer.getvalue()
        chart_cache.keep(key, data)
        return data

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        # The bytes save_charts just wrote, once (the notebook shows a chart right after saving
        # it); any later display draws the figure again, so a tweak of ``fig`` shows.
        png, self.saved_png = self.saved_png or figure_png(self.fig), None
        data = {
            "image/png": png,
            "text/plain": f"Chart({self.name!r}, title={self.title!r})",
            PHONE_MIME: base64.b64encode(self.phone_png()).decode("ascii"),  # shown on a narrow screen
        }
        return data, {"image/png": {"alt": self.description}}


def _save_svg(fig: Figure, target: Any) -> None:
    fig.savefig(target, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="white")


# ---------------------------------------------------------------- saving


def save_figure(
    fig: Figure, reports_dir: Path | str, lang: str, name: str, region: str = "", year: int | None = None
) -> list[Path]:
    """Write ``fig`` as PNG and SVG to ``config.figures_dir(reports_dir, lang, region, year)/name.{png,svg}``.

    Files are written under a temporary name and moved into place, so a reader
    never sees half a file. Missing glyphs raise
    :class:`~wuwei_analysis.report.fonts.MissingGlyphError` when ``WUWEI_STRICT_GLYPHS=1``.
    """
    return save_chart(
        Chart(name, "", lambda: fig, (), _fig=fig, _handed_out=True), reports_dir, lang, region, year
    )


def save_chart(
    chart: Chart, reports_dir: Path | str, lang: str, region: str = "", year: int | None = None
) -> list[Path]:
    """Write ``chart`` as PNG and SVG under its page's figures folder (see :func:`save_figure`);
    keep the PNG's bytes for the chart's next display in the notebook."""
    if not _SAFE_NAME.match(chart.name):
        raise ValueError(f"chart name {chart.name!r} must be letters, digits, '_' or '-'")
    folder = config.figures_dir(Path(reports_dir), lang, region, year)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = chart.png(), chart.svg()
    paths = []
    for suffix, data in ((".png", png), (".svg", svg)):
        path = folder / f"{chart.name}{suffix}"
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        paths.append(path)
    chart.paths, chart.saved_png = paths, png
    return paths


def save_charts(
    charts: list[Chart], reports_dir: Path | str, lang: str, region: str = "", year: int | None = None
) -> list[Path]:
    """Save every chart; each Chart's ``paths`` lists its PNG and SVG."""
    return [path for chart in charts for path in save_chart(chart, reports_dir, lang, region, year)]
