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

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import config, reference
from wuwei_analysis.report import chart_style, chart_words, commentary, download, html
from wuwei_analysis.report import charts as charts_module
from wuwei_analysis.report import compare as compare_years
from wuwei_analysis.report.changes import CHANGES, COMPARED, compare, load_previous
from wuwei_analysis.report.context import (
    Context,
    cited_sources,
    headline_rows,
    in_place_and_year,
    in_scope,
    in_theme_order,
    load_processed,
    region_name,
    report_region,
    themes_without_figures,
)
from wuwei_analysis.report.params import (
    SUMMARY_PARAMETERS,
    Folder,
    Lang,
    RegionValue,
    SummaryParams,
    YearValue,
    reject_unknown_parameters,
    validate_summary_params,
)

CHART_NAME = "summary_headlines"


@dataclass
class SummaryContext(Context):
    """Validated parameters and the rows the summary shows.

    ``indicators``: every figure in scope, in theme order then each theme's report order;
    ``measures``: those of the themes without figures, in theme order.
    """

    params: SummaryParams
    themes_without: list[str]
    changes: pd.DataFrame | None  # None: no earlier build to compare with
    chart: charts_module.Chart | None = field(default=None)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # every year's figures of the place

    @property
    def text(self) -> dict[str, str]:
        return reference.label_group("summary", self.lang)

    def __repr__(self) -> str:
        changes = "no previous build" if self.changes is None else f"{len(self.changes)} changes"
        return (
            f"SummaryContext(lang={self.lang!r}, region={self.region.region_zh!r}, year={self.year}, "
            f"figures={len(self.indicators)}, themes_without={self.themes_without}, {changes})"
        )


def setup(
    lang: Lang = "zh",
    region: RegionValue = config.DEFAULT_REGION,
    year: YearValue = config.DEFAULT_YEAR,
    processed_dir: Folder = "",
    reports_dir: Folder = "",  # "" = config.SCRATCH_DIR; only `wuwei build` writes into reports/
    previous_dir: Folder = "",
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
    processed = load_processed(params.processed_dir)
    ind = processed.indicators
    indicators = in_theme_order(ind[in_place_and_year(ind, params)])
    without = themes_without_figures(indicators)
    mea = processed.measures
    mea_mask = in_scope(mea, params.region_code, params.place_zh) & mea["theme"].isin(without)
    if "year" in mea:  # measures have a year (older processed data: every year)
        mea_mask &= mea["year"].astype(int) == params.year
    measures = mea[mea_mask]
    rank = {theme: n for n, theme in enumerate(without)}
    measures = measures.sort_values("theme", key=lambda s: s.map(rank), kind="stable").reset_index(drop=True)
    changes = None
    if params.previous_dir is not None:
        previous = load_previous(params.previous_dir)
        changes = compare(previous[in_place_and_year(previous, params)], indicators)
    found = report_region(params)
    history = ind[in_scope(ind, params.region_code, params.place_zh) & (ind["year"] < params.year)]
    history = history[history["indicator_id"].isin(indicators["indicator_id"])]
    numbers = commentary.source_numbers(indicators, measures, history)
    return SummaryContext(
        params=params,
        region=found,
        region_name=region_name(found, params.lang),
        indicators=indicators,
        measures=measures,
        themes_without=without,
        sources=cited_sources(processed.sources, numbers),
        numbers=numbers,
        changes=changes,
        font=charts_module.prepare(),
        history=history.reset_index(drop=True),
    )


# ---------------------------------------------------------------- chart


def draw_headlines(ctx: SummaryContext) -> charts_module.Chart | None:
    """Figure cards, one panel per theme with figures; None when there are no figures."""
    panels = headline_rows(ctx.indicators)
    if not panels:
        return None
    names = reference.themes()
    title = ctx.text["chart_title"]
    draw = partial(
        charts_module.card_panels,
        [(names[theme][f"name_{ctx.lang}"], rows) for theme, rows in panels],
        title=title,
        lang=ctx.lang,
        region_zh=ctx.region.region_zh,
        region_name=ctx.region_name,
        year=ctx.year,
        sources=ctx.sources,
        colors=[chart_style.theme_color(theme) for theme, _ in panels],  # the themes' own colours
    )
    ids = tuple(i for _, rows in panels for i in rows["indicator_id"])
    rows = pd.concat([rows for _, rows in panels])
    alt = chart_words.describe(title, rows, ctx.lang, ctx.region.region_zh)
    return charts_module.Chart(CHART_NAME, title, draw, ids, alt=alt)


def save_headlines(ctx: SummaryContext) -> list[Path]:
    """Draw the headline chart and save it as PNG and SVG under the language's figures folder."""
    ctx.chart = draw_headlines(ctx)
    if ctx.chart is None:
        return []
    return charts_module.save_chart(
        ctx.chart, ctx.params.reports_dir, ctx.lang, ctx.params.region_code, ctx.year
    )


# ---------------------------------------------------------------- HTML parts


def _fill(ctx: SummaryContext, key: str, **values: object) -> str:
    return ctx.text[key].format(region=ctx.region_name, year=ctx.year, **values)


def _section(ctx: SummaryContext, key: str, body: Markup) -> Markup:
    return html.section_html(key, ctx.text[key], body)


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
    return html.header_html(ctx.lang, _fill(ctx, "title"), f"{ctx.text['report']} · {counts}")


def figures_html(ctx: SummaryContext) -> Markup:
    """Every figure: theme, name, place, qualified value, status and citation."""
    if ctx.indicators.empty:
        return html.paragraph(_fill(ctx, "no_figures"))
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
                compare_years.period_text(row, ctx.lang),
                statuses.get(status, {}).get(f"name_{ctx.lang}", status),
                commentary.cite([row["source_id"]], ctx.numbers),
            ]
        )
    lead = html.paragraph(_fill(ctx, "figures_lead"))
    columns = reference.label_list("summary.figure_columns", ctx.lang)
    return lead + _cited_table(ctx, columns, rows, "wuwei-figures", ctx.indicators, "page.table_source")


def _cited_table(
    ctx: SummaryContext, columns: list[str], rows: list[list], css: str, frame: pd.DataFrame, key: str
) -> Markup:
    """A table whose last column cites each row's source; when one source serves every row, the
    column goes and one citation stands under the table (not [1] thirty times)."""
    sources = set(frame["source_id"].astype(str))
    if len(sources) != 1:
        return html.table_html(columns, rows, css)
    marker = commentary.cite(frame["source_id"], ctx.numbers)
    table = html.table_html(columns[:-1], [row[:-1] for row in rows], css)
    return table + html.table_source_html(reference.labels(ctx.lang)[key], marker)


def measures_html(ctx: SummaryContext) -> Markup:
    """The named measures of the themes that have no figures for the region and year."""
    if not ctx.themes_without:
        return html.paragraph(ctx.text["every_theme"])
    names = [
        _theme_name(ctx, t) if ctx.lang == "zh" else _theme_name(ctx, t).lower() for t in ctx.themes_without
    ]
    themes = _join(names, ctx.lang)
    if ctx.measures.empty:
        return html.paragraph(_fill(ctx, "without_none", themes=themes))
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
    lead = html.paragraph(_fill(ctx, "without", themes=themes))
    columns = reference.label_list("summary.measure_columns", ctx.lang)
    return lead + _cited_table(ctx, columns, rows, "wuwei-measures", ctx.measures, "page.measures_source")


def _side(row: pd.Series, side: str, lang: str) -> str:
    if pd.isna(row[f"{side}_value"]):
        return "—"
    return commentary.format_value(
        {c: row[f"{side}_{c}"] for c in COMPARED} | {"qualifier": row[f"{side}_qualifier"] or "exact"}, lang
    )


def changes_html(ctx: SummaryContext) -> Markup:
    """Figures revised since the last publication; empty when none were (or nothing was published).

    Whether an earlier build exists is a detail of the build, not news for a reader: the
    manifest keeps it, the page says nothing.
    """
    if ctx.changes is None or ctx.changes.empty:
        return Markup("")
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
    lead = html.paragraph(_fill(ctx, "changes_lead", **counts))
    return lead + html.table_html(
        reference.label_list("summary.change_columns", ctx.lang), rows, "wuwei-changes"
    )


def since_last_year_html(ctx: SummaryContext) -> Markup:
    """Each figure against the same indicator and place in the latest earlier year, from the data
    (calculated; figures that are not alike are not compared, and the sentence says why)."""
    changes = compare_years.year_changes(ctx.history, ctx.indicators, ctx.lang)
    if not changes:
        return html.paragraph(_fill(ctx, "no_last_year"))
    items = [
        commentary.escape_text(compare_years.change_sentence(change, ctx.lang))
        + commentary.cite([change.earlier["source_id"], change.later["source_id"]], ctx.numbers)
        for change in changes
    ]
    return Markup("").join(html.paragraph(item) for item in items)


def show_since_last_year(ctx: SummaryContext) -> None:
    html.display_html(_section(ctx, "since_last_year", since_last_year_html(ctx)))


def sources_html(ctx: SummaryContext) -> Markup:
    """The sources the summary cites; each row is the target of its citation markers."""
    labels = reference.labels(ctx.lang)  # the theme reports' sources table, word for word
    return html.sources_table_html(
        ctx.sources, reference.label_list("page.source_columns", ctx.lang), labels["page.no_sources"]
    )


# ---------------------------------------------------------------- notebook cells


def show_header(ctx: SummaryContext) -> None:
    """Show the title block; the HTML report leaves it out, its page header says the same."""
    html.display_html(header_html(ctx), metadata=html.PAGE_HEADER_METADATA)


def show_headlines(ctx: SummaryContext) -> list[Path]:
    """Draw, save (PNG + SVG) and show the headline cards; say so plainly when there are none."""
    paths = save_headlines(ctx)
    if not paths:
        html.display_html(_section(ctx, "headlines", html.paragraph(_fill(ctx, "no_chart"))))
        return []
    html.display_html(_section(ctx, "headlines", Markup("")))
    html.display_chart(ctx.chart)
    return paths


def show_figures(ctx: SummaryContext) -> None:
    download.save_download(
        ctx.indicators, ctx.params.reports_dir, ctx.lang, ctx.params.region_code, ctx.year, config.SUMMARY
    )  # the page's "download" link (site_paths) finds the CSV of every figure it shows
    html.display_html(_section(ctx, "figures", figures_html(ctx)))


def show_measures(ctx: SummaryContext) -> None:
    html.display_html(_section(ctx, "measures", measures_html(ctx)))


def show_changes(ctx: SummaryContext) -> None:
    """Show the revised figures, if any; a page with none has no such section."""
    body = changes_html(ctx)
    if body:
        html.display_html(_section(ctx, "changes", body))


def show_sources(ctx: SummaryContext) -> None:
    html.display_html(_section(ctx, "sources", sources_html(ctx)))


__all__ = [
    "SummaryContext",
    "changes_html",
    "since_last_year_html",
    "show_since_last_year",
    "draw_headlines",
    "figures_html",
    "header_html",
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
]
