"""Charts chosen to fit the figures, drawn in the house style of :mod:`.chart_style`.

Which figures a chart draws, and how, is data: the theme's charts in the indicator
catalogue (``data/reference/indicator_groups.csv`` and the ``chart`` column of
``indicators.csv``). People trained by role are ranked bars with shares; the renovation
plan is figure cards above a progress bar; figures in different units are small
multiples, one panel per unit (bars when a unit has several figures, a card when it has
one), so no axis ever mixes units. Figures no chart names, catalogued or not, are drawn
as "other figures". Themes without figures get no chart.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from wuwei_analysis import catalogue, reference
from wuwei_analysis.report import chart_style as style
from wuwei_analysis.report import chart_words
from wuwei_analysis.report.chart_files import Chart, save_chart, save_charts, save_figure
from wuwei_analysis.report.chart_style import apply_style, house_style, prepare
from wuwei_analysis.report.chart_words import source_line
from wuwei_analysis.report.commentary import format_calculated, format_value
from wuwei_analysis.report.derived import Calculated, calculate

__all__ = [  # Chart and saving are re-exported from chart_files for the notebooks' one import
    "Chart",
    "apply_style",
    "card_panels",
    "house_style",
    "prepare",
    "save_chart",
    "save_charts",
    "save_figure",
    "source_line",
    "theme_charts",
]


# ---------------------------------------------------------------- figure frame


# ---------------------------------------------------------------- chart kinds


def _card_chars(width_in: float, lang: str) -> int:
    """Characters per line of a card's label, for a card ``width_in`` wide (labels are ~9.5 pt)."""
    return max(4, int(width_in * 72 * 0.84 / (9.5 if lang == "zh" else 5.3)))


def _in_rows(groups: list[pd.DataFrame], capacity: int) -> list[list[pd.DataFrame]]:
    """Groups in rows of at most ``capacity`` slots: a card takes one slot, a bar panel two."""
    rows: list[list[pd.DataFrame]] = [[]]
    used = 0
    for group in groups:
        size = 2 if len(group) > 1 else 1
        if rows[-1] and used + size > capacity:
            rows.append([])
            used = 0
        rows[-1].append(group)
        used += size
    return rows


def _panels(rows: pd.DataFrame, lang: str, region_zh: str, color: str) -> tuple[Figure, list[str]]:
    """Small multiples: one panel per unit; bars for several figures, a card for one.

    Panels sit side by side as long as the frame has room (four card widths on a desk, two on a
    phone), then wrap to another row."""
    units = list(dict.fromkeys(rows["unit"]))
    groups = [rows[rows["unit"] == unit] for unit in units]
    now = style.frame()
    lines = _in_rows(groups, now.cards_per_row)
    centre = 3.0 if now.cards_per_row > 2 else 1.6  # one or two cards stay card-sized, centred
    labels = {}  # each card's label, wrapped to its card's width
    for line in lines:
        slots = max(centre, sum(2.0 if len(g) > 1 else 1.0 for g in line))
        card_in = 0.94 * now.width_in / slots * (0.8 if len(line) > 1 else 1.0)
        for group in line:
            if len(group) == 1:
                row = group.iloc[0]
                labels[id(group)] = style.wrap(
                    chart_words.label(row, lang, region_zh), lang, _card_chars(card_in, lang)
                )
    heights = [3.3 if any(len(g) > 1 for g in line) else 2.8 for line in lines]
    if now.name == "phone":  # a row of bars needs room per bar; a row of cards, room for its labels
        heights = [
            1.3 + 0.62 * max(len(g) for g in line)
            if any(len(g) > 1 for g in line)
            else max(2.1, (max(labels[id(g)].count("\n") + 1 for g in line) * 0.165 + 0.05) / 0.39)
            for line in lines
        ]
    gap = 0.25
    fig = style.figure(style.DESK.top_in + style.DESK.bottom_in + sum(heights) + gap * (len(lines) - 1))
    bottom, top = style.plot_area(fig)
    inch = 1 / fig.get_figheight()
    for line, height in zip(lines, heights, strict=True):
        line_top = top
        top = top - (height + gap) * inch
        line_bottom = line_top - height * inch
        widths = [2.0 if len(g) > 1 else 1.0 for g in line]
        if any(len(g) > 1 for g in line):  # room for the x tick labels below and the unit title above
            line_bottom, line_top = line_bottom + 0.35 * inch, line_top - 0.3 * inch
        pad = max(0.0, (centre - sum(widths)) / 2)
        grid = fig.add_gridspec(1, len(line) + 2, width_ratios=[pad or 1e-6, *widths, pad or 1e-6], left=0.03,
                                right=0.97, bottom=line_bottom, top=line_top, wspace=0.25)  # fmt: skip
        for i, group in enumerate(line):
            if len(group) == 1:
                row = group.iloc[0]
                ax = fig.add_subplot(grid[0, i + 1])
                style.card(
                    ax,
                    format_value(row, lang, unit=False),
                    chart_words.card_unit(row, lang),
                    labels[id(group)],
                    color,
                )
                continue
            inner = grid[0, i + 1].subgridspec(1, 2, width_ratios=[1, 1.5], wspace=0.02)
            ax = fig.add_subplot(inner[0, 1])
            chars = min(style.WRAP[lang], now.label_chars[lang])
            style.bars(
                ax,
                [style.wrap(chart_words.label(r, lang, region_zh), lang, chars) for _, r in group.iterrows()],
                list(group["value"].astype(float)),
                [format_value(r, lang, unit=False) for _, r in group.iterrows()],
                highlight=None,
                color=color,
            )
            ax.set_title(reference.labels(lang)["chart.unit"] + chart_words.shared_unit(group, lang),
                         fontsize=style.LABEL_SIZE, color=style.MUTED, loc="left", parse_math=False)  # fmt: skip
    return fig, [chart_words.shared_unit(g, lang) for g in groups]


def _roles(
    rows: pd.DataFrame, lang: str, region_zh: str, calculated: list[Calculated], color: str
) -> tuple[Figure, list[str], str]:
    """Ranked horizontal bars of one unit, with each bar's calculated share of the calculated total."""
    rows = rows.sort_values("value", ascending=False, kind="stable")
    shares = {c.inputs[0]: c for c in calculated if c.operation == "share"}
    total = next((c for c in calculated if c.operation == "sum"), None)
    fig = style.figure(1.9 + 0.62 * len(rows) + style.TOP_IN - 0.3)
    bottom, top = style.plot_area(fig)
    left = style.frame().label_left
    ax = fig.add_axes((left, bottom + 0.03, 0.94 - left, top - bottom - 0.06))
    texts = []
    for _, row in rows.iterrows():
        text = format_value(row, lang, unit=False)
        if row["indicator_id"] in shares:
            share = format_calculated(shares[row["indicator_id"]], lang)
            text += f"（{share}）" if lang == "zh" else f" ({share})"
        texts.append(text)
    style.bars(
        ax,
        [
            style.wrap(chart_words.label(r, lang, region_zh), lang, style.frame().label_chars[lang])
            for _, r in rows.iterrows()
        ],
        list(rows["value"].astype(float)),
        texts,
        highlight=0,
        color=color,
    )
    unit = chart_words.shared_unit(rows, lang)
    extra = ""
    if total is not None:
        words = reference.labels(lang)
        extra = (
            words["chart.total"]
            + (" " if lang == "en" else "")
            + format_calculated(total, lang)
            + words["chart.calculated"]  # the total and the shares are ours, not the source's
        )
    return fig, [unit], extra


def _plan_progress(rows: pd.DataFrame, lang: str, region_zh: str, color: str) -> tuple[Figure, list[str]]:
    """The plan as figure cards, then progress as a 0–100 % bar."""
    progress = rows[rows["unit"] == "percent"]
    plan = rows[rows["unit"] != "percent"]
    fig = style.figure(5.0 if len(plan) and len(progress) else 3.9)
    bottom, top = style.plot_area(fig)
    split = bottom + (top - bottom) * 0.42 if len(plan) and len(progress) else bottom
    units = []
    if len(plan):
        grid = fig.add_gridspec(
            1, len(plan), left=0.03, right=0.97, bottom=split + 0.02, top=top, wspace=0.15
        )
        for i, (_, row) in enumerate(plan.iterrows()):
            ax = fig.add_subplot(grid[0, i])
            chars = min(
                style.WRAP[lang] + 3, _card_chars(ax.get_position().width * style.frame().width_in, lang)
            )
            style.card(ax, format_value(row, lang, unit=False), chart_words.card_unit(row, lang),
                  style.wrap(chart_words.label(row, lang, region_zh), lang, chars), color)  # fmt: skip
            units.append(chart_words.unit_name(row, lang))
    if len(progress):
        row = progress.iloc[0]
        done = max(0.0, min(100.0, float(row["value"])))
        left = style.frame().label_left
        ax = fig.add_axes((left, bottom + 0.08, 0.94 - left, max(0.1, (split - bottom) * 0.45)))
        ax.barh([0], [100], color=style.TRACK, height=0.55)
        ax.barh([0], [done], color=color, height=0.55)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, 0.6)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_yticks(
            [0], [style.wrap(chart_words.label(row, lang, region_zh), lang, style.frame().label_chars[lang])]
        )
        style.draw_text(ax, done / 2, 0, format_value(row, lang), ha="center", va="center", color="white",
              **style.strong(style.VALUE_SIZE + 1))  # fmt: skip
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        sns.despine(ax=ax, left=True)
        style.literal_ticks(ax)
        units.append("%")
    return fig, units


# ---------------------------------------------------------------- public API


def _draw(
    kind: str, rows: pd.DataFrame, title: str, *, lang: str, region_zh: str, region_name: str,
    year: int, sources: pd.DataFrame, calculated: list[Calculated] | None = None, color: str = "",
) -> Figure:  # fmt: skip
    extra = ""
    color = color or style.PALETTE[0]
    place = chart_words.chart_place(
        rows, lang, region_zh, region_name
    )  # the subtitle names it, so labels need not
    own = rows["region_zh"].astype(str).unique()
    region_zh = own[0] if len(own) == 1 else region_zh
    period = chart_words.shared_period(rows, lang)
    if period:  # the subtitle says it once; the labels need not repeat it
        rows = rows.assign(period="year")
    if kind == "roles" and rows["unit"].nunique() == 1:
        fig, units, extra = _roles(rows, lang, region_zh, calculated or [], color)
    elif kind == "plan_progress":
        fig, units = _plan_progress(rows, lang, region_zh, color)
    else:
        fig, units = _panels(rows, lang, region_zh, color)
    subtitle = chart_words.subtitle(lang, place, year, units, extra, period)
    style.finish(
        fig, title, subtitle, chart_words.source_line(list(rows["source_id"].astype(str)), sources, lang)
    )
    return fig


@house_style()  # drawn in the house style; the analyst's settings come back afterwards
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

    The theme's charts come from the catalogue, each drawing its member figures in
    catalogue order; charts whose figures are absent are left out. Figures no chart
    draws (other than those the catalogue marks as not drawn) get small multiples by
    unit. No figures, no charts: an empty list.
    """
    if indicators.empty:
        return []
    known = catalogue.load()
    calculated = calculate(indicators, known.calculated(theme))
    charts = []
    color = style.theme_color(theme)  # one colour per theme across the site
    drawn: set[str] = set(known.not_drawn(theme))
    for group in known.charts(theme):
        rows = indicators[indicators["indicator_id"].isin(group.members)]
        drawn.update(group.members)
        if rows.empty:
            continue
        order = {indicator_id: i for i, indicator_id in enumerate(group.members)}
        rows = rows.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")
        title = group.title(lang)
        mine = [c for c in calculated.values() if known.indicators[c.indicator_id].chart == group.key]
        draw = partial(_draw, group.kind, rows, title, lang=lang, region_zh=region_zh, region_name=region_name,
                       year=year, sources=sources, calculated=mine, color=color)  # fmt: skip
        alt = chart_words.describe(title, rows, lang, region_zh)
        charts.append(Chart(f"{theme}_{group.key}", title, draw, tuple(rows["indicator_id"]), alt=alt))
    rest = indicators[~indicators["indicator_id"].isin(drawn)]
    if not rest.empty:
        title = reference.labels(lang)["chart.other_title"]
        draw = partial(_draw, "panels", rest, title, lang=lang, region_zh=region_zh, region_name=region_name,
                       year=year, sources=sources, color=color)  # fmt: skip
        alt = chart_words.describe(title, rest, lang, region_zh)
        charts.append(Chart(f"{theme}_other", title, draw, tuple(rest["indicator_id"]), alt=alt))
    return charts


@house_style()
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
    colors: list[str] | None = None,
) -> Figure:
    """Small multiples of figure cards: one titled panel per group (e.g. a theme), one card per figure.

    Each card states one figure (big number, its unit, its name), so no two
    figures ever share an axis or a unit. Panels fill ``columns`` columns, row by
    row; cards keep one width across panels. Title, subtitle and source line as
    every house-style chart.
    """
    if not panels:
        raise ValueError("card_panels needs at least one panel")
    now = style.frame()
    ncols = max(1, min(columns, len(panels), 1 if now.name == "phone" else columns))
    nrows = -(-len(panels) // ncols)
    per_panel = max(len(rows) for _, rows in panels)
    card_in = min(
        2.4, (now.width_in * 0.94 - 0.3 * (ncols - 1)) / ncols / per_panel
    )  # never wider than 2.4 in
    wrap = max(6, int(card_in * (13 if lang == "en" else 5.3)))  # characters per label line
    labels = [
        [style.wrap(chart_words.label(row, lang, region_zh), lang, wrap) for _, row in rows.iterrows()]
        for _, rows in panels
    ]
    lines = max(label.count("\n") + 1 for panel in labels for label in panel)
    panel_in = 2.55 + 0.19 * max(0, lines - 4)  # panel title band plus a card tall enough for its label
    fig = style.figure(style.TOP_IN + style.BOTTOM_IN + 0.15 + nrows * panel_in)
    bottom, top = style.plot_area(fig)
    grid = fig.add_gridspec(nrows, ncols, left=0.03, right=0.97, bottom=bottom + 0.02, top=top - 0.02,
                            wspace=0.08, hspace=0.12)  # fmt: skip
    band = 0.34 / fig.get_figheight()  # the panel title's height in figure fractions
    width = card_in / now.width_in
    units: list[str] = []
    all_rows = []
    for n, (panel_title, rows) in enumerate(panels):
        box = grid[n // ncols, n % ncols].get_position(fig)
        color = colors[n] if colors else style.PALETTE[n % len(style.PALETTE)]
        style.draw_text(fig, box.x0 + 0.005, box.y1 - band * 0.55, panel_title, color=color, va="center",
              **style.strong(style.LABEL_SIZE + 2))  # fmt: skip
        for i, (_, row) in enumerate(rows.iterrows()):
            ax = fig.add_axes((box.x0 + i * width, box.y0, width, box.height - band))
            style.card(
                ax, format_value(row, lang, unit=False), chart_words.card_unit(row, lang), labels[n][i], color
            )
            units.append(chart_words.unit_name(row, lang))
        all_rows.append(rows)
    source_ids = list(pd.concat(all_rows)["source_id"].astype(str))
    style.finish(
        fig,
        title,
        chart_words.subtitle(lang, region_name, year, units),
        chart_words.source_line(source_ids, sources, lang),
    )
    return fig
