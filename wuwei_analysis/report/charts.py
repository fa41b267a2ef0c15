"""Charts in one house style, with Chinese labels that render anywhere.

Every chart has a title, a subtitle naming the place, year and unit, and a
source line (来源 / Source) at the bottom. Charts are chosen to fit the figures:
people trained by role as ranked bars with shares; the renovation plan as
figure cards above a progress bar; figures in different units as small
multiples, one panel per unit (bars when a unit has several figures, a card
when it has one), so no axis ever mixes units. Themes without figures get no
chart. Figures are drawn on :class:`matplotlib.figure.Figure` objects, never
through pyplot, so nothing is shown twice in a notebook.

All text is drawn with ``parse_math=False``: a ``$`` in a name is a dollar sign.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from wuwei_analysis import config, reference
from wuwei_analysis.files import atomic_path
from wuwei_analysis.report import fonts
from wuwei_analysis.report.commentary import format_share, format_value

# ---------------------------------------------------------------- house style

PALETTE = ["#2B6A94", "#E07A2F", "#3C9A6E", "#8A66B0", "#C2493D", "#6C7A89"]
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

WORDS = {
    "zh": {"source": "来源：", "unit": "单位：", "units": "单位见各图", "total": "合计", "year": "{year}年"},
    "en": {
        "source": "Source: ",
        "unit": "Unit: ",
        "units": "units as labelled",
        "total": "total",
        "year": "{year}",
    },
}


def apply_style() -> str:
    """Set the house style (seaborn theme, palette, type sizes, CJK font); return the font family."""
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


# ---------------------------------------------------------------- chart choice


@dataclass(frozen=True)
class ChartSpec:
    """Which figures a chart draws and how."""

    key: str
    kind: str  # "roles" | "plan_progress" | "panels"
    ids: tuple[str, ...]
    title_zh: str
    title_en: str


SPECS: dict[str, tuple[ChartSpec, ...]] = {
    "education": (
        ChartSpec(
            "kindergartens_toddler_care",
            "panels",
            (
                "education_inclusive_private_kindergartens",
                "education_kindergartens_toddler_care",
                "education_toddlers_in_care",
            ),
            "幼儿园与幼儿托管",
            "Kindergartens and toddler care",
        ),
        ChartSpec(
            "schools",
            "panels",
            ("education_strong_foundation_students", "education_school_projects"),
            "强基计划与办学条件建设",
            "Strong Foundation Plan and school projects",
        ),
    ),
    "health": (
        ChartSpec(
            "trained_by_role",
            "roles",
            ("health_trained_clinicians", "health_trained_nurses", "health_trained_village_doctors"),
            "远程培训人数（按岗位）",
            "People trained remotely, by role",
        ),
        ChartSpec(
            "medical_communities",
            "panels",
            (
                "health_medical_communities",
                "health_communities_county_institutions",
                "health_communities_township_centres",
            ),
            "县域医共体及其覆盖的医疗机构",
            "County medical communities and what they cover",
        ),
    ),
    "elderly_care": (
        ChartSpec(
            "network_by_tier",
            "panels",
            (
                "elderly_care_smart_platforms",
                "elderly_care_institutions",
                "elderly_care_township_centres",
                "elderly_care_village_homes",
            ),
            "养老服务网络（按层级）",
            "Elderly-care network by tier",
        ),
        ChartSpec(
            "village_service",
            "panels",
            ("elderly_care_village_people_served",),
            "村级综合养老服务",
            "Village elderly-care services",
        ),
    ),
    "urban": (
        ChartSpec(
            "renovation_plan_progress",
            "plan_progress",
            (
                "urban_old_compounds_planned",
                "urban_old_buildings_planned",
                "urban_old_households_planned",
                "urban_renovation_progress",
            ),
            "老旧小区改造：计划与进度",
            "Old-compound renovation: plan and progress",
        ),
        ChartSpec(
            "parks_parking",
            "panels",
            ("urban_pocket_parks", "urban_park_area_per_person", "urban_parking_ratio"),
            "公园绿地与停车",
            "Parks and parking",
        ),
    ),
}
# Figures stated in the commentary and the figures table but not drawn: a chart
# of one count of activities, or of an age range, would show nothing.
NOT_CHARTED = frozenset({"education_toddler_care_age", "health_primary_care_activities"})
OTHER_TITLE = {"zh": "其他数字", "en": "Other figures"}


@dataclass
class Chart:
    """One drawn chart; ``paths`` are filled by :func:`save_figure` via :func:`save_charts`."""

    name: str
    title: str
    fig: Figure
    indicator_ids: tuple[str, ...]
    paths: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- text helpers


def _wrap(text: str, lang: str, width: int | None = None) -> str:
    width = width or WRAP[lang]
    if lang == "en" or not re.search(r"[\u3400-\u9fff]", text):
        return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or text
    lines = -(-len(text) // width)  # balanced lines: 组建紧密型 / 县域医共体, not 组建紧密型县域医共 / 体
    per = -(-len(text) // lines) if lines else width
    return "\n".join(text[i : i + per] for i in range(0, len(text), per))


def _text(target: Figure | Axes, x: float, y: float, s: str, **kwargs) -> None:
    target.text(x, y, s, parse_math=False, **kwargs)


def _literal_ticks(ax: Axes) -> None:
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_parse_math(False)


def _label(row: pd.Series, lang: str, region_zh: str) -> str:
    name = str(row[f"name_{lang}"])
    if str(row["region_zh"]) != region_zh:
        place = str(row[f"region_{lang}"])
        name = f"{name}（{place}）" if lang == "zh" else f"{name} ({place})"
    return name


def _unit_name(row: pd.Series, lang: str) -> str:
    unit = reference.units().get(str(row["unit"]))
    column = f"unit_{lang}"
    if column in row and isinstance(row[column], str) and row[column]:
        return row[column]
    return unit.name_zh if unit and lang == "zh" else (unit.name_en if unit else str(row["unit"]))


def source_line(source_ids: list[str], sources: pd.DataFrame, lang: str) -> str:
    """``来源：<title>（authors，year）`` / ``Source: <title> (authors, year)`` for these sources."""
    parts = []
    for source_id in dict.fromkeys(source_ids):
        match = sources[sources["source_id"].astype(str) == source_id] if len(sources) else sources
        if len(match):
            row = match.iloc[0]
            authors, year = str(row.get("authors", "")).strip(), str(row.get("year", "")).strip()
            extra = (
                "，".join(p for p in (authors, year) if p)
                if lang == "zh"
                else ", ".join(p for p in (authors, year) if p)
            )
            title = str(row["title"])
            parts.append(
                (f"《{title}》（{extra}）" if lang == "zh" else f"{title} ({extra})") if extra else title
            )
        else:
            parts.append(source_id)
    return WORDS[lang]["source"] + ("；" if lang == "zh" else "; ").join(parts)


# ---------------------------------------------------------------- figure frame


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def _plot_area(fig: Figure) -> tuple[float, float]:
    """Bottom and top of the plotting area in figure fractions (below title, above source)."""
    height = fig.get_figheight()
    return BOTTOM_IN / height, 1 - TOP_IN / height


def _finish(fig: Figure, title: str, subtitle: str, source: str) -> None:
    height = fig.get_figheight()
    _text(
        fig, 0.03, 1 - 0.38 / height, title, fontsize=TITLE_SIZE, fontweight="bold", color=INK, va="baseline"
    )
    _text(fig, 0.03, 1 - 0.68 / height, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, va="baseline")
    _text(fig, 0.03, 0.16 / height, _wrap(source, "zh", 62), fontsize=SOURCE_SIZE, color=MUTED, va="bottom")


def _subtitle(lang: str, region: str, year: int, units: list[str], extra: str = "") -> str:
    words = WORDS[lang]
    units = list(dict.fromkeys(units))
    unit_text = words["unit"] + units[0] if len(units) == 1 else words["units"]
    parts = [region, words["year"].format(year=year), unit_text] + ([extra] if extra else [])
    return " · ".join(parts)


# ---------------------------------------------------------------- chart kinds


def _bars(ax: Axes, labels: list[str], values: list[float], texts: list[str], highlight: int | None) -> None:
    positions = list(range(len(values)))[::-1]  # first row on top
    colors = [PALETTE[1] if i == highlight else PALETTE[0] for i in range(len(values))]
    ax.barh(positions, values, color=colors, height=0.6)
    ax.set_yticks(positions, labels)
    top = max(values) if values and max(values) > 0 else 1.0
    ax.set_xlim(0, top * 1.32)
    for pos, value, text in zip(positions, values, texts, strict=True):
        _text(ax, value + top * 0.02, pos, text, va="center", fontsize=VALUE_SIZE, color=INK)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    sns.despine(ax=ax, left=True, bottom=False)
    _literal_ticks(ax)


def _card(ax: Axes, big: str, unit: str, label: str, color: str) -> None:
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
    _text(ax, 0.5, 0.7, big, ha="center", va="center", fontsize=size, fontweight="bold", color=color)
    if unit:
        _text(ax, 0.5, 0.54, unit, ha="center", va="center", fontsize=LABEL_SIZE, color=MUTED)
    lines = label.count("\n") + 1
    _text(ax, 0.5, 0.43, label, ha="center", va="top", fontsize=LABEL_SIZE - (0.5 if lines <= 3 else 1.5),
          color=INK, linespacing=1.25)  # fmt: skip


def _card_unit(row: pd.Series, lang: str) -> str:
    if str(row["unit"]) in ("percent",):
        return ""
    return _unit_name(row, lang)


def _panels(rows: pd.DataFrame, lang: str, region_zh: str) -> tuple[Figure, list[str]]:
    """Small multiples: one panel per unit; bars for several figures, a card for one."""
    units = list(dict.fromkeys(rows["unit"]))
    groups = [rows[rows["unit"] == unit] for unit in units]
    widths = [2.0 if len(g) > 1 else 1.0 for g in groups]
    many = any(len(g) > 1 for g in groups)
    fig = _figure(4.8 if many else 4.3)
    bottom, top = _plot_area(fig)
    if many:  # room for the x tick labels below and the unit title above the bars
        bottom, top = bottom + 0.35 / fig.get_figheight(), top - 0.3 / fig.get_figheight()
    pad = max(0.0, (3.0 - sum(widths)) / 2)  # one or two cards stay card-sized, centred
    grid = fig.add_gridspec(1, len(groups) + 2, width_ratios=[pad or 1e-6, *widths, pad or 1e-6], left=0.03,
                            right=0.97, bottom=bottom, top=top, wspace=0.25)  # fmt: skip
    wrap = round(WRAP[lang] * (1.0 if sum(widths) >= 4 else 1.3))
    for i, group in enumerate(groups):
        color = PALETTE[i % len(PALETTE)]
        if len(group) == 1:
            row = group.iloc[0]
            ax = fig.add_subplot(grid[0, i + 1])
            _card(ax, format_value(row, lang, unit=False), _card_unit(row, lang),
                  _wrap(_label(row, lang, region_zh), lang, wrap), color)  # fmt: skip
            continue
        inner = grid[0, i + 1].subgridspec(1, 2, width_ratios=[1, 1.5], wspace=0.02)
        ax = fig.add_subplot(inner[0, 1])
        _bars(
            ax,
            [_wrap(_label(r, lang, region_zh), lang) for _, r in group.iterrows()],
            list(group["value"].astype(float)),
            [format_value(r, lang, unit=False) for _, r in group.iterrows()],
            highlight=None,
        )
        ax.set_title(WORDS[lang]["unit"] + _unit_name(group.iloc[0], lang), fontsize=LABEL_SIZE, color=MUTED,
                     loc="left", parse_math=False)  # fmt: skip
    return fig, [_unit_name(g.iloc[0], lang) for g in groups]


def _roles(rows: pd.DataFrame, lang: str, region_zh: str) -> tuple[Figure, list[str], str]:
    """Ranked horizontal bars of one unit, with each bar's share of the total."""
    rows = rows.sort_values("value", ascending=False, kind="stable")
    total = float(rows["value"].sum())
    exact = (rows["qualifier"] == "exact").all()
    fig = _figure(1.9 + 0.62 * len(rows) + TOP_IN - 0.3)
    bottom, top = _plot_area(fig)
    ax = fig.add_axes((0.26, bottom + 0.03, 0.68, top - bottom - 0.06))
    texts = []
    for _, row in rows.iterrows():
        text = format_value(row, lang, unit=False)
        if exact and total > 0:
            share = format_share(float(row["value"]), total, lang)
            text += f"（{share}）" if lang == "zh" else f" ({share})"
        texts.append(text)
    _bars(
        ax,
        [_wrap(_label(r, lang, region_zh), lang, 12 if lang == "zh" else 24) for _, r in rows.iterrows()],
        list(rows["value"].astype(float)),
        texts,
        highlight=0,
    )
    unit = _unit_name(rows.iloc[0], lang)
    extra = ""
    if exact and len(rows) > 1:
        total_row = {"value": total, "qualifier": "exact", "unit": rows.iloc[0]["unit"]}
        extra = WORDS[lang]["total"] + (" " if lang == "en" else "") + format_value(total_row, lang)
    return fig, [unit], extra


def _plan_progress(rows: pd.DataFrame, lang: str, region_zh: str) -> tuple[Figure, list[str]]:
    """The plan as figure cards, then progress as a 0–100 % bar."""
    progress = rows[rows["unit"] == "percent"]
    plan = rows[rows["unit"] != "percent"]
    fig = _figure(5.0 if len(plan) and len(progress) else 3.9)
    bottom, top = _plot_area(fig)
    split = bottom + (top - bottom) * 0.42 if len(plan) and len(progress) else bottom
    units = []
    if len(plan):
        grid = fig.add_gridspec(
            1, len(plan), left=0.03, right=0.97, bottom=split + 0.02, top=top, wspace=0.15
        )
        for i, (_, row) in enumerate(plan.iterrows()):
            ax = fig.add_subplot(grid[0, i])
            _card(ax, format_value(row, lang, unit=False), _card_unit(row, lang),
                  _wrap(_label(row, lang, region_zh), lang), PALETTE[0])  # fmt: skip
            units.append(_unit_name(row, lang))
    if len(progress):
        row = progress.iloc[0]
        done = max(0.0, min(100.0, float(row["value"])))
        ax = fig.add_axes((0.26, bottom + 0.08, 0.68, max(0.1, (split - bottom) * 0.45)))
        ax.barh([0], [100], color=TRACK, height=0.55)
        ax.barh([0], [done], color=PALETTE[1], height=0.55)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, 0.6)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_yticks([0], [_wrap(_label(row, lang, region_zh), lang, 12 if lang == "zh" else 24)])
        _text(ax, done / 2, 0, format_value(row, lang), ha="center", va="center", color="white",
              fontsize=VALUE_SIZE + 1, fontweight="bold")  # fmt: skip
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        sns.despine(ax=ax, left=True)
        _literal_ticks(ax)
        units.append("%")
    return fig, units


# ---------------------------------------------------------------- public API


def _draw(
    kind: str, rows: pd.DataFrame, title: str, *, lang: str, region_zh: str, region_name: str,
    year: int, sources: pd.DataFrame,
) -> Figure:  # fmt: skip
    extra = ""
    if kind == "roles" and rows["unit"].nunique() == 1:
        fig, units, extra = _roles(rows, lang, region_zh)
    elif kind == "plan_progress":
        fig, units = _plan_progress(rows, lang, region_zh)
    else:
        fig, units = _panels(rows, lang, region_zh)
    subtitle = _subtitle(lang, region_name, year, units, extra)
    _finish(fig, title, subtitle, source_line(list(rows["source_id"].astype(str)), sources, lang))
    return fig


def theme_charts(
    indicators: pd.DataFrame,
    sources: pd.DataFrame,
    *,
    theme: str,
    lang: str,
    region_zh: str,
    region_name: str,
    year: int,
) -> list[Chart]:
    """The charts of a theme for figures already narrowed to one region and year.

    Charts whose figures are absent are left out; figures no chart of the theme
    draws (other than :data:`NOT_CHARTED`) get small multiples by unit. No
    figures, no charts: an empty list.
    """
    if indicators.empty:
        return []
    charts = []
    drawn: set[str] = set(NOT_CHARTED)
    for spec in SPECS.get(theme, ()):
        rows = indicators[indicators["indicator_id"].isin(spec.ids)]
        drawn.update(spec.ids)
        if rows.empty:
            continue
        order = {indicator_id: i for i, indicator_id in enumerate(spec.ids)}
        rows = rows.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")
        title = spec.title_zh if lang == "zh" else spec.title_en
        fig = _draw(spec.kind, rows, title, lang=lang, region_zh=region_zh, region_name=region_name,
                    year=year, sources=sources)  # fmt: skip
        charts.append(Chart(f"{theme}_{spec.key}", title, fig, tuple(rows["indicator_id"])))
    rest = indicators[~indicators["indicator_id"].isin(drawn)]
    if not rest.empty:
        title = OTHER_TITLE[lang]
        fig = _draw("panels", rest, title, lang=lang, region_zh=region_zh, region_name=region_name,
                    year=year, sources=sources)  # fmt: skip
        charts.append(Chart(f"{theme}_other", title, fig, tuple(rest["indicator_id"])))
    return charts


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def save_figure(fig: Figure, reports_dir: Path | str, lang: str, name: str) -> list[Path]:
    """Write ``fig`` as PNG and SVG to ``config.figures_dir(reports_dir, lang)/name.{png,svg}``.

    Files are written under a temporary name and moved into place, so a reader
    never sees half a file. Missing glyphs raise
    :class:`~wuwei_analysis.report.fonts.MissingGlyphError` when ``WUWEI_STRICT_GLYPHS=1``.
    """
    if not _SAFE_NAME.match(name):
        raise ValueError(f"chart name {name!r} must be letters, digits, '_' or '-'")
    folder = config.figures_dir(Path(reports_dir), lang)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with fonts.glyph_check():
        for suffix, metadata in ((".png", {"Software": None}), (".svg", {"Date": None})):
            path = folder / f"{name}{suffix}"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=suffix[1:], dpi=DPI, metadata=metadata, facecolor="white")
            paths.append(path)
    return paths


def save_charts(charts: list[Chart], reports_dir: Path | str, lang: str) -> list[Path]:
    """Save every chart; each Chart's ``paths`` lists its PNG and SVG."""
    written = []
    for chart in charts:
        chart.paths = save_figure(chart.fig, reports_dir, lang, chart.name)
        written.extend(chart.paths)
    return written


def card_panels(
    panels: list[tuple[str, pd.DataFrame]],
    *,
    title: str,
    lang: str,
    region_zh: str,
    region_name: str,
    year: int,
    sources: pd.DataFrame,
    columns: int = 2,
) -> Figure:
    """Small multiples of figure cards: one titled panel per group (e.g. a theme), one card per figure.

    Each card states one figure (big number, its unit, its name), so no two
    figures ever share an axis or a unit. Panels fill ``columns`` columns, row by
    row; cards keep one width across panels. Title, subtitle and source line as
    every house-style chart.
    """
    if not panels:
        raise ValueError("card_panels needs at least one panel")
    ncols = max(1, min(columns, len(panels)))
    nrows = -(-len(panels) // ncols)
    per_panel = max(len(rows) for _, rows in panels)
    card_in = min(2.4, (WIDTH_IN * 0.94 - 0.3 * (ncols - 1)) / ncols / per_panel)  # never wider than 2.4 in
    wrap = max(6, int(card_in * (13 if lang == "en" else 5.3)))  # characters per label line
    labels = [
        [_wrap(_label(row, lang, region_zh), lang, wrap) for _, row in rows.iterrows()] for _, rows in panels
    ]
    lines = max(label.count("\n") + 1 for panel in labels for label in panel)
    panel_in = 2.55 + 0.19 * max(0, lines - 4)  # panel title band plus a card tall enough for its label
    fig = _figure(TOP_IN + BOTTOM_IN + 0.15 + nrows * panel_in)
    bottom, top = _plot_area(fig)
    grid = fig.add_gridspec(nrows, ncols, left=0.03, right=0.97, bottom=bottom + 0.02, top=top - 0.02,
                            wspace=0.08, hspace=0.12)  # fmt: skip
    band = 0.34 / fig.get_figheight()  # the panel title's height in figure fractions
    width = card_in / WIDTH_IN
    units: list[str] = []
    all_rows = []
    for n, (panel_title, rows) in enumerate(panels):
        box = grid[n // ncols, n % ncols].get_position(fig)
        color = PALETTE[n % len(PALETTE)]
        _text(fig, box.x0 + 0.005, box.y1 - band * 0.55, panel_title, fontsize=LABEL_SIZE + 2,
              fontweight="bold", color=color, va="center")  # fmt: skip
        for i, (_, row) in enumerate(rows.iterrows()):
            ax = fig.add_axes((box.x0 + i * width, box.y0, width, box.height - band))
            _card(ax, format_value(row, lang, unit=False), _card_unit(row, lang), labels[n][i], color)
            units.append(_unit_name(row, lang))
        all_rows.append(rows)
    source_ids = list(pd.concat(all_rows)["source_id"].astype(str))
    _finish(fig, title, _subtitle(lang, region_name, year, units), source_line(source_ids, sources, lang))
    return fig
