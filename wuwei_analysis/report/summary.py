"""The summary report: every theme at a glance, read from ``data/processed/`` only.

The summary notebook is a parameters cell followed by one call per cell::

    ctx = summary.setup(lang=lang, region=region, year=year, processed_dir=processed_dir,
                        reports_dir=reports_dir, previous_dir=previous_dir)
    summary.show_header(ctx)
    summary.show_headlines(ctx)
    summary.show_figures(ctx)
    summary.show_measures(ctx)
    summary.show_changes(ctx)
    summary.show_sources(ctx)

It reads the processed tables, and for "what changed" the previous build's
processed indicators (``previous_dir``), never another notebook's output. A
region code covers every figure filed under it or under the districts and
counties below it (the city's summary holds the whole city); a place name
covers that place only. The headline figures of each theme are data
(``data/reference/headlines.csv``: theme → indicator ids), with the theme's
first figure as fallback. Everything shown is HTML (or a PNG chart) in which
data-derived text is escaped; the ``*_html`` functions return that HTML.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import config, reference
from wuwei_analysis.build import export as build_html
from wuwei_analysis.errors import DataError, Problem, relative_name
from wuwei_analysis.report import charts as charts_module
from wuwei_analysis.report import commentary
from wuwei_analysis.report import page as report
from wuwei_analysis.report.params import (
    INDICATORS_FILE,
    SUMMARY_PARAMETERS,
    SummaryParams,
    reject_unknown_parameters,
    validate_summary_params,
)

HEADLINES_FILE = config.REFERENCE_DIR / "headlines.csv"
MAX_CARDS = 3  # headline cards per theme panel; more would not be legible at report width
CHART_NAME = "summary_headlines"

# compare(): rows are matched on KEY; a row whose COMPARED fields differ has changed.
KEY = ("indicator_id", "region_code", "region_zh", "year")
COMPARED = ("value", "value_high", "unit", "qualifier")
CARRIED = ("value_as_written",)  # shown beside old and new values when the tables have it
DESCRIBED = ("theme", "name_zh", "name_en", "region_en")  # taken from the current row, else the old one
CHANGES = ("new", "changed", "removed")
CHANGE_COLUMNS = [
    "change", *DESCRIBED[:1], "indicator_id", *DESCRIBED[1:3], "region_code", "region_zh", *DESCRIBED[3:],
    "year", *(f"{side}_{c}" for c in (*COMPARED, *CARRIED) for side in ("old", "new")),
]  # fmt: skip
_NUMERIC = ("value", "value_high")


@dataclass
class SummaryContext:
    """Validated parameters and the rows the summary shows."""

    params: SummaryParams
    region: reference.Region
    region_name: str  # in the report's language
    indicators: pd.DataFrame  # every figure in scope, in theme order then each theme's report order
    measures: pd.DataFrame  # the measures of the themes without figures, in theme order
    themes_without: list[str]
    sources: pd.DataFrame  # the sources the summary cites, in citation order
    numbers: dict[str, int]
    changes: pd.DataFrame | None  # None: no earlier build to compare with
    font: str
    chart: charts_module.Chart | None = field(default=None)

    @property
    def lang(self) -> str:
        return self.params.lang

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def text(self) -> dict[str, str]:
        return reference.label_group("summary", self.lang)

    def __repr__(self) -> str:
        changes = "no previous build" if self.changes is None else f"{len(self.changes)} changes"
        return (
            f"SummaryContext(lang={self.lang!r}, region={self.region.region_zh!r}, year={self.year}, "
            f"figures={len(self.indicators)}, themes_without={self.themes_without}, {changes})"
        )


# ---------------------------------------------------------------- data


@lru_cache(maxsize=4)
def headlines(path: Path = HEADLINES_FILE) -> dict[str, tuple[str, ...]]:
    """theme → the indicator ids its headline panel shows, in file order."""
    mapping: dict[str, list[str]] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            theme, indicator_id = (row.get("theme") or "").strip(), (row.get("indicator_id") or "").strip()
            if theme not in reference.theme_ids() or not indicator_id:
                raise DataError(
                    [
                        Problem(
                            relative_name(Path(path)),
                            line=line,
                            column="theme",
                            value=theme,
                            rule="a headline needs a known theme and an indicator_id",
                        )
                    ]  # fmt: skip
                )
            mapping.setdefault(theme, []).append(indicator_id)
    return {theme: tuple(ids) for theme, ids in mapping.items()}


def in_theme_order(indicators: pd.DataFrame) -> pd.DataFrame:
    """Rows by theme (themes.csv order), each theme in the order its report states them."""
    if indicators.empty:
        return indicators.reset_index(drop=True)
    rank = {theme: n for n, theme in enumerate(reference.themes())}
    parts = [
        commentary.in_report_order(rows, theme)
        for theme, rows in sorted(indicators.groupby("theme", sort=False), key=lambda g: rank.get(g[0], len(rank)))
    ]  # fmt: skip
    return pd.concat(parts).reset_index(drop=True)


def themes_without_figures(indicators: pd.DataFrame) -> list[str]:
    """The themes (in report order) with no figure among ``indicators``."""
    present = set(indicators["theme"])
    return [theme for theme in reference.themes() if theme in reference.theme_ids() and theme not in present]


def headline_rows(
    indicators: pd.DataFrame, mapping: dict[str, tuple[str, ...]] | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """(theme, rows) for each theme with figures: its mapped headline figures, else its first figure."""
    mapping = headlines() if mapping is None else mapping
    panels = []
    for theme in reference.themes():
        rows = indicators[indicators["theme"] == theme]
        if rows.empty:
            continue
        ids = mapping.get(theme, ())
        chosen = rows[rows["indicator_id"].isin(ids)]
        if chosen.empty:
            chosen = commentary.in_report_order(rows, theme).head(1)
        else:
            order = {indicator_id: n for n, indicator_id in enumerate(ids)}
            chosen = chosen.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")
        panels.append((theme, chosen.head(MAX_CARDS).reset_index(drop=True)))
    return panels


def _check_unique(frame: pd.DataFrame, which: str) -> None:
    duplicated = frame[frame.duplicated(list(KEY), keep=False)]
    if len(duplicated):
        raise DataError(
            [
                Problem(
                    which,
                    column="indicator_id",
                    value=str(row["indicator_id"]),
                    rule=f"more than one row for {dict(zip(KEY, (row[k] for k in KEY), strict=True))}",
                )
                for _, row in duplicated.drop_duplicates(list(KEY)).iterrows()
            ]  # fmt: skip
        )


def _prepared(frame: pd.DataFrame, which: str) -> pd.DataFrame:
    missing = [c for c in (*KEY, "value", "unit") if c not in frame.columns]
    if missing:
        raise DataError([Problem(which, column=c, rule="required column is missing") for c in missing])
    frame = frame.copy()
    for column in ("value_high",):
        if column not in frame:
            frame[column] = float("nan")
    for column in ("qualifier",):
        if column not in frame:
            frame[column] = "exact"
    for column in (*CARRIED, *DESCRIBED):
        if column not in frame:
            frame[column] = ""
    frame = frame.astype({"region_code": str, "year": "int64", "value": "float64", "value_high": "float64"})
    _check_unique(frame, which)
    return frame[[*KEY, *COMPARED, *CARRIED, *DESCRIBED]]


def _differs(old: pd.Series, new: pd.Series) -> pd.Series:
    """Element-wise inequality where two missing values are equal."""
    both_missing = old.isna() & new.isna()
    return ~both_missing & ~(old == new).fillna(False).astype(bool)


def compare(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What changed between two indicator tables.

    Rows are matched on (indicator_id, region_code, region_zh, year). A row only
    in ``current`` is ``new``, only in ``previous`` ``removed``; a row in both is
    ``changed`` when its value, value_high, unit or qualifier differ (two missing
    values are equal). Unchanged rows are left out. Old and new fields are kept
    as the tables have them (``old_value``, ``new_value``, … ``*_value_as_written``),
    missing on the side that has no row. Sorted by change (new, changed,
    removed), then theme, indicator, place and year. Duplicate keys raise
    :class:`~wuwei_analysis.errors.DataError`.
    """
    old = _prepared(previous, "previous indicators")
    new = _prepared(current, "current indicators")
    merged = old.merge(new, on=list(KEY), how="outer", suffixes=("_old", "_new"), indicator=True)
    changed = pd.Series(False, index=merged.index)
    for column in COMPARED:
        changed |= _differs(merged[f"{column}_old"], merged[f"{column}_new"])
    sides = {"right_only": "new", "left_only": "removed", "both": "changed"}
    merged["change"] = merged["_merge"].astype(str).map(sides)
    merged = merged[(merged["_merge"] != "both") | changed].copy()
    for column in DESCRIBED:
        now, before = merged[f"{column}_new"], merged[f"{column}_old"]
        merged[column] = now.where(now.notna() & (now != ""), before).fillna("")
    for column in (*COMPARED, *CARRIED):
        merged[f"old_{column}"] = merged.pop(f"{column}_old")
        merged[f"new_{column}"] = merged.pop(f"{column}_new")
        if column not in _NUMERIC:
            for side in ("old", "new"):
                merged[f"{side}_{column}"] = (
                    merged[f"{side}_{column}"].astype(object).where(merged[f"{side}_{column}"].notna(), "")
                )
    theme_rank = {theme: n for n, theme in enumerate(reference.themes())}
    merged["_change"] = merged["change"].map({c: n for n, c in enumerate(CHANGES)})
    merged["_theme"] = merged["theme"].map(lambda t: theme_rank.get(t, len(theme_rank)))
    merged = merged.sort_values(["_change", "_theme", "indicator_id", "region_code", "region_zh", "year"])
    result = merged[CHANGE_COLUMNS].reset_index(drop=True)
    return result.astype(
        {"year": "int64", **{f"{s}_{c}": "float64" for c in _NUMERIC for s in ("old", "new")}}
    )


def load_previous(previous_dir: Path) -> pd.DataFrame:
    """The previous build's processed indicators."""
    path = Path(previous_dir) / INDICATORS_FILE
    return _prepared(pd.read_parquet(path), relative_name(path))


def setup(
    lang: object = "zh",
    region: object = config.DEFAULT_REGION,
    year: object = config.DEFAULT_YEAR,
    processed_dir: object = "",
    reports_dir: object = "",
    previous_dir: object = "",
) -> SummaryContext:
    """Validate the parameters, load the figures and measures, compare with the previous build.

    A bad parameter raises :class:`~wuwei_analysis.errors.ParameterError`, shown
    in a notebook as one line.
    """
    reject_unknown_parameters(SUMMARY_PARAMETERS)
    params = validate_summary_params(
        lang=lang,
        region=region,
        year=year,
        processed_dir=processed_dir,
        reports_dir=reports_dir,
        previous_dir=previous_dir,
    )
    processed = report.load_processed(params.processed_dir)
    ind = processed.indicators
    indicators = in_theme_order(
        ind[report.in_scope(ind, params.region_code, params.place_zh) & (ind["year"] == params.year)]
    )
    without = themes_without_figures(indicators)
    mea = processed.measures
    measures = mea[report.in_scope(mea, params.region_code, params.place_zh) & mea["theme"].isin(without)]
    rank = {theme: n for n, theme in enumerate(without)}
    measures = measures.sort_values("theme", key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)
    changes = None
    if params.previous_dir is not None:
        previous = load_previous(params.previous_dir)
        previous = previous[
            report.in_scope(previous, params.region_code, params.place_zh) & (previous["year"] == params.year)
        ]
        changes = compare(previous, indicators)
    place = reference.find_region(params.place_zh) if params.place_zh else None
    found = place or reference.find_region(params.region_code)
    assert found is not None  # validate_summary_params resolved it
    numbers = commentary.source_numbers(indicators, measures)
    return SummaryContext(
        params=params,
        region=found,
        region_name=found.region_zh if params.lang == "zh" else found.region_en,
        indicators=indicators,
        measures=measures,
        themes_without=without,
        sources=report.cited_sources(processed.sources, numbers),
        numbers=numbers,
        changes=changes,
        font=charts_module.apply_style(),
    )


# ---------------------------------------------------------------- chart


def draw_headlines(ctx: SummaryContext) -> charts_module.Chart | None:
    """Figure cards, one panel per theme with figures; None when there are no figures."""
    panels = headline_rows(ctx.indicators)
    if not panels:
        return None
    names = reference.themes()
    title = ctx.text["chart_title"]
    fig = charts_module.card_panels(
        [(names[theme][f"name_{ctx.lang}"], rows) for theme, rows in panels],
        title=title,
        lang=ctx.lang,
        region_zh=ctx.region.region_zh,
        region_name=ctx.region_name,
        year=ctx.year,
        sources=ctx.sources,
    )
    ids = tuple(i for _, rows in panels for i in rows["indicator_id"])
    return charts_module.Chart(CHART_NAME, title, fig, ids)


def save_headlines(ctx: SummaryContext) -> list[Path]:
    """Draw the headline chart and save it as PNG and SVG under the language's figures folder."""
    ctx.chart = draw_headlines(ctx)
    if ctx.chart is None:
        return []
    ctx.chart.paths = charts_module.save_figure(ctx.chart.fig, ctx.params.reports_dir, ctx.lang, CHART_NAME)
    return ctx.chart.paths


# ---------------------------------------------------------------- HTML parts


def _fill(ctx: SummaryContext, key: str, **values: object) -> str:
    return ctx.text[key].format(region=ctx.region_name, year=ctx.year, **values)


def _section(ctx: SummaryContext, key: str, body: Markup) -> Markup:
    return report.section_html(key, ctx.text[key], body)


def _join(words: list[str], lang: str) -> str:
    """就业、社会保障 / employment and social security / a, b and c."""
    if lang == "zh" or len(words) < 2:
        return "、".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _theme_name(ctx: SummaryContext, theme: str) -> str:
    return reference.themes().get(theme, {}).get(f"name_{ctx.lang}", theme)


def header_html(ctx: SummaryContext) -> Markup:
    """The summary's title (place, year) and a line of counts."""
    counts = ctx.text["counts"].format(
        themes=len(reference.theme_ids()),
        with_figures=len(reference.theme_ids()) - len(ctx.themes_without),
        figures=len(ctx.indicators),
        measures=len(ctx.measures),
    )
    return report.STYLE + Markup(
        '<header class="wuwei-report" lang="{}"><h1>{}</h1><p class="wuwei-sub">{} · {}</p></header>'
    ).format(config.HTML_LANG[ctx.lang], _fill(ctx, "title"), ctx.text["report"], counts)


def figures_html(ctx: SummaryContext) -> Markup:
    """Every figure: theme, name, place, qualified value, status and citation."""
    if ctx.indicators.empty:
        return Markup("<p>{}</p>").format(_fill(ctx, "no_figures"))
    statuses = reference.statuses()
    rows = []
    for _, row in ctx.indicators.iterrows():
        status = str(row["status"])
        rows.append(
            [
                _theme_name(ctx, str(row["theme"])),
                row[f"name_{ctx.lang}"],
                row[f"region_{ctx.lang}"],
                commentary.format_value(row, ctx.lang),
                statuses.get(status, {}).get(f"name_{ctx.lang}", status),
                commentary.cite([row["source_id"]], ctx.numbers),
            ]
        )
    lead = Markup("<p>{}</p>").format(_fill(ctx, "figures_lead"))
    return lead + report.table_html(
        reference.label_list("summary.figure_columns", ctx.lang), rows, "wuwei-figures"
    )


def measures_html(ctx: SummaryContext) -> Markup:
    """The named measures of the themes that have no figures for the region and year."""
    if not ctx.themes_without:
        return Markup("<p>{}</p>").format(ctx.text["every_theme"])
    names = [
        _theme_name(ctx, t) if ctx.lang == "zh" else _theme_name(ctx, t).lower() for t in ctx.themes_without
    ]
    themes = _join(names, ctx.lang)
    if ctx.measures.empty:
        return Markup("<p>{}</p>").format(_fill(ctx, "without_none", themes=themes))
    rows = [
        [
            _theme_name(ctx, str(row["theme"])),
            row[f"name_{ctx.lang}"],
            row[f"region_{ctx.lang}"],
            row.get(f"description_{ctx.lang}", "") or "",
            commentary.cite([row["source_id"]], ctx.numbers),
        ]
        for _, row in ctx.measures.iterrows()
    ]
    lead = Markup("<p>{}</p>").format(_fill(ctx, "without", themes=themes))
    return lead + report.table_html(
        reference.label_list("summary.measure_columns", ctx.lang), rows, "wuwei-measures"
    )


def _side(row: pd.Series, side: str, lang: str) -> str:
    if pd.isna(row[f"{side}_value"]):
        return "—"
    return commentary.format_value(
        {c: row[f"{side}_{c}"] for c in COMPARED} | {"qualifier": row[f"{side}_qualifier"] or "exact"}, lang
    )


def changes_html(ctx: SummaryContext) -> Markup:
    """New, changed and removed figures since the previous build, or why there are none."""
    if ctx.changes is None:
        return Markup("<p>{}</p>").format(ctx.text["no_previous"])
    if ctx.changes.empty:
        return Markup("<p>{}</p>").format(_fill(ctx, "no_changes"))
    counts = {change: int((ctx.changes["change"] == change).sum()) for change in CHANGES}
    rows = [
        [
            ctx.text[f"change_names.{row['change']}"],
            _theme_name(ctx, str(row["theme"])),
            row[f"name_{ctx.lang}"] or row["indicator_id"],
            row[f"region_{ctx.lang}"] or row["region_code"],
            _side(row, "old", ctx.lang),
            _side(row, "new", ctx.lang),
        ]
        for _, row in ctx.changes.iterrows()
    ]
    lead = Markup("<p>{}</p>").format(_fill(ctx, "changes_lead", **counts))
    return lead + report.table_html(
        reference.label_list("summary.change_columns", ctx.lang), rows, "wuwei-changes"
    )


def sources_html(ctx: SummaryContext) -> Markup:
    """The sources the summary cites; each row is the target of its citation markers."""
    return report.sources_table_html(ctx.sources, ctx.lang)


# ---------------------------------------------------------------- notebook cells


def show_header(ctx: SummaryContext) -> None:
    """Show the title block; the HTML report leaves it out, its page header says the same."""
    report.display_html(header_html(ctx), metadata=build_html.PAGE_HEADER_METADATA)


def show_headlines(ctx: SummaryContext) -> list[Path]:
    """Draw, save (PNG + SVG) and show the headline cards; say so plainly when there are none."""
    paths = save_headlines(ctx)
    if not paths:
        report.display_html(_section(ctx, "headlines", Markup("<p>{}</p>").format(_fill(ctx, "no_chart"))))
        return []
    report.display_html(_section(ctx, "headlines", Markup("")))
    report.display_png(next(p for p in paths if p.suffix == ".png"), ctx.text["chart_title"])
    return paths


def show_figures(ctx: SummaryContext) -> None:
    report.display_html(_section(ctx, "figures", figures_html(ctx)))


def show_measures(ctx: SummaryContext) -> None:
    report.display_html(_section(ctx, "measures", measures_html(ctx)))


def show_changes(ctx: SummaryContext) -> None:
    report.display_html(_section(ctx, "changes", changes_html(ctx)))


def show_sources(ctx: SummaryContext) -> None:
    report.display_html(_section(ctx, "sources", sources_html(ctx)))


__all__ = [
    "SummaryContext",
    "changes_html",
    "compare",
    "draw_headlines",
    "figures_html",
    "header_html",
    "headline_rows",
    "headlines",
    "load_previous",
    "measures_html",
    "save_headlines",
    "setup",
    "show_changes",
    "show_figures",
    "show_header",
    "show_headlines",
    "show_measures",
    "show_sources",
    "sources_html",
    "themes_without_figures",
]
