"""Comparisons across years and places, made only where the figures are alike.

Two figures of one indicator are compared when they cover the same kind of time (``period``, and
the same date for ``as_of``), are in the same unit and are both exact: a cumulative count is not
set against a year's, an "about" figure is not subtracted. Where they are not alike the report
says why instead. Every change and percentage here is calculated, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from wuwei_analysis import reference
from wuwei_analysis.report import chart_style
from wuwei_analysis.report.chart_files import Chart
from wuwei_analysis.report.commentary import format_value

# Qualifiers that make a difference meaningless (an approximate or open-ended figure).
EXACT = ("exact",)


@dataclass(frozen=True)
class Change:
    """One indicator of one place between two years: the change, or why there is none."""

    indicator_id: str
    place_zh: str
    earlier: dict
    later: dict
    reason: str = ""  # "" when comparable; else why the two are not compared

    @property
    def change(self) -> float:
        return float(self.later["value"]) - float(self.earlier["value"])

    @property
    def percent(self) -> float | None:
        before = float(self.earlier["value"])
        return None if before == 0 else self.change / before * 100


def _period(row: pd.Series | dict, lang: str) -> str:
    period = str(row.get("period") or "year")
    return reference.period_name(period, lang, str(row.get("period_date") or row.get("period_start") or ""))


def period_text(row: pd.Series | dict, lang: str) -> str:
    """The time a figure covers, in words, with its date where known (``截至目前``, ``cumulative``)."""
    return _period(row, lang)


def why_not_alike(a: pd.Series | dict, b: pd.Series | dict, lang: str) -> str:
    """Why two figures of one indicator cannot be compared as if alike ("" when they can)."""
    text = reference.label_group("compare", lang)
    if str(a.get("unit")) != str(b.get("unit")):
        return text["unit_differs"]
    pa_, pb = str(a.get("period") or "year"), str(b.get("period") or "year")
    dates = [(str(x.get("period_date") or ""), str(x.get("period_start") or "")) for x in (a, b)]
    if pa_ != pb or dates[0] != dates[1]:
        return text["period_differs"].format(a=_period(a, lang), b=_period(b, lang))
    if pa_ in ("as_of", "undated") and not str(a.get("period_date") or ""):
        return text["period_undated"].format(a=_period(a, lang))
    if str(a.get("qualifier")) not in EXACT or str(b.get("qualifier")) not in EXACT:
        return text["approximate"]
    return ""


def year_changes(history: pd.DataFrame, shown: pd.DataFrame, lang: str) -> list[Change]:
    """For each figure ``shown``, the same indicator and place in the latest earlier year."""
    changes = []
    for _, row in shown.iterrows():
        same = history[
            (history["indicator_id"] == row["indicator_id"])
            & (history["region_zh"] == row["region_zh"])
            & (history["year"] < row["year"])
        ]
        if same.empty:
            continue
        before = same.sort_values("year").iloc[-1]
        changes.append(
            Change(
                str(row["indicator_id"]),
                str(row["region_zh"]),
                before.to_dict(),
                row.to_dict(),
                why_not_alike(before, row, lang),
            )
        )
    return changes


def series(history: pd.DataFrame, indicator_id: str, place_zh: str) -> pd.DataFrame:
    """Every year's figure of one indicator and place, oldest first."""
    rows = history[(history["indicator_id"] == indicator_id) & (history["region_zh"] == place_zh)]
    return rows.sort_values("year").reset_index(drop=True)


def change_sentence(change: Change, lang: str) -> str:
    """``人均公园面积（武威城区）：2025年13.24平方米，2026年14平方米，增加0.76平方米（+5.7%，计算值）。``"""
    text = reference.label_group("compare", lang)
    a, b = change.earlier, change.later
    name = str(b[f"name_{lang}"])
    place = str(b[f"region_{lang}"])
    if change.reason:
        return text["not_compared"].format(
            name=name, place=place, a_year=a["year"], b_year=b["year"], reason=change.reason
        )
    delta = change.change
    amount = format_value({**b, "value": abs(delta), "qualifier": "exact", "value_high": None}, lang)
    word = text["up"] if delta > 0 else text["down"] if delta < 0 else text["same"]
    percent = "" if change.percent is None else f"{'+' if change.percent >= 0 else ''}{change.percent:.1f}%"
    return text["changed"].format(
        name=name,
        place=place,
        a_year=a["year"],
        b_year=b["year"],
        a=format_value(a, lang),
        b=format_value(b, lang),
        word=word,
        amount=amount if delta else "",
        percent=percent or text["no_percent"],
    )


def _is_admin(place_zh: str) -> bool:
    return any(r.region_zh == place_zh for r in reference.admin_regions())


def place_ranking(history: pd.DataFrame, indicator_id: str, year: int, lang: str) -> tuple[pd.DataFrame, str]:
    """One indicator's figures for every place in ``year``, largest first, and why they are not
    ranked ("" when they are: same unit and period, all exact). Empty when fewer than two places."""
    rows = history[(history["indicator_id"] == indicator_id) & (history["year"] == year)]
    rows = rows.drop_duplicates("region_zh")
    # Places side by side: a city is not ranked against its own districts and counties.
    codes = set(rows["region_code"].astype(str))
    parents = {r.parent_code for r in reference.admin_regions() if r.region_code in codes}
    rows = rows[~(rows["region_code"].astype(str).isin(parents) & (rows["region_zh"].map(_is_admin)))]
    if len(rows) < 2:
        return rows.iloc[0:0], ""
    first = rows.iloc[0]
    reasons = [why_not_alike(first, row, lang) for _, row in rows.iloc[1:].iterrows()]
    if str(first.get("qualifier")) not in EXACT:
        reasons.append(reference.label_group("compare", lang)["approximate"])
    reason = next((r for r in reasons if r), "")
    return rows.sort_values("value", ascending=False).reset_index(drop=True), reason


# ---------------------------------------------------------------- charts


def series_chart(rows: pd.DataFrame, lang: str, name: str, source: str, color: str = "") -> Chart:
    """A line (a slope for two years) of one indicator and place over the years, values labelled."""
    text = reference.label_group("compare", lang)
    title = text["series_title"].format(name=rows.iloc[-1][f"name_{lang}"])
    draw = partial(_draw_series, rows, lang, title, source, color or chart_style.PALETTE[0])
    alt = f"{title}: " + "; ".join(f"{r['year']} {format_value(r, lang)}" for _, r in rows.iterrows())
    return Chart(name, title, draw, (str(rows.iloc[-1]["indicator_id"]),), alt=alt)


@chart_style.house_style()
def _draw_series(rows: pd.DataFrame, lang: str, title: str, source: str, color: str) -> Figure:
    text = reference.label_group("compare", lang)
    fig = chart_style.figure(3.2)
    bottom, top = chart_style.plot_area(fig)
    left = 0.8 / chart_style.frame().width_in  # room for the value axis, in inches
    ax = fig.add_axes((left, bottom + 0.08, 0.92 - left, top - bottom - 0.14))
    years, values = rows["year"].astype(int).tolist(), rows["value"].astype(float).tolist()
    ax.plot(years, values, marker="o", color=color, linewidth=2)
    lift = max(values) * 0.06 if max(values) > 0 else 0.05  # labels sit above their points
    for year, (_, row) in zip(years, rows.iterrows(), strict=True):
        period = str(row["period"])
        label = format_value(row, lang) + ("" if period == "year" else f"（{_period(row, lang)}）")
        chart_style.draw_text(ax, year, float(row["value"]) + lift, label, ha="center", va="bottom",
                              fontsize=chart_style.VALUE_SIZE, color=chart_style.INK)  # fmt: skip
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.set_ylim(0, max(values) * 1.35 if max(values) > 0 else 1)
    chart_style.literal_ticks(ax)
    place = str(rows.iloc[-1][f"region_{lang}"])
    chart_style.finish(fig, title, f"{place} · {text['calculated']}", source)
    return fig


def places_series_chart(
    rows: pd.DataFrame, lang: str, name: str, source: str, color: str = "", own_place: str = ""
) -> Chart:
    """One indicator over the years in several places (a city's page holds its counties): each place
    a group of bars, one a year, the latest year in full colour; one chart, not one per place.

    The page's own place (``own_place``, its ``region_zh``) comes first, then the others by their
    latest figure: a city is not ranked among its own counties."""
    text = reference.label_group("compare", lang)
    title = text["series_title"].format(name=rows.iloc[-1][f"name_{lang}"])
    rows = _by_latest(rows, own_place)
    draw = partial(_draw_places_series, rows, lang, title, source, color or chart_style.PALETTE[0])
    alt = f"{title}: " + "; ".join(
        f"{place} " + ", ".join(f"{r['year']} {format_value(r, lang)}" for _, r in group.iterrows())
        for place, group in rows.groupby(f"region_{lang}", sort=False)
    )
    return Chart(name, title, draw, (str(rows.iloc[-1]["indicator_id"]),), alt=alt)


def _by_latest(rows: pd.DataFrame, first: str) -> pd.DataFrame:
    """``first``, then the other places by their latest figure, largest first; years oldest first."""
    latest = rows.sort_values("year").groupby("region_zh", sort=False)["value"].last()
    places = [first] if first in latest.index else []
    places += [p for p in latest.sort_values(ascending=False, kind="stable").index if p != first]
    order = {place: n for n, place in enumerate(places)}
    rows = rows.assign(_place=rows["region_zh"].map(order)).sort_values(["_place", "year"], kind="stable")
    return rows.drop(columns="_place").reset_index(drop=True)


def _year_shades(years: list[int], color: str) -> dict[int, str]:
    """The latest year in ``color``, earlier years lighter the further back they are."""
    span = max(1, years[-1] - years[0])
    return {year: chart_style.tint(color, 0.3 + 0.4 * (years[-1] - year) / span) if year != years[-1]
            else color for year in years}  # fmt: skip


@chart_style.house_style()
def _draw_places_series(rows: pd.DataFrame, lang: str, title: str, source: str, color: str) -> Figure:
    text = reference.label_group("compare", lang)
    years = sorted(rows["year"].astype(int).unique())
    places = list(dict.fromkeys(rows[f"region_{lang}"].astype(str)))
    fig = chart_style.figure(1.8 + 0.3 * len(rows) + 0.15 * len(places))
    bottom, top = chart_style.plot_area(fig)
    left = chart_style.frame().label_left + 0.04
    ax = fig.add_axes((left, bottom + 0.05, 0.92 - left, top - bottom - 0.08))
    step = 1.0 / (len(years) + 0.6)  # the bars of one place, and a gap before the next
    shades = _year_shades(years, color)
    top_value = max(float(rows["value"].max()), 0.0) or 1.0
    centres = []
    for n, (_, group) in enumerate(rows.groupby("region_zh", sort=False)):
        centre = -n
        centres.append(centre)
        for _, row in group.iterrows():
            y = centre + (len(years) - 1) / 2 * step - years.index(int(row["year"])) * step
            value = float(row["value"])
            ax.barh([y], [value], height=step * 0.85, color=shades[int(row["year"])])
            chart_style.draw_text(ax, value + top_value * 0.02, y, format_value(row, lang), va="center",
                                  fontsize=chart_style.VALUE_SIZE, color=chart_style.INK)  # fmt: skip
    chars = chart_style.frame().label_chars[lang]
    ax.set_yticks(centres, [chart_style.wrap(place, lang, chars) for place in places])
    ax.set_xlim(0, top_value * chart_style.frame().bar_room)
    ax.set_ylim(-len(places) + 0.5, 0.5)
    years_key = [Patch(facecolor=shades[year], label=text["year"].format(year=year)) for year in years]
    ax.legend(handles=years_key, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(years), frameon=False,
              fontsize=chart_style.LABEL_SIZE, handlelength=1.2, borderaxespad=0.3)  # fmt: skip
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    sns.despine(ax=ax, left=True, bottom=False)
    chart_style.literal_ticks(ax)
    subtitle = text["places_series_subtitle"].format(first=years[0], last=years[-1])
    chart_style.finish(fig, title, subtitle, source)
    return fig


def ranking_chart(rows: pd.DataFrame, lang: str, name: str, year: int, source: str, color: str = "") -> Chart:
    """Ranked bars of one indicator across places in one year, largest first."""
    text = reference.label_group("compare", lang)
    title = text["ranking_title"].format(name=rows.iloc[0][f"name_{lang}"], year=year)
    draw = partial(_draw_ranking, rows, lang, title, source, color or chart_style.PALETTE[0])
    alt = f"{title}: " + "; ".join(
        f"{r[f'region_{lang}']} {format_value(r, lang)}" for _, r in rows.iterrows()
    )
    return Chart(name, title, draw, (str(rows.iloc[0]["indicator_id"]),), alt=alt)


@chart_style.house_style()
def _draw_ranking(rows: pd.DataFrame, lang: str, title: str, source: str, color: str) -> Figure:
    fig = chart_style.figure(1.8 + 0.45 * len(rows))
    bottom, top = chart_style.plot_area(fig)
    left = chart_style.frame().label_left + 0.04
    ax = fig.add_axes((left, bottom + 0.05, 0.92 - left, top - bottom - 0.08))
    chars = chart_style.frame().label_chars[lang]
    labels = [chart_style.wrap(str(r[f"region_{lang}"]), lang, chars) for _, r in rows.iterrows()]
    texts = [format_value(r, lang) for _, r in rows.iterrows()]  # their one period is the subtitle
    chart_style.bars(ax, labels, rows["value"].astype(float).tolist(), texts, None, color=color)
    chart_style.finish(fig, title, _period(rows.iloc[0], lang), source)
    return fig
