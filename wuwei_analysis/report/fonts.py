"""A CJK font for charts that renders on a fresh machine.

:func:`setup_cjk_font` prefers a Chinese font installed on the system (Noto Sans
CJK SC, Source Han Sans, WenQuanYi, PingFang, Microsoft YaHei …) and otherwise
registers the Noto Sans CJK SC file that the optional ``mplfonts`` package (the
``[fonts]`` extra, for machines with no system CJK font) ships. It never falls
back to a Latin-only font silently: with no CJK font it raises :class:`FontError`.
Debian's ``fonts-noto-cjk`` (installed by the README's set-up and ``.ci/run``) has
a Bold face; mplfonts ships Regular only, so :func:`has_bold` tells the charts
whether to ask for bold at all (asking for a weight that is not there makes
matplotlib log a warning into every chart cell).

Missing glyphs are errors when ``WUWEI_STRICT_GLYPHS=1`` (tests set it): see
:func:`glyph_check`.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal

import matplotlib as mpl
from matplotlib import font_manager

from wuwei_analysis.errors import WuweiError

# In order of preference; each is a Simplified-Chinese sans-serif family.
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
)
BUNDLED_PACKAGE = "mplfonts"
BUNDLED_FILE = "NotoSansCJKsc-Regular.otf"
# Characters every report uses; a family must have all of them to be chosen.
SAMPLE = "武威市民生就业教育医疗卫生养老服务社会保障城市品质来源单位人户所个：（）%0123456789"
# Glyphs outside the CJK font (rare symbols) fall back to this family.
FALLBACK_FAMILY = "DejaVu Sans"
STRICT_ENV = "WUWEI_STRICT_GLYPHS"
FONT_ENV = "WUWEI_CJK_FONT"  # "system" (default) or "bundled"
FontSource = Literal["system", "bundled"]
BOLD_WEIGHT = 600  # a face at least this heavy counts as bold
_MISSING = re.compile(r"Glyph .* missing from (current )?font")


class FontError(WuweiError):
    """No font that can draw Chinese text was found or installed."""


class MissingGlyphError(WuweiError):
    """A chart drew text that its fonts cannot render (tofu boxes)."""


def _font_path(family: str) -> str | None:
    try:
        return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _file_covers(path: str, text: str) -> bool:
    """Whether the font file has every glyph of ``text``: reading its charmap costs ~15 ms, and
    every chart drawn or saved in the house style asks again, so the answer is kept per file."""
    charmap = font_manager.get_font(path).get_charmap()
    return all(ord(ch) in charmap for ch in text if not ch.isspace())


def covers(family: str, text: str = SAMPLE) -> bool:
    """Whether ``family`` is installed and has a glyph for every character of ``text``."""
    path = _font_path(family)
    return path is not None and _file_covers(path, text)


def system_cjk_family() -> str | None:
    """The first preferred CJK family installed on this machine, or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in installed and covers(family):
            return family
    return None


def bundled_cjk_font() -> Path | None:
    """The Noto Sans CJK SC file shipped by ``mplfonts``, if that package is installed."""
    try:
        path = importlib.resources.files(BUNDLED_PACKAGE) / "fonts" / BUNDLED_FILE
    except ModuleNotFoundError:
        return None
    path = Path(str(path))
    return path if path.is_file() else None


def register_bundled_font() -> str:
    """Add the bundled font to matplotlib's font manager; return its family name."""
    path = bundled_cjk_font()
    if path is None:
        raise FontError(
            "no CJK font found: install a system font such as Debian's fonts-noto-cjk "
            "(apt-get install fonts-noto-cjk), or the [fonts] extra (pip install 'wuwei_analysis[fonts]'), "
            f"which brings {BUNDLED_PACKAGE} and its {BUNDLED_FILE}"
        )
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup_cjk_font(prefer: FontSource | None = None) -> str:
    """Select a CJK font for all matplotlib text and return its family name.

    Changes ``matplotlib.rcParams``: the charts call it inside
    :func:`~wuwei_analysis.report.chart_style.house_style`, which restores them.
    ``font.family`` names the family itself (not the generic ``sans-serif``), so
    text drawn in the house style keeps its font when rendered later, outside it.

    ``prefer`` is ``"system"`` (a system CJK font when there is one, else the
    bundled one) or ``"bundled"`` (always the mplfonts file); default from the
    ``WUWEI_CJK_FONT`` environment variable, else ``"system"``. Also turns off
    mathtext for all text, so a ``$`` in a name is drawn as a dollar sign.
    """
    prefer = (prefer or os.environ.get(FONT_ENV) or "system").strip().lower()
    if prefer not in ("system", "bundled"):
        raise FontError(f"{FONT_ENV}={prefer!r} is not allowed; choose one of: system, bundled")
    family = system_cjk_family() if prefer == "system" else None
    if family is None:
        family = register_bundled_font()
        if not covers(family):
            raise FontError(f"the bundled font {BUNDLED_FILE} cannot draw Chinese text")
    mpl.rcParams["font.family"] = [family, FALLBACK_FAMILY]
    mpl.rcParams["font.sans-serif"] = [family, FALLBACK_FAMILY]
    mpl.rcParams["axes.unicode_minus"] = covers(family, "\u2212")
    if "text.parse_math" in mpl.rcParams:  # matplotlib >= 3.? ; texts also pass parse_math=False
        mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["text.usetex"] = False
    return family


@lru_cache(maxsize=16)
def has_bold(family: str) -> bool:
    """Whether matplotlib knows a bold face (weight >= 600) of ``family``."""
    for entry in font_manager.fontManager.ttflist:
        weight = (
            entry.weight if isinstance(entry.weight, int) else font_manager.weight_dict.get(entry.weight, 400)
        )
        if entry.name == family and weight >= BOLD_WEIGHT:
            return True
    return False


def strict_glyphs() -> bool:
    """Whether a missing glyph is an error (``WUWEI_STRICT_GLYPHS`` set to 1/true/yes)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes")


@contextmanager
def glyph_check(strict: bool | None = None) -> Iterator[None]:
    """Watch matplotlib's missing-glyph warnings while drawing.

    Strict (``WUWEI_STRICT_GLYPHS=1`` or ``strict=True``): raise
    :class:`MissingGlyphError` listing them. Otherwise pass them on as warnings.
    """
    strict = strict_glyphs() if strict is None else strict
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing = [str(w.message) for w in caught if _MISSING.search(str(w.message))]
    if missing and strict:
        raise MissingGlyphError("chart text has glyphs its fonts lack: " + "; ".join(sorted(set(missing))))
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
