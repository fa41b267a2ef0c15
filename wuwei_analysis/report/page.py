"""What a theme notebook calls: set up, then show each part of the report.

A notebook is a parameters cell followed by one call per cell::

    ctx = report.setup(theme=theme, lang=lang, region=region, year=year,
                       processed_dir=processed_dir, reports_dir=reports_dir)
    report.show_header(ctx)
    report.show_charts(ctx)
    report.show_commentary(ctx)
    report.show_figures(ctx)
    report.show_measures(ctx)
    report.show_sources(ctx)

Everything shown is HTML (or a PNG chart) in which data-derived text is
escaped; the ``*_html`` functions return the same HTML for tests and other
callers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import config, reference
from wuwei_analysis.build import export as build_html
from wuwei_analysis.errors import DataError, Problem, relative_name
from wuwei_analysis.report import charts as charts_module
from wuwei_analysis.report import commentary
from wuwei_analysis.report.params import (
    INDICATORS_FILE,
    MEASURES_FILE,
    SOURCES_FILE,
    THEME_PARAMETERS,
    Params,
    available_years,
    reject_unknown_parameters,
    validate_params,
)

REQUIRED = {
    INDICATORS_FILE: (
        "theme", "indicator_id", "name_zh", "name_en", "region_code", "region_zh", "region_en", "year", "value",
        "value_high", "unit", "qualifier", "status", "source_id", "quote",
    ),
    MEASURES_FILE: (
        "theme", "region_code", "region_zh", "region_en", "name_zh", "name_en", "source_id", "quote",
    ),
    SOURCES_FILE: ("source_id", "title"),
}  # fmt: skip

STYLE = Markup(
    "<style>"
    ".wuwei-report{font-family:'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"
    "'WenQuanYi Zen Hei',sans-serif;line-height:1.6;max-width:1200px}"
    ".wuwei-report h1{margin-bottom:0.2em}.wuwei-report .wuwei-sub{color:#5B6770;margin-top:0}"
    ".wuwei-table{border-collapse:collapse;font-size:0.92em;margin:0.5em 0}"
    ".wuwei-report table.wuwei-table th,.wuwei-report table.wuwei-table td{border-bottom:1px solid #E3E7EB;"
    "padding:4px 8px;text-align:left;vertical-align:top}"
    ".wuwei-report table.wuwei-table th{background:#EEF3F7}.wuwei-cite a{text-decoration:none}"
    "</style>"
)


@dataclass(frozen=True)
class Processed:
    """The processed tables a report reads."""

    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame


@dataclass
class ReportContext:
    """Validated parameters and the rows of one report (theme, region, year)."""

    params: Params
    region: reference.Region
    region_zh: str  # the report's own place: figures elsewhere are labelled with their place
    region_name: str  # in the report's language
    theme_name: str
    indicators: pd.DataFrame
    measures: pd.DataFrame
    sources: pd.DataFrame  # the sources this report cites, in citation order
    numbers: dict[str, int]
    font: str
    chart_list: list[charts_module.Chart] = field(default_factory=list)

    @property
    def theme(self) -> str:
        return self.params.theme

    @property
    def lang(self) -> str:
        return self.params.lang

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def text(self) -> dict[str, str]:
        return reference.label_group("page", self.lang)

    def __repr__(self) -> str:
        return (
            f"ReportContext(theme={self.theme!r}, lang={self.lang!r}, region={self.region_zh!r}, "
            f"year={self.year}, figures={len(self.indicators)}, measures={len(self.measures)})"
        )


# ---------------------------------------------------------------- loading


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            [Problem(relative_name(path), rule="file is missing", hint="run `wuwei clean` first")]
        )
    frame = pd.read_parquet(path)
    missing = [c for c in REQUIRED[path.name] if c not in frame.columns]
    if missing:
        raise DataError(
            [Problem(relative_name(path), column=c, rule="required column is missing") for c in missing]
        )
    return frame


def load_processed(processed_dir: Path | str) -> Processed:
    """Read indicators, measures and sources (parquet) from a processed folder."""
    folder = Path(processed_dir)
    indicators = _read(folder / INDICATORS_FILE)
    measures = _read(folder / MEASURES_FILE) if (folder / MEASURES_FILE).exists() else None
    sources = _read(folder / SOURCES_FILE)
    if measures is None:
        measures = pd.DataFrame(columns=list(REQUIRED[MEASURES_FILE]))
    indicators = indicators.astype({"region_code": str, "year": int, "value": float, "value_high": float})
    measures = measures.astype({"region_code": str})
    sources = sources.astype({"source_id": str})
    return Processed(indicators, measures, sources)


def region_codes(region_code: str) -> set[str]:
    """An administrative code and every code below it (the city holds its districts and counties)."""
    codes = {str(region_code)}
    admin = reference.admin_regions()
    while True:
        below = {r.region_code for r in admin if r.parent_code in codes} - codes
        if not below:
            return codes
        codes |= below


def in_scope(frame: pd.DataFrame, region_code: str, place_zh: str | None) -> pd.Series:
    """Rows of the region (with the places below it), or of the named place only."""
    if place_zh is not None:
        return (frame["region_code"].astype(str) == region_code) & (frame["region_zh"] == place_zh)
    return frame["region_code"].astype(str).isin(region_codes(region_code))


def select(processed: Processed, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The theme's figures for the region and year, and its measures for the region.

    A region code selects its own rows and those of every place below it (the city's
    report holds its counties' and villages' figures, each labelled with its place);
    a place name selects that place's rows only.
    """
    ind, mea = processed.indicators, processed.measures
    ind_mask = (ind["theme"] == params.theme) & in_scope(ind, params.region_code, params.place_zh)
    ind_mask &= ind["year"] == params.year
    mea_mask = (mea["theme"] == params.theme) & in_scope(mea, params.region_code, params.place_zh)
    return ind[ind_mask].reset_index(drop=True), mea[mea_mask].reset_index(drop=True)


def cited_sources(sources: pd.DataFrame, numbers: dict[str, int]) -> pd.DataFrame:
    """The sources a report cites, numbered in citation order (an unknown id keeps a row)."""
    cited = sources[sources["source_id"].isin(numbers)].copy()
    cited["number"] = cited["source_id"].map(numbers)
    missing = [s for s in numbers if s not in set(cited["source_id"])]
    if missing:
        extra = pd.DataFrame(
            {"source_id": missing, "title": missing, "number": [numbers[s] for s in missing]}
        )
        cited = pd.concat([cited, extra], ignore_index=True)
    return cited.sort_values("number").reset_index(drop=True)


def setup(
    theme: object,
    lang: object = "zh",
    region: object = "620600",
    year: object = 2025,
    processed_dir: object = "",
    reports_dir: object = "",
) -> ReportContext:
    """Validate the notebook's parameters, load its rows and set the chart style.

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
    place = reference.find_region(params.place_zh) if params.place_zh else None
    region = place or reference.find_region(params.region_code)
    assert region is not None  # validate_params resolved it
    numbers = commentary.source_numbers(indicators, measures)
    return ReportContext(
        params=params,
        region=region,
        region_zh=region.region_zh,
        region_name=region.region_zh if params.lang == "zh" else region.region_en,
        theme_name=reference.themes()[params.theme][f"name_{params.lang}"],
        indicators=indicators,
        measures=measures,
        sources=cited_sources(processed.sources, numbers),
        numbers=numbers,
        font=charts_module.apply_style(),
    )


def years(processed_dir: Path | str) -> list[int]:
    """The years a report can be made for (those with figures)."""
    return available_years(Path(processed_dir))


# ---------------------------------------------------------------- HTML parts


def display_html(html: Markup, metadata: dict | None = None) -> None:
    """Show escaped HTML as a notebook output (the only kind of output reports use)."""
    from IPython.display import HTML, display

    display(HTML(str(html)), metadata=metadata)


def display_png(path: Path, title: str) -> None:
    """Show a saved chart; its title becomes the image's description in the HTML report."""
    from IPython.display import Image, display

    display(Image(data=Path(path).read_bytes(), format="png"), metadata=build_html.image_metadata(title))


def section_html(key: str, heading: str, body: Markup) -> Markup:
    """A titled report section; ``key`` names its CSS class."""
    return (
        Markup('<section class="wuwei-report wuwei-{}"><h2>{}</h2>').format(key, heading)
        + body
        + Markup("</section>")
    )


def _fill(ctx: ReportContext, key: str) -> str:
    theme = ctx.theme_name if ctx.lang == "zh" else ctx.theme_name.lower()
    return ctx.text[key].format(region=ctx.region_name, year=ctx.year, theme=theme)


def _section(ctx: ReportContext, key: str, body: Markup) -> Markup:
    return section_html(key, ctx.text[key], body)


# A column whose every cell is at most this wide (in em: a CJK character is 1, others about 0.55)
# is kept on one line; wider columns wrap. Short values (places, numbers, statuses) then never
# break after one character in a narrow column.
NOWRAP_EM = 12.0


def _width_em(cell: object) -> float:
    text = Markup(cell).striptags() if isinstance(cell, Markup) else str(cell)
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _short_columns(headers: tuple[str, ...], rows: list[list[object]]) -> set[int]:
    return {
        i
        for i, header in enumerate(headers)
        if max((_width_em(row[i]) for row in rows if i < len(row)), default=0.0) <= NOWRAP_EM
        and _width_em(header) <= NOWRAP_EM
    }


def _cell(tag: str, value: object, short: bool) -> Markup:
    if short:
        return Markup('<{0} class="wuwei-nowrap">{1}</{0}>').format(Markup(tag), value)
    return Markup("<{0}>{1}</{0}>").format(Markup(tag), value)


def _table(headers: tuple[str, ...], rows: list[list[object]], css: str) -> Markup:
    """An HTML table; every cell is escaped unless it is already Markup built by this package.

    Columns of short values carry ``class="wuwei-nowrap"`` (see :data:`NOWRAP_EM`).
    """
    short = _short_columns(headers, rows)
    head = Markup("").join(_cell("th", h, i in short) for i, h in enumerate(headers))
    body = Markup("").join(
        Markup("<tr>") + Markup("").join(_cell("td", cell, i in short) for i, cell in enumerate(row)) + Markup("</tr>")
        for row in rows
    )  # fmt: skip
    return Markup('<table class="wuwei-table {}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(
        css, head, body
    )


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
    return STYLE + Markup('<header class="wuwei-report" lang="{}"><h1>{}</h1><p class="wuwei-sub">{} · {}</p>'
                          "</header>").format(config.HTML_LANG[ctx.lang], title,
                                              ctx.text["report"], counts)  # fmt: skip


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
    charts_module.save_charts(ctx.chart_list, ctx.params.reports_dir, ctx.lang)
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
        return Markup("<p>{}</p>").format(_fill(ctx, "no_figures"))
    statuses = reference.statuses()
    rows = []
    for _, row in ctx.indicators.iterrows():
        status = str(row["status"])
        rows.append(
            [
                row[f"name_{ctx.lang}"],
                _place(ctx, row),
                commentary.format_value(row, ctx.lang),
                statuses.get(status, {}).get(f"name_{ctx.lang}", status),
                row.get("value_as_written", ""),
                row["quote"],
                commentary.cite([row["source_id"]], ctx.numbers),
            ]
        )
    return _table(reference.label_list("page.figure_columns", ctx.lang), rows, "wuwei-figures")


def measures_html(ctx: ReportContext) -> Markup:
    """The named measures (programmes, initiatives) of the theme in the region."""
    if ctx.measures.empty:
        return Markup("<p>{}</p>").format(_fill(ctx, "no_measures"))
    rows = [
        [
            row[f"name_{ctx.lang}"],
            _place(ctx, row),
            row.get(f"description_{ctx.lang}", ""),
            row["quote"],
            commentary.cite([row["source_id"]], ctx.numbers),
        ]
        for _, row in ctx.measures.iterrows()
    ]
    return _table(reference.label_list("page.measure_columns", ctx.lang), rows, "wuwei-measures")


def sources_html(ctx: ReportContext) -> Markup:
    """The sources the report cites; each row is the target of its citation markers."""
    return sources_table_html(ctx.sources, ctx.lang)


def table_html(headers: tuple[str, ...], rows: list[list[object]], css: str) -> Markup:
    """An HTML table in the report's style; cells are escaped unless already Markup (for the summary)."""
    return _table(headers, rows, css)


def sources_table_html(sources: pd.DataFrame, lang: str) -> Markup:
    """The sources table of any report: ``sources`` rows with a citation ``number``, in citation order."""
    if sources.empty:
        return Markup("<p>{}</p>").format(reference.labels(lang)["page.no_sources"])
    headers = reference.label_list("page.source_columns", lang)
    rows = []
    for _, row in sources.iterrows():
        cells = [
            f"[{int(row['number'])}]",
            row.get("title", ""),
            row.get("authors", ""),
            row.get("year", ""),
            row.get("kind", ""),
            row.get("file", ""),
            str(row.get("sha256", "") or "")[:12],
        ]
        rows.append((int(row["number"]), ["" if pd.isna(c) else c for c in cells]))
    short = _short_columns(headers, [cells for _, cells in rows])
    head = Markup("").join(_cell("th", h, i in short) for i, h in enumerate(headers))
    body = Markup("")
    for number, cells in rows:
        body += Markup('<tr id="{}">').format(commentary.anchor(number)) + Markup("").join(
            _cell("td", c, i in short) for i, c in enumerate(cells)
        ) + Markup("</tr>")  # fmt: skip
    return Markup('<table class="wuwei-table wuwei-sources"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(
        head, body
    )  # fmt: skip


# ---------------------------------------------------------------- notebook cells


def show_header(ctx: ReportContext) -> None:
    """Show the title block; the HTML report leaves it out, its page header says the same."""
    display_html(header_html(ctx), metadata=build_html.PAGE_HEADER_METADATA)


def show_charts(ctx: ReportContext) -> list[Path]:
    """Draw, save (PNG + SVG) and show the charts; say so plainly when there are none."""
    chart_list = save_charts(ctx)
    if not chart_list:
        display_html(_section(ctx, "charts", Markup("<p>{}</p>").format(_fill(ctx, "no_charts"))))
        return []
    display_html(_section(ctx, "charts", Markup("")))
    for chart in chart_list:
        display_png(next(p for p in chart.paths if p.suffix == ".png"), chart.title)
    return [p for chart in chart_list for p in chart.paths]


def show_commentary(ctx: ReportContext) -> None:
    display_html(_section(ctx, "commentary", commentary_html(ctx)))


def show_figures(ctx: ReportContext) -> None:
    display_html(_section(ctx, "figures", figures_html(ctx)))


def show_measures(ctx: ReportContext) -> None:
    display_html(_section(ctx, "measures", measures_html(ctx)))


def show_sources(ctx: ReportContext) -> None:
    display_html(_section(ctx, "sources", sources_html(ctx)))


__all__ = [
    "Processed",
    "ReportContext",
    "commentary_html",
    "draw_charts",
    "figures_html",
    "header_html",
    "load_processed",
    "measures_html",
    "save_charts",
    "select",
    "setup",
    "show_charts",
    "show_commentary",
    "show_figures",
    "show_header",
    "show_measures",
    "show_sources",
    "sources_html",
    "sources_table_html",
    "table_html",
    "years",
]
