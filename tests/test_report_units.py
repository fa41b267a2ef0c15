"""A theme report without a kernel: loading, selection, tables, and the section and header HTML.

Tiny frames for the rules, the fixture's processed folder for a whole report; no notebook runs.
"""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path

import pandas as pd
import processed_fixture as pf
import pytest
from markupsafe import Markup

from wuwei_analysis import config, contract, reference
from wuwei_analysis.errors import DataError
from wuwei_analysis.report import commentary, context, html, page
from wuwei_analysis.report.params import Params

REPORT_DIR = config.PACKAGE_DIR / "report"


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """Figures: (theme, indicator_id, (code, place_zh, place_en), year)."""
    return pd.DataFrame(
        [
            {
                "theme": t,
                "indicator_id": i,
                "region_code": p[0],
                "region_zh": p[1],
                "region_en": p[2],
                "year": y,
            }
            for t, i, p, y in rows
        ]
    )


def _params(region_code: str = "620600", place_zh: str | None = None, year: int = 2025, **kw) -> Params:
    return Params(
        theme=kw.get("theme", "health"), lang=kw.get("lang", "en"), region_code=region_code, place_zh=place_zh,
        year=year, processed_dir=Path("unused"), reports_dir=Path("unused"),
    )  # fmt: skip


def _processed(indicators: pd.DataFrame, measures: pd.DataFrame | None = None) -> context.Processed:
    measures = indicators.iloc[0:0] if measures is None else measures
    return context.Processed(indicators, measures, pd.DataFrame(columns=["source_id", "title"]))


FIGURES = _frame(
    [
        ("health", "city", pf.CITY, 2025),
        ("health", "urban_area", pf.URBAN_AREA, 2025),  # a place below the city borrowing its code
        ("health", "village", pf.XINMIN, 2025),  # Gulang County's village
        ("health", "town", pf.WUNAN, 2025),  # Liangzhou District's town
        ("health", "city_2024", pf.CITY, 2024),
        ("urban", "other_theme", pf.CITY, 2025),
    ]
)


def _ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["indicator_id"])


# ---------------------------------------------------------------- selection


def test_a_region_report_covers_the_places_below_it():
    indicators, _ = context.select(_processed(FIGURES), _params("620600"))
    assert _ids(indicators) == ["city", "urban_area", "village", "town"]


def test_a_county_report_covers_only_its_own_places():
    indicators, _ = context.select(_processed(FIGURES), _params("620622"))
    assert _ids(indicators) == ["village"]
    assert context.region_codes("620622") == {"620622"}
    assert context.region_codes("620600") == {"620600", "620602", "620621", "620622", "620623"}


def test_a_place_name_selects_only_that_place():
    indicators, _ = context.select(_processed(FIGURES), _params("620600", place_zh="武威城区"))
    assert _ids(indicators) == ["urban_area"]
    indicators, _ = context.select(_processed(FIGURES), _params("620622", place_zh="武威市"))
    assert indicators.empty  # the name and the code must both match


def test_figures_are_of_the_report_year_and_measures_of_any_year():
    measures = FIGURES.drop(columns="year").assign(indicator_id=lambda f: "m_" + f["indicator_id"])
    indicators, chosen = context.select(_processed(FIGURES, measures), _params("620600", year=2024))
    assert _ids(indicators) == ["city_2024"]
    assert _ids(chosen) == ["m_city", "m_urban_area", "m_village", "m_town", "m_city_2024"]


def test_the_report_region_is_the_named_place_else_the_code():
    assert context.report_region(_params("620600", place_zh="武威城区")).region_en == "Wuwei urban area"
    region = context.report_region(_params("620622"))
    assert (region.region_zh, context.region_name(region, "en")) == ("古浪县", "Gulang County")


def test_cited_sources_are_in_citation_order_and_an_unknown_id_keeps_a_row():
    sources = pd.DataFrame({"source_id": ["b", "a", "unused"], "title": ["B", "A", "U"]})
    cited = context.cited_sources(sources, {"a": 1, "b": 2, "ghost": 3})
    assert list(zip(cited["number"], cited["source_id"], cited["title"], strict=True)) == [
        (1, "a", "A"),
        (2, "b", "B"),
        (3, "ghost", "ghost"),
    ]


# ---------------------------------------------------------------- loading


def test_load_processed_reads_the_contract_and_measures_are_optional(tmp_path):
    folder = pf.write_processed(tmp_path / "processed")
    (folder / "measures.parquet").unlink()
    processed = context.load_processed(folder)
    assert len(processed.indicators) == len(pf.indicators()) and processed.measures.empty
    assert set(contract.required_columns("measures.parquet")) <= set(processed.measures.columns)
    assert processed.indicators["region_code"].map(type).eq(str).all()


@pytest.mark.parametrize("name", ["indicators.parquet", "sources.parquet"])
def test_a_missing_processed_file_is_a_data_error_naming_it(tmp_path, name):
    folder = pf.write_processed(tmp_path / "processed")
    (folder / name).unlink()
    with pytest.raises(DataError, match=re.escape(name)) as info:
        context.load_processed(folder)
    assert "wuwei clean" in str(info.value)


def test_a_missing_required_column_is_a_data_error_naming_file_and_column(tmp_path):
    folder = pf.write_processed(tmp_path / "processed", indicators=pf.indicators().drop(columns=["quote"]))
    with pytest.raises(DataError) as info:
        context.load_processed(folder)
    assert "indicators.parquet" in str(info.value) and "quote" in str(info.value)
    assert "required column is missing" in str(info.value)


# ---------------------------------------------------------------- tables


def _cells(table: Markup, tag: str = "td") -> list[str]:
    return re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", str(table), re.DOTALL)


def test_table_cells_escape_data_text_and_keep_markup_built_by_the_package():
    cite = commentary.cite(["s"], {"s": 1})
    table = html.table_html(("Name", "Source"), [[pf.PAYLOADS[0], cite], ["a & b", pf.PAYLOADS[2]]], "t")
    assert "<img" not in str(table) and "<script" not in str(table)
    assert [unescape(c) for c in _cells(table)] == [pf.PAYLOADS[0], str(cite), "a & b", pf.PAYLOADS[2]]
    assert str(table).startswith('<table class="wuwei-table t" style="')


def test_short_columns_stay_on_one_line_and_long_ones_wrap():
    limit_cjk, over_cjk = "地" * int(html.NOWRAP_EM), "地" * (int(html.NOWRAP_EM) + 1)
    latin_ok = "x" * int(html.NOWRAP_EM / 0.55)  # 21 letters: 11.55 em
    latin_over = latin_ok + "x"
    table = html.table_html(("A", "B", "C", "D"), [[limit_cjk, over_cjk, latin_ok, latin_over]], "t")
    nowrap = [bool(re.match(r'<td class="wuwei-nowrap"', c)) for c in re.findall(r"<td[^>]*>", str(table))]
    assert nowrap == [True, False, True, False]
    assert str(table).count('<th class="wuwei-nowrap"') == 2
    assert str(table).count("white-space: nowrap") == 4  # inline too, for an untrusted notebook


def test_a_long_heading_makes_its_column_wrap():
    table = html.table_html(("A" * 30,), [["1"]], "t")
    assert "wuwei-nowrap" not in str(table)


def test_row_ids_must_match_the_rows():
    table = html.table_html(("A",), [["1"], ["2"]], "t", row_ids=["r1", "r2"])
    assert re.findall(r'<tr id="([^"]+)">', str(table)) == ["r1", "r2"]
    with pytest.raises(ValueError):
        html.table_html(("A",), [["1"], ["2"]], "t", row_ids=["r1"])


def test_sources_table_rows_are_the_targets_of_the_citation_anchors():
    sources = context.cited_sources(pf.sources(), {pf.SOURCE_ID: 1, "ghost": 2})
    table = str(html.sources_table_html(sources, ("No.", "Title", "Authors", "Year", "Kind"), "none", "en"))
    assert re.findall(r'<tr id="([^"]+)">', table) == [commentary.anchor(1), commentary.anchor(2)]
    assert f'href="#{commentary.anchor(1)}"' in str(commentary.cite([pf.SOURCE_ID], {pf.SOURCE_ID: 1}))
    cells = [unescape(c) for c in _cells(Markup(table))]
    # What a reader needs to find the source; its file name and SHA-256 stay in the manifest.
    assert cells[:5] == ["[1]", pf.SOURCE_TITLE, "金奉乾 包雨纯", "2025", "newspaper overview"]
    assert cells[5:] == ["[2]", "ghost", "", "", ""]  # unknown source: no "nan", no "2025.0" above
    assert pf.SOURCE_FILE not in table and "bd681d9d3e16" not in table
    zh = str(html.sources_table_html(sources, ("编号", "标题", "作者", "年份", "类型"), "无", "zh"))
    assert [unescape(c) for c in _cells(Markup(zh))][4] == reference.labels("zh")[
        "page.kind.newspaper overview"
    ]


def test_no_sources_is_said_in_words():
    empty = pd.DataFrame(columns=["source_id", "title", "number"])
    assert html.sources_table_html(empty, ("No.",), "Cites <none>.") == Markup("<p>Cites &lt;none&gt;.</p>")


# ---------------------------------------------------------------- a whole theme report


@pytest.fixture
def report(fixture_processed, reports_dir):
    def make(theme: str = "health", lang: str = "en", region: object = "620600") -> page.ReportContext:
        return page.setup(theme=theme, lang=lang, region=region, processed_dir=str(fixture_processed),
                          reports_dir=str(reports_dir))  # fmt: skip

    return make


@pytest.mark.parametrize(
    ("lang", "title", "sub", "tag"),
    [
        ("zh", "武威市 · 医疗卫生 · 2025年", "民生事业数据报告 · 数字7个 · 举措3项", "zh-Hans"),
        (
            "en",
            "Health care — Wuwei City, 2025",
            "Livelihood indicators report · 7 figures · 3 measures",
            "en",
        ),
    ],
)
def test_header_names_theme_place_year_and_counts_in_its_language(report, lang, title, sub, tag):
    header = str(page.header_html(report(lang=lang)))
    assert header.startswith(str(html.STYLE))
    assert (
        f'<header class="wuwei-report" lang="{tag}" style="{html.INLINE["report"]}"><h1>{title}</h1>'
        f'<p class="wuwei-sub" style="{html.INLINE["sub"]}">{sub}</p></header>' in header
    )


@pytest.mark.parametrize(
    ("lang", "headings"),
    [("zh", ["数字明细", "举措", "资料来源"]), ("en", ["Figures in detail", "Measures", "Sources"])],
)
def test_sections_are_headed_in_the_report_language(report, lang, headings):
    ctx = report(lang=lang)
    parts = {"figures": page.figures_html, "measures": page.measures_html, "sources": page.sources_html}
    shown = [page._section(ctx, key, part(ctx)) for key, part in parts.items()]
    assert [re.search(r"<h2>(.*?)</h2>", str(s)).group(1) for s in shown] == headings
    assert [re.match(r'<section class="wuwei-report wuwei-(\w+)"', str(s)).group(1) for s in shown] == list(
        parts
    )


def test_the_figures_table_cites_its_sources_once_below_the_table(report):
    ctx = report(theme="urban")
    figures, sources = str(page.figures_html(ctx)), str(page.sources_html(ctx))
    targets = set(re.findall(r'<tr id="([^"]+)">', sources))
    links = re.findall(r'href="#([^"]+)"', figures)
    assert len(ctx.indicators) > 1 and links == [commentary.anchor(1)]  # one citation, not one per row
    assert set(links) == targets
    assert "<tbody>" in figures and figures.rindex("</table>") < figures.index('class="wuwei-table-source"')


def test_figures_show_place_qualified_value_and_the_source_wording(report):
    rows = re.findall(r"<tr>(.*?)</tr>", str(page.figures_html(report(theme="elderly_care", lang="zh"))))
    village = next(unescape(re.sub(r"<[^>]+>", "|", r)) for r in rows if "1000多" in r)
    assert "古浪县新堡乡兴民新村" in village and "1000多名" in village  # the source's counter word


def test_a_region_without_figures_says_so_in_words(report):
    ctx = report(region="620621")  # Minqin County: no figures in the bundled data
    assert ctx.indicators.empty
    assert page.figures_html(ctx) == Markup(
        "<p>The source states no figures on health care for Minqin County in 2025.</p>"
    )


def test_markup_in_names_comes_out_escaped(tmp_path, reports_dir):
    folder = pf.write_processed(tmp_path / "escaped", pf.with_payload_names(pf.indicators()),
                                pf.with_payload_names(pf.measures()), pf.sources().assign(title=pf.PAYLOADS[2]))  # fmt: skip
    ctx = page.setup(theme="health", lang="en", processed_dir=str(folder), reports_dir=str(reports_dir))
    shown = "".join(
        str(f(ctx)) for f in (page.header_html, page.figures_html, page.measures_html, page.sources_html)
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert not re.search(r"<\s*(img|script)\b|javascript:\S*\"", shown.replace(str(html.STYLE), ""))


# ---------------------------------------------------------------- where HTML and CSS are made


def test_the_parts_stylesheet_styles_only_the_report_parts_and_the_pages_include_it():
    css = re.sub(r"/\*.*?\*/", "", html.STYLESHEET.read_text(encoding="utf-8"), flags=re.DOTALL)
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", css) for s in block.split(",")]
    assert selectors and all("wuwei-" in s.split()[0] for s in selectors), selectors
    for template in ("index.html.j2", "site_index.html.j2"):
        text = (config.TEMPLATES_DIR / "report" / template).read_text(encoding="utf-8")
        assert text.index("{% include 'parts.css' %}") < text.index("{% include 'report.css' %}"), template


@pytest.mark.parametrize("module", ["page.py", "summary.py", "context.py", "changes.py"])
def test_report_modules_leave_html_to_html_py_and_never_import_build(module):
    tree = ast.parse((REPORT_DIR / module).read_text(encoding="utf-8"))
    tags = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.search(r"</?[a-z][a-z0-9]*[\s>/]", n.value)]  # fmt: skip
    assert tags == [], f"{module} writes HTML: {tags}"
    imported = {
        f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
    }
    assert not [m for m in imported if m.startswith("wuwei_analysis.build")]
    assert module == "page.py" or "wuwei_analysis.report.page" not in imported


def test_english_pages_show_our_translation_of_a_quote_marked_as_ours():
    cell = str(html.quote_html("累计新建46个城市小游园", "46 <b>pocket</b> parks built in all", "en"))
    assert '<span lang="zh-Hans">累计新建46个城市小游园</span>' in cell
    assert "46 &lt;b&gt;pocket&lt;/b&gt; parks built in all (our translation)" in cell
    assert html.quote_html("累计新建46个城市小游园", "46 parks", "zh") == "累计新建46个城市小游园"
    assert html.quote_html("累计新建46个城市小游园", float("nan"), "en") == "累计新建46个城市小游园"


def test_each_cell_carries_its_column_header_for_the_phone_layout():
    table = str(html.table_html(["Indicator", "Value"], [["Nurses", "985 nurses"]], "wuwei-figures"))
    assert re.search(r'<td [^>]*data-label="Indicator"[^>]*>Nurses</td>', table)
    assert 'data-label="Value"' in table


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_without_figures_has_no_comparison_section(report, lang, monkeypatch):
    """Employment states no figures: 'these figures in one year only' would speak of nothing."""
    shown: list[str] = []
    monkeypatch.setattr(html, "display_html", lambda markup, metadata=None: shown.append(str(markup)))
    assert page.show_comparisons(report("employment", lang)) == [] and shown == []
    page.show_comparisons(report("health", lang))
    assert len(shown) == 1 and "wuwei-comparisons" in shown[0]
