"""The words on a chart: figure labels, unit words, the subtitle, the source line and the alt text.

Drawing is :mod:`.charts`; these functions only choose text, in the report's language.
"""

from __future__ import annotations

import pandas as pd

from wuwei_analysis import reference
from wuwei_analysis.report.commentary import format_value, shared_unit_zh, unit_names


def label(row: pd.Series, lang: str, region_zh: str) -> str:
    """A figure's label: its name, its place when not the chart's, its period when not the year."""
    name = str(row[f"name_{lang}"])
    if str(row["region_zh"]) != region_zh:
        place = str(row[f"region_{lang}"])
        name = f"{name}（{place}）" if lang == "zh" else f"{name} ({place})"
    words = period_words(row, lang)
    if words:  # the time it covers, so that unlike figures are not read as alike
        name = f"{name}【{words}】" if lang == "zh" else f"{name} [{words}]"
    return name


def period_words(row: pd.Series, lang: str) -> str:
    """The time a figure covers in words (截至目前, undated …); '' for a calendar year's figure."""
    period = str(row.get("period") or "year")
    if period == "year":
        return ""
    date = str(row.get("period_date") or row.get("period_start") or "")
    return reference.period_name(period, lang, date if date != "nan" else "")


def shared_period(rows: pd.DataFrame, lang: str) -> str:
    """The period words every figure of a chart shares ('' if they differ or are the year's):
    said once in the subtitle instead of on every label."""
    words = {period_words(row, lang) for _, row in rows.iterrows()}
    return words.pop() if len(words) == 1 else ""


def unit_name(row: pd.Series, lang: str, own: bool = False) -> str:
    """The unit's word; ``own``: the figure's own word from the catalogue (toddlers are "children",
    not "persons"), for a card that states one figure; else the unit's, shared by several figures."""
    if own:
        unit_zh, unit_en = unit_names(row)
        return unit_zh if lang == "zh" else unit_en
    column = f"unit_{lang}"
    if column in row and isinstance(row[column], str) and row[column]:
        return row[column]
    unit = reference.units().get(str(row["unit"]))
    return (unit.name_zh if lang == "zh" else unit.name_en) if unit else str(row["unit"])


def shared_unit(rows: pd.DataFrame, lang: str) -> str:
    """The word for a unit several figures share; in Chinese their own counter (家) when they agree."""
    return shared_unit_zh(rows) if lang == "zh" else unit_name(rows.iloc[0], lang)


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
    return reference.labels(lang)["chart.source"] + ("；" if lang == "zh" else "; ").join(parts)


def subtitle(lang: str, region: str, year: int, units: list[str], extra: str = "", period: str = "") -> str:
    """``place · year · period · unit`` (``units`` when several), then ``extra`` (a calculated total)."""
    words = reference.label_group("chart", lang)
    units = list(dict.fromkeys(units))
    unit_text = words["unit"] + units[0] if len(units) == 1 else words["units"]
    parts = [region, words["year"].format(year=year)] + ([period] if period else []) + [unit_text]
    parts += [extra] if extra else []
    return " · ".join(parts)


def card_unit(row: pd.Series, lang: str) -> str:
    """The unit under a card's number: the figure's own word, none for a percentage."""
    if str(row["unit"]) in ("percent",):
        return ""
    return unit_name(row, lang, own=True)


def chart_place(rows: pd.DataFrame, lang: str, region_zh: str, region_name: str) -> str:
    """The place a chart's subtitle names: the figures' own when they all belong to one place."""
    places = rows[list(dict.fromkeys(["region_zh", f"region_{lang}"]))].drop_duplicates()
    if len(places) == 1 and str(places.iloc[0]["region_zh"]) != region_zh:
        return str(places.iloc[0][f"region_{lang}"])
    return region_name


def describe(title: str, rows: pd.DataFrame, lang: str, region_zh: str) -> str:
    """A chart in words for its alt text: the title, then each figure with its value."""
    items = [f"{label(r, lang, region_zh)} {format_value(r, lang)}" for _, r in rows.iterrows()]
    return (f"{title}：" + "；".join(items) + "。") if lang == "zh" else f"{title}: " + "; ".join(items) + "."
