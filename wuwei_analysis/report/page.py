"""What a theme notebook calls: set up, then show each part of the report.

A notebook is a parameters cell followed by one call per cell::

    ctx = page.setup(theme=theme, lang=lang, region=region, year=year,
                     processed_dir=processed_dir, reports_dir=reports_dir)
    page.show_header(ctx)
    page.show_charts(ctx)
    page.show_commentary(ctx)
    page.show_figures(ctx)
    page.show_measures(ctx)
    page.show_sources(ctx)

The rows come from :mod:`~wuwei_analysis.report.context` (loading and
selection), the HTML from :mod:`~wuwei_analysis.report.html`. Everything shown
is HTML (or a PNG chart) in which data-derived text is escaped; the ``*_html``
functions return the same HTML for tests and other callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import reference
from wuwei_analysis.report import chart_style, commentary, compare, download, glossary, html
from wuwei_analysis.report import charts as charts_module
from wuwei_analysis.report.context import (
    Context,
    cited_sources,
    in_scope,
    load_processed,
    region_name,
    report_region,
    select,
)
from wuwei_analysis.report.params import (
    THEME_PARAMETERS,
    Folder,
    Lang,
    Params,
    RegionValue,
    YearValue,
    available_years,
    reject_unknown_parameters,
    validate_params,
)


@dataclass
class ReportContext(Context):
    """Validated parameters and the rows of one report (theme, region, year)."""

    params: Params
    region_zh: str  # the report's own place: figures elsewhere are labelled with their place
    theme_name: str
    chart_list: list[charts_module.Chart] = field(default_factory=list)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rows it compares with (compared_rows)

    @property
    def theme(self) -> str:
        return self.params.theme

    @property
    def text(self) -> dict[str, str]:
        return reference.label_group("page", self.lang)

    def __repr__(self) -> str:
        return (
            f"ReportContext(theme={self.theme!r}, lang={self.lang!r}, region={self.region_zh!r}, "
            f"year={self.year}, figures={len(self.indicators)}, measures={len(self.measures)})"
        )


def setup(
    theme: str,
    lang: Lang = "zh",
    region: RegionValue = "620600",
    year: YearValue = 2025,
    processed_dir: Folder = "",
    reports_dir: Folder = "",
) -> ReportContext:
    """Validate the notebook's parameters, load its rows and find the chart font.

    ``reports_dir`` "" means the scratch folder (``config.SCRATCH_DIR``): only ``wuwei build``
    writes into ``reports/``. No global matplotlib or seaborn setting is changed.

    A bad parameter raises :class:`~wuwei_analysis.errors.ParameterError`,
    shown in a notebook as one line naming the parameter and the allowed values.
    """
    reject_unknown_parameters(THEME_PARAMETERS)
    params = validate_params(
        theme=theme,
        lang=lang,
        region=region,
        year=year,
        processed_dir=processed_dir,
        reports_dir=reports_dir,
    )
    processed = load_processed(params.processed_dir)
    indicators, measures = select(processed, params)
    indicators = commentary.in_report_order(indicators, params.theme).reset_index(drop=True)
    region = report_region(params)
    history = compared_rows(processed.indicators, indicators, params)
    numbers = commentary.source_numbers(indicators, measures, history)
    return ReportContext(
        params=params,
        region=region,
        region_zh=region.region_zh,
        region_name=region_name(region, params.lang),
        theme_name=reference.themes()[params.theme][f"name_{params.lang}"],
        indicators=indicators,
        measures=measures,
        sources=cited_sources(processed.sources, numbers),
        numbers=numbers,
        font=charts_module.prepare(),
        history=history.reset_index(drop=True),
    )


def compared_rows(ind: pd.DataFrame, shown: pd.DataFrame, params: Params) -> pd.DataFrame:
    """The theme's rows a report compares its figures with, of the indicators it shows.

    Every place in its year (the ranking), its place's earlier years (the change), and its place's
    later years where an earlier one exists (the series through every year): nothing else, so the
    page reads (and cites) only what it shows, and the build re-runs it only when that changes
    (:func:`wuwei_analysis.build.slices.slice_hash`).
    """
    rows = ind[(ind["theme"] == params.theme) & ind["indicator_id"].isin(shown["indicator_id"])]
    place = in_scope(rows, params.region_code, params.place_zh)
    earlier = place & (rows["year"] < params.year)
    series = (
        rows["indicator_id"].astype(str) + "\x1f" + rows["region_zh"].astype(str)
    )  # one place's indicator
    later = place & (rows["year"] > params.year) & series.isin(set(series[earlier]))
    return rows[(rows["year"] == params.year) | earlier | later]


def years(processed_dir: Path | str) -> list[int]:
    """The years a report can be made for (those with figures)."""
    return available_years(Path(processed_dir))


# ---------------------------------------------------------------- HTML parts


def _fill(ctx: ReportContext, key: str) -> str:
    theme = ctx.theme_name if ctx.lang == "zh" else ctx.theme_name.lower()
    return ctx.text[key].format(region=ctx.region_name, year=ctx.year, theme=theme)


def _section(ctx: ReportContext, key: str, body: Markup) -> Markup:
    return html.section_html(key, ctx.text[key], body)


def _place(ctx: ReportContext, row: pd.Series) -> str:
    return str(row[f"region_{ctx.lang}"])


def header_html(ctx: ReportContext) -> Markup:
    """The report's title (theme, place, year) and a line of counts."""
    title = (
        f"{ctx.region_name} · {ctx.theme_name} · {ctx.text['year'].format(year=ctx.year)}"
        if ctx.lang == "zh"
        else f"{ctx.theme_name} — {ctx.region_name}, {ctx.year}"
    )
    counts = ctx.text["counts"].format(figures=len(ctx.indicators), measures=len(ctx.measures))
    return html.header_html(ctx.lang, title, f"{ctx.text['report']} · {counts}")


def draw_charts(ctx: ReportContext) -> list[charts_module.Chart]:
    """Draw (not save) the theme's charts for this report; empty when it has no figures."""
    return charts_module.theme_charts(
        ctx.indicators,
        ctx.sources,
        theme=ctx.theme,
        lang=ctx.lang,
        region_zh=ctx.region_zh,
        region_name=ctx.region_name,
        year=ctx.year,
    )


def save_charts(ctx: ReportContext) -> list[charts_module.Chart]:
    """Draw the charts and save each as PNG and SVG under the language's figures folder."""
    ctx.chart_list = draw_charts(ctx)
    charts_module.save_charts(
        ctx.chart_list, ctx.params.reports_dir, ctx.lang, ctx.params.region_code, ctx.year
    )
    return ctx.chart_list


def commentary_html(ctx: ReportContext) -> Markup:
    """The written commentary (escaped, every figure cited)."""
    return commentary.build_commentary(
        ctx.indicators,
        ctx.measures,
        theme=ctx.theme,
        lang=ctx.lang,
        region_zh=ctx.region_zh,
        region_name=ctx.region_name,
        year=ctx.year,
        numbers=ctx.numbers,
    )


def figures_html(ctx: ReportContext) -> Markup:
    """Every figure of the report with its value, status, the source's wording and citation."""
    if ctx.indicators.empty:
        return html.paragraph(_fill(ctx, "no_figures"))
    statuses = reference.statuses()
    rows = []
    for _, row in ctx.indicators.iterrows():
        status = str(row["status"])
        rows.append(
            [
                row[f"name_{ctx.lang}"],
                _place(ctx, row),
                commentary.format_value(row, ctx.lang),
                compare.period_text(row, ctx.lang),
                statuses.get(status, {}).get(f"name_{ctx.lang}", status),
                row.get("value_as_written", ""),
                html.quote_html(row["quote"], row.get("quote_en", ""), ctx.lang),
            ]
        )
    table = html.table_html(reference.label_list("page.figure_columns", ctx.lang), rows, "wuwei-figures")
    return table + _table_source(ctx, ctx.indicators)


def _table_source(ctx: ReportContext, frame: pd.DataFrame, key: str = "table_source") -> Markup:
    """One citation under a table instead of one per row (``key``: the words before it)."""
    marker = commentary.cite(frame["source_id"], ctx.numbers)
    return html.table_source_html(ctx.text[key], marker)


def save_download(ctx: ReportContext) -> Path:
    """Write the CSV of the page's figures (see :mod:`~wuwei_analysis.report.download`); its path."""
    return download.save_download(
        ctx.indicators, ctx.params.reports_dir, ctx.lang, ctx.region.region_code, ctx.year, ctx.theme
    )


def comparisons(ctx: ReportContext) -> tuple[list[Markup], list[charts_module.Chart]]:
    """Sentences and charts comparing the report's figures with earlier years and other places."""
    sentences: list[Markup] = []
    drawn: list[charts_module.Chart] = []

    def source(rows: pd.DataFrame) -> str:
        return charts_module.source_line(list(dict.fromkeys(rows["source_id"])), ctx.sources, ctx.lang)

    series: dict[str, list[pd.DataFrame]] = {}  # each indicator's series, one per place
    for change in compare.year_changes(ctx.history, ctx.indicators, ctx.lang):
        cited = commentary.cite([change.earlier["source_id"], change.later["source_id"]], ctx.numbers)
        sentences.append(commentary.escape_text(compare.change_sentence(change, ctx.lang)) + cited)
        if not change.reason:
            rows = compare.series(ctx.history, change.indicator_id, change.place_zh)
            rows = rows[[not compare.why_not_alike(r, change.later, ctx.lang) for _, r in rows.iterrows()]]
            series.setdefault(change.indicator_id, []).append(rows)
    for places in series.values():  # one chart an indicator: a place's line, or several places' bars
        name = f"{ctx.theme}_series_{len(drawn) + 1}"
        rows, color = pd.concat(places, ignore_index=True), chart_style.theme_color(ctx.theme)
        if len(places) == 1:
            drawn.append(compare.series_chart(rows, ctx.lang, name, source(rows), color))
        else:
            drawn.append(
                compare.places_series_chart(rows, ctx.lang, name, source(rows), color, ctx.region_zh)
            )
    text = reference.label_group("compare", ctx.lang)
    for indicator_id in dict.fromkeys(ctx.indicators["indicator_id"]):
        rows, reason = compare.place_ranking(ctx.history, indicator_id, ctx.year, ctx.lang)
        if rows.empty:
            continue
        if reason:
            name = rows.iloc[0][f"name_{ctx.lang}"]
            sentences.append(
                commentary.escape_text(text["ranking_not"].format(name=name, year=ctx.year, reason=reason))
            )
        else:
            name = f"{ctx.theme}_ranking_{len(drawn) + 1}"
            drawn.append(compare.ranking_chart(rows, ctx.lang, name, ctx.year, source(rows),
                                               chart_style.theme_color(ctx.theme)))  # fmt: skip
    return sentences, drawn


def comparisons_html(ctx: ReportContext) -> Markup:
    """The comparison sentences as HTML (charts are shown by :func:`show_comparisons`)."""
    sentences, _ = comparisons(ctx)
    if not sentences:
        return html.paragraph(reference.label_group("compare", ctx.lang)["none"].format(
            region=ctx.region_name, year=ctx.year))  # fmt: skip
    return Markup("").join(html.paragraph(s) for s in sentences)


def measures_html(ctx: ReportContext) -> Markup:
    """The named measures (programmes, initiatives) of the theme in the region."""
    if ctx.measures.empty:
        return html.paragraph(_fill(ctx, "no_measures"))
    rows = [
        [
            row[f"name_{ctx.lang}"],
            _place(ctx, row),
            row.get(f"description_{ctx.lang}", ""),
            html.quote_html(row["quote"], row.get("quote_en", ""), ctx.lang),
        ]
        for _, row in ctx.measures.iterrows()
    ]
    table = html.table_html(reference.label_list("page.measure_columns", ctx.lang), rows, "wuwei-measures")
    return table + _table_source(ctx, ctx.measures, "measures_source")


def sources_html(ctx: ReportContext) -> Markup:
    """The sources the report cites; each row is the target of its citation markers."""
    return html.sources_table_html(
        ctx.sources, reference.label_list("page.source_columns", ctx.lang), ctx.text["no_sources"], ctx.lang
    )


# ---------------------------------------------------------------- notebook cells


def show_header(ctx: ReportContext) -> None:
    """Show the title block; the HTML report leaves it out, its page header says the same."""
    html.display_html(header_html(ctx), metadata=html.PAGE_HEADER_METADATA)


def show_charts(ctx: ReportContext) -> list[Path]:
    """Draw, save (PNG + SVG) and show the charts; say so plainly when there are none.

    Each chart shows as its figure: ``ctx.chart_list[0].fig`` is the matplotlib Figure to explore.
    """
    chart_list = save_charts(ctx)
    if not chart_list:
        html.display_html(_section(ctx, "charts", html.paragraph(_fill(ctx, "no_charts"))))
        return []
    html.display_html(_section(ctx, "charts", Markup("")))
    for chart in chart_list:
        html.display_chart(chart)
    return [p for chart in chart_list for p in chart.paths]


def show_commentary(ctx: ReportContext) -> None:
    html.display_html(_section(ctx, "commentary", commentary_html(ctx)))


def show_figures(ctx: ReportContext) -> None:
    save_download(ctx)
    html.display_html(_section(ctx, "figures", figures_html(ctx)))


def show_comparisons(ctx: ReportContext) -> list[Path]:
    """Compare with earlier years and other places: sentences, then line and ranked-bar charts."""
    if ctx.indicators.empty:  # no figures, nothing to compare: the commentary already says so
        return []
    sentences, drawn = comparisons(ctx)
    text = reference.label_group("compare", ctx.lang)
    if not sentences and not drawn:
        body = html.paragraph(text["none"].format(region=ctx.region_name, year=ctx.year))
    else:
        body = Markup("").join(html.paragraph(s) for s in sentences)
    html.display_html(html.section_html("comparisons", text["section"], body))
    charts_module.save_charts(drawn, ctx.params.reports_dir, ctx.lang, ctx.params.region_code, ctx.year)
    for chart in drawn:  # each with its numbers as alt text, and its phone rendering
        html.display_chart(chart)
    return [p for chart in drawn for p in chart.paths]


def show_measures(ctx: ReportContext) -> None:
    html.display_html(_section(ctx, "measures", measures_html(ctx)))
    terms = glossary.glossary_html(ctx.indicators, ctx.measures, ctx.lang)
    if terms:
        html.display_html(_section(ctx, "glossary", terms))


def show_sources(ctx: ReportContext) -> None:
    html.display_html(_section(ctx, "sources", sources_html(ctx)))


__all__ = [
    "ReportContext",
    "commentary_html",
    "comparisons_html",
    "show_comparisons",
    "draw_charts",
    "figures_html",
    "header_html",
    "measures_html",
    "save_charts",
    "setup",
    "show_charts",
    "show_commentary",
    "show_figures",
    "show_header",
    "show_measures",
    "show_sources",
    "sources_html",
    "years",
]
