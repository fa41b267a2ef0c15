"""What an analyst in JupyterLab meets: own settings kept, figures to explore, no font warnings,
styling that survives JupyterLab's sanitizer."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest
import seaborn as sns

from wuwei_analysis.report import chart_style, explore, fonts, html, page, summary


def _snapshot() -> dict:
    return {k: v for k, v in mpl.rcParams.items() if k != "backend"}


def _report(processed: Path, reports: Path, **kw):
    return page.setup(theme="health", lang="zh", processed_dir=str(processed), reports_dir=str(reports), **kw)


def test_setup_and_drawing_keep_the_analysts_own_settings(bundled_processed, reports_dir):
    with mpl.rc_context():
        sns.set_theme(style="dark", palette="pastel")  # the analyst's own taste
        mpl.rcParams["font.size"] = 13
        before = _snapshot()
        ctx = _report(bundled_processed, reports_dir)
        assert page.save_charts(ctx)  # drawn and saved in the house style …
        summary.save_headlines(
            summary.setup(lang="en", processed_dir=str(bundled_processed), reports_dir=str(reports_dir))
        )
        indicators = explore.load(str(bundled_processed))
        explore.chart(indicators, explore.default_indicator(indicators))
        assert _snapshot() == before  # … and the analyst's settings are as they were


def test_charts_drawn_in_the_house_style_keep_their_font_when_shown_later(bundled_processed, reports_dir):
    ctx = _report(bundled_processed, reports_dir)
    chart = page.draw_charts(ctx)[0]
    title = chart.fig.texts[0]
    assert title.get_fontfamily()[0] == ctx.font  # a named family, not rcParams' generic sans-serif
    data, metadata = chart._repr_mimebundle_()
    assert data["image/png"].startswith(b"\x89PNG") and metadata == {"image/png": {"alt": chart.description}}


def test_the_explore_chart_names_its_one_year_instead_of_a_legend_over_the_bars(bundled_processed):
    indicators = explore.load(str(bundled_processed))
    one = explore.default_indicator(indicators)
    ax = explore.chart(indicators, one, "en").axes[0]
    year = int(indicators.loc[indicators["indicator_id"] == one, "year"].iloc[0])
    assert ax.get_legend() is None and f"· {year} ·" in ax.get_title()
    two = indicators[indicators["indicator_id"] == one].assign(year=year + 1, value=1.0)
    ax = explore.chart(pd.concat([indicators, two]), one, "en").axes[0]
    legend = ax.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == [str(year), str(year + 1)]
    assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1 - 1  # beside the bars


def test_a_bare_figure_shows_as_a_png_in_ipython(bundled_processed, reports_dir):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        ctx = _report(bundled_processed, reports_dir)  # registers the formatter when none is
        fig = page.draw_charts(ctx)[0].fig
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"].startswith(b"\x89PNG")
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("source", ["system", "bundled"])
def test_no_findfont_warning_whatever_the_font_has(
    source, bundled_processed, reports_dir, monkeypatch, caplog
):
    if source == "bundled" and fonts.bundled_cjk_font() is None:
        pytest.skip("the [fonts] extra (mplfonts) is not installed")
    if source == "system" and fonts.system_cjk_family() is None:
        pytest.skip("no system CJK font")
    monkeypatch.setenv(fonts.FONT_ENV, source)
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        ctx = _report(bundled_processed, reports_dir)
        page.save_charts(ctx)
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    with chart_style.house_style() as family:
        weight = chart_style.strong(10)["fontweight"]
    assert weight == ("bold" if fonts.has_bold(family) else "normal")


def test_debians_noto_cjk_has_the_bold_face_the_charts_use():
    if fonts.system_cjk_family() != "Noto Sans CJK SC":
        pytest.skip("fonts-noto-cjk is not installed")
    assert fonts.has_bold("Noto Sans CJK SC")
    assert fonts.covers("Noto Sans CJK SC")


def test_setup_types_name_the_allowed_values():
    import typing

    hints = typing.get_type_hints(page.setup)
    assert typing.get_args(hints["lang"]) == ("zh", "en")
    assert object not in hints.values()
    assert object not in typing.get_type_hints(summary.setup).values()


# ---------------------------------------------------------------- JupyterLab's sanitizer


def _lab_sanitizer_source() -> str:
    lab = pytest.importorskip("jupyterlab")
    for path in sorted((Path(lab.__file__).parent / "static").glob("*.js")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "allowedStyles:{" in text and "allowedTags:[" in text:
            return text
    pytest.skip("JupyterLab's sanitizer options not found in its static files")


def test_inline_styles_use_only_what_jupyterlabs_sanitizer_keeps():
    """An untrusted notebook loses its <style>; the parts' inline styles must survive instead."""
    source = _lab_sanitizer_source()
    start = source.index("allowedStyles:{")
    styles = set(re.findall(r'(?:"([a-z-]+)"|\b([a-z]+)):\[', source[start : source.index("}}", start)]))
    allowed_styles = {a or b for a, b in styles}
    tags_start = source.index("allowedTags:[")
    allowed_tags = set(re.findall(r'"([a-z0-9]+)"', source[tags_start : source.index("]", tags_start)]))
    attrs_start = source.index('allowedAttributes:{"*":[')
    everywhere = set(re.findall(r'"([a-z-]+)"', source[attrs_start : source.index("]", attrs_start)]))

    used = {prop.split(":")[0].strip() for style in html.INLINE.values() for prop in style.split(";")}
    assert used <= allowed_styles, used - allowed_styles
    for style in html.INLINE.values():
        assert "var(" not in style and "url(" not in style and '"' not in style and "'" not in style
    assert {"class", "style", "lang", "id"} <= everywhere
    assert {
        "header",
        "section",
        "h1",
        "h2",
        "p",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "sup",
    } <= allowed_tags


def test_the_explore_pivot_of_categorical_data_shows_what_there_is_and_warns_nothing(
    bundled_processed, monkeypatch
):
    import warnings

    import pandas as pd

    from wuwei_analysis.report import explore

    indicators = explore.load(bundled_processed)
    assert isinstance(indicators["theme"].dtype, pd.CategoricalDtype)  # the contract's dtypes
    # A region column as a categorical too, as an analyst may make it: unobserved places must not appear.
    indicators = indicators.astype({"region_zh": "category", "region_en": "category"})
    indicator_id = explore.default_indicator(indicators)
    rows = indicators[indicators["indicator_id"] == indicator_id]
    calls = []
    pivot_table = pd.DataFrame.pivot_table
    monkeypatch.setattr(
        pd.DataFrame, "pivot_table", lambda self, *a, **kw: calls.append(kw) or pivot_table(self, *a, **kw)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pandas FutureWarning (observed=) would be stderr in the notebook
        table = explore.place_by_year(indicators, indicator_id)
        explore.default_indicator(indicators)
    # pandas 2.2 (the oldest allowed) warns when observed= is left to its default; pandas 3 does not
    assert [call.get("observed") for call in calls] == [True]
    assert sorted(table.index) == sorted(set(rows["region_zh"]))
    assert list(table.columns) == sorted(set(rows["year"]))


def test_the_overview_names_things_in_the_notebooks_language_and_keeps_every_row(bundled_processed):
    indicators = explore.load(str(bundled_processed))
    view = explore.overview(indicators, "en")
    assert {"name_en", "region_en", "period", "status"} <= set(view.columns)
    assert not {"name_zh", "quote"} & set(view.columns)  # the quote stays in the frame, not the first look
    assert len(view) == len(indicators)


def test_a_chart_shows_the_png_just_saved_once_then_draws_again(bundled_processed, reports_dir):
    ctx = _report(bundled_processed, reports_dir)
    chart = page.save_charts(ctx)[0]
    saved = chart.paths[0].read_bytes()
    assert chart_style.figure_png(chart.fig) == saved  # the cache holds what a fresh drawing gives
    chart.saved_png = b"\x89PNG cached"  # stands in for the saved bytes, to see which one is shown
    assert chart._repr_mimebundle_()[0]["image/png"] == b"\x89PNG cached"
    chart.fig.axes[0].set_title("tweaked by the analyst")
    again = chart._repr_mimebundle_()[0]["image/png"]
    assert again.startswith(b"\x89PNG") and again not in (saved, b"\x89PNG cached")  # drawn anew
