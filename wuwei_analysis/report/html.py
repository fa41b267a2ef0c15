"""The HTML pieces of a report: title block, sections, paragraphs and tables, and how they are shown.

Every function returns :class:`~markupsafe.Markup` in which data-derived text is
escaped; a cell that is already Markup (a citation marker built by this package)
is kept as it is. The pieces carry ``wuwei-*`` classes styled by
``templates/report/parts.css``, the one stylesheet of the parts, used both in
JupyterLab (inlined in the title block) and on the published pages.

The output metadata here is the contract with the HTML export
(:mod:`wuwei_analysis.build.export`): it leaves the title block out, the page's
own header says the same, and gives each chart its description as ``alt`` text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import config, reference

STYLESHEET = config.TEMPLATES_DIR / "report" / "parts.css"
STYLE = Markup("<style>\n{}</style>").format(Markup(STYLESHEET.read_text(encoding="utf-8")))

# The same look as inline ``style`` attributes, for a notebook JupyterLab does not trust (a
# published .ipynb opened on another machine): its sanitizer drops every <style> element but keeps
# ``class`` and ``style`` on the elements used here, and in ``style`` only the CSS properties of its
# allow-list (``allowedStyles`` of @jupyterlab/apputils' Sanitizer; tests/test_report_html.py
# checks these against the installed JupyterLab). Plain values only: no var(), no url().
# The published pages drop them (build.export.drop_inline_styles): their stylesheets style the parts.
INLINE = {
    "report": "font-family: Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif; line-height: 1.6",
    "sub": "color: #59636e; margin-top: 0",
    "table": "border-collapse: collapse; margin: 0.75rem 0; font-size: 0.875rem",
    "th": "border: 1px solid #d1d9e0; padding: 0.35rem 0.55rem; text-align: left; vertical-align: top; background-color: #f6f8fa",
    "td": "border: 1px solid #d1d9e0; padding: 0.35rem 0.55rem; text-align: left; vertical-align: top",
    "nowrap": "white-space: nowrap",
}  # fmt: skip


# Output metadata the HTML export reads: the notebook's title block is left out of the page,
# whose header (title, place, year and navigation) replaces it; a chart's description becomes its
# ``alt`` text.
PAGE_HEADER_METADATA = {"wuwei": {"part": "header"}}

# A column whose every cell is at most this wide (in em: a CJK character is 1, others about 0.55)
# is kept on one line; wider columns wrap. Short values (places, numbers, statuses) then never
# break after one character in a narrow column.
NOWRAP_EM = 12.0


def image_metadata(alt: str, mime: str = "image/png") -> dict[str, Any]:
    """Output metadata that gives an image output its description.

    The standard place, ``metadata[mime]["alt"]``: nbconvert's templates and the report's own
    (``templates/report/index.html.j2``) read it as the image's ``alt`` attribute.
    """
    return {mime: {"alt": str(alt)}}


# ---------------------------------------------------------------- blocks


def paragraph(text: str) -> Markup:
    """One paragraph of (escaped) text."""
    return Markup("<p>{}</p>").format(text)


def header_html(lang: str, title: str, subtitle: str) -> Markup:
    """A report's title block with the parts' stylesheet (shown in JupyterLab, left out of the page)."""
    return STYLE + Markup('<header class="wuwei-report" lang="{}" style="{}"><h1>{}</h1><p class="wuwei-sub" style="{}">{}</p></header>').format(
        config.HTML_LANG[lang], INLINE["report"], title, INLINE["sub"], subtitle
    )  # fmt: skip


def section_html(key: str, heading: str, body: Markup) -> Markup:
    """A titled report section; ``key`` names its CSS class."""
    return (
        Markup('<section class="wuwei-report wuwei-{}" style="{}"><h2>{}</h2>').format(
            key, INLINE["report"], heading
        )
        + body
        + Markup("</section>")
    )


# ---------------------------------------------------------------- tables


def _width_em(cell: object) -> float:
    text = Markup(cell).striptags() if isinstance(cell, Markup) else str(cell)
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _short_columns(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> set[int]:
    return {
        i
        for i, header in enumerate(headers)
        if max((_width_em(row[i]) for row in rows if i < len(row)), default=0.0) <= NOWRAP_EM
        and _width_em(header) <= NOWRAP_EM
    }


def _cell(tag: str, value: object, short: bool, label: object = None) -> Markup:
    """A cell; ``label`` (its column's header) names it when a phone shows each row as a card."""
    style = f"{INLINE[tag]}; {INLINE['nowrap']}" if short else INLINE[tag]
    attrs = Markup(' class="wuwei-nowrap"') if short else Markup("")
    attrs += Markup(' style="{}"').format(style)
    if label is not None:
        attrs += Markup(' data-label="{}"').format(
            Markup(label).striptags() if isinstance(label, Markup) else label
        )
    return Markup("<{0}{1}>{2}</{0}>").format(Markup(tag), attrs, value)


def _row(
    cells: Sequence[object], short: set[int], row_id: str | None = None, headers: Sequence[str] = ()
) -> Markup:
    start = Markup('<tr id="{}">').format(row_id) if row_id else Markup("<tr>")
    labels = list(headers) + [None] * (len(cells) - len(headers))
    body = Markup("").join(_cell("td", c, i in short, labels[i]) for i, c in enumerate(cells))
    return start + body + Markup("</tr>")


def table_html(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    css: str,
    row_ids: Sequence[str] | None = None,
) -> Markup:
    """An HTML table in the report's style; every cell is escaped unless it is already Markup.

    Columns of short values carry ``class="wuwei-nowrap"`` (see :data:`NOWRAP_EM`);
    ``row_ids`` give each body row an ``id`` (the target of a link).
    """
    short = _short_columns(headers, rows)
    head = Markup("").join(_cell("th", h, i in short) for i, h in enumerate(headers))
    ids = list(row_ids) if row_ids is not None else [None] * len(rows)
    body = Markup("").join(
        _row(cells, short, row_id, headers) for cells, row_id in zip(rows, ids, strict=True)
    )
    return Markup(
        '<table class="wuwei-table {}" style="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
    ).format(css, INLINE["table"], head, body)


def quote_html(quote: object, quote_en: object, lang: str) -> Markup | str:
    """A quote cell: the source's words; on English pages also our translation, marked as ours."""
    translation = "" if quote_en is None or pd.isna(quote_en) else str(quote_en).strip()
    if lang != "en" or not translation:
        return str(quote)
    mark = reference.labels(lang)["landing.our_translation"]
    return Markup('<span lang="{}">{}</span><br><span class="wuwei-translation">{} {}</span>').format(
        config.HTML_LANG["zh"], quote, translation, mark
    )


def table_source_html(text: str, marker: Markup) -> Markup:
    """The one citation under a table (instead of one per row): ``text`` then the marker."""
    return Markup('<p class="wuwei-table-source">{} {}</p>').format(text, marker)


def _source_cell(value: object) -> object:
    """Blank for a missing value; a year stays 2025 when a missing one made its column float."""
    if pd.isna(value):
        return ""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _kind(kind: object, lang: str) -> object:
    """A source's kind in the page's language (``page.kind.<kind>`` labels), else as recorded."""
    if not isinstance(kind, str) or not kind:
        return kind
    return reference.labels(lang).get(f"page.kind.{kind}", kind)


def sources_table_html(sources: pd.DataFrame, headers: Sequence[str], empty: str, lang: str = "zh") -> Markup:
    """The sources table of any report: ``sources`` rows with a citation ``number``, in citation order.

    Each row's ``id`` is the target of its citation markers; ``empty`` is said when nothing is cited.
    """
    from wuwei_analysis.report.commentary import anchor

    if sources.empty:
        return paragraph(empty)
    rows, ids = [], []
    for _, row in sources.iterrows():
        cells = [
            f"[{int(row['number'])}]",
            row.get("title", ""),
            row.get("authors", ""),
            row.get("year", ""),
            _kind(row.get("kind", ""), lang),
        ]
        title_en = _source_cell(row.get("title_en", ""))  # our translation, when the sources give one
        if title_en and lang == "en":
            mark = reference.labels(lang)["landing.our_translation"]
            cells[1] = Markup('{}<br><span lang="en">{} {}</span>').format(cells[1], title_en, mark)
        rows.append([_source_cell(c) for c in cells])
        ids.append(anchor(int(row["number"])))
    return table_html(headers, rows, "wuwei-sources", row_ids=ids)


# ---------------------------------------------------------------- notebook output


def display_html(html: Markup, metadata: dict | None = None) -> None:
    """Show escaped HTML as a notebook output (the only kind of output reports use)."""
    from IPython.display import HTML, display

    display(HTML(str(html)), metadata=metadata)


def display_chart(chart: Any) -> None:
    """Show a :class:`~wuwei_analysis.report.chart_files.Chart` as its figure (PNG, title as ``alt``)."""
    from IPython.display import display

    display(chart)
