"""Charts: house style, CJK font, literal `$`, units never mixed, saved as PNG and SVG."""

from __future__ import annotations

import re
import struct
import warnings

import matplotlib as mpl
import pandas as pd
import processed_fixture as pf
import pytest
from matplotlib import font_manager
from matplotlib.patches import Rectangle

from wuwei_analysis import config
from wuwei_analysis.report import chart_files, chart_style, charts, fonts

NAMES = {"zh": "武威市", "en": "Wuwei City"}
THEMES_WITH_FIGURES = ("education", "health", "elderly_care", "urban")


@pytest.fixture(autouse=True)
def strict_glyphs(monkeypatch):
    """A missing glyph is an error here, as in the notebook tests."""
    monkeypatch.setenv(fonts.STRICT_ENV, "1")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing", category=UserWarning)
        yield


@pytest.fixture(scope="module", autouse=True)
def style():
    with mpl.rc_context():
        yield charts.apply_style()


def _charts(theme: str, lang: str, indicators: pd.DataFrame | None = None, code: str = "620600"):
    indicators = pf.indicators() if indicators is None else indicators
    rows = indicators[(indicators["theme"] == theme) & (indicators["region_code"] == code)]
    return charts.theme_charts(
        rows, pf.sources(), theme=theme, lang=lang, region_zh="武威市", region_name=NAMES[lang], year=2025
    )


def _texts(fig) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
        found += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
        found.append(ax.get_title(loc="left"))
    return found


# ---------------------------------------------------------------- fonts


def test_style_selects_a_cjk_font(style):
    assert mpl.rcParams["font.sans-serif"][0] == style
    assert fonts.covers(style)
    assert mpl.rcParams["text.parse_math"] is False


def test_bundled_font_is_used_when_the_system_has_none(monkeypatch):
    if fonts.bundled_cjk_font() is None:
        pytest.skip("the [fonts] extra (mplfonts) is not installed: a system CJK font serves")
    assert fonts.bundled_cjk_font().name == fonts.BUNDLED_FILE
    charmap = font_manager.get_font(str(fonts.bundled_cjk_font())).get_charmap()
    assert all(ord(ch) in charmap for ch in fonts.SAMPLE)
    monkeypatch.setattr(fonts, "system_cjk_family", lambda: None)
    with mpl.rc_context():
        family = fonts.setup_cjk_font()
        assert family == "Noto Sans CJK SC"
        assert mpl.rcParams["font.sans-serif"][0] == family


def test_never_falls_back_to_a_latin_font_silently(monkeypatch):
    monkeypatch.setattr(fonts, "system_cjk_family", lambda: None)
    monkeypatch.setattr(fonts, "bundled_cjk_font", lambda: None)
    with mpl.rc_context(), pytest.raises(fonts.FontError, match="no CJK font found"):
        fonts.setup_cjk_font()


def test_font_choice_from_the_environment(monkeypatch):
    monkeypatch.setenv(fonts.FONT_ENV, "bundled")
    if fonts.bundled_cjk_font() is not None:
        with mpl.rc_context():
            assert fonts.setup_cjk_font() == "Noto Sans CJK SC"
    monkeypatch.setenv(fonts.FONT_ENV, "comic")
    with mpl.rc_context(), pytest.raises(fonts.FontError, match="choose one of: system, bundled"):
        fonts.setup_cjk_font()


def test_missing_glyph_is_an_error_when_strict(tmp_path):
    fig = chart_style.figure(2)
    fig.text(0.1, 0.5, "\U00017000", parse_math=False)  # Tangut: in no font we ship
    with pytest.raises(fonts.MissingGlyphError, match="missing"):
        charts.save_figure(fig, tmp_path, "zh", "tofu")


# ---------------------------------------------------------------- charts


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", THEMES_WITH_FIGURES)
def test_every_chart_has_title_subtitle_with_unit_and_source(theme, lang):
    drawn = _charts(theme, lang)
    assert drawn
    for chart in drawn:
        texts = [t.get_text() for t in chart.fig.texts]
        title, subtitle, source = texts[:3]
        assert title == chart.title
        places = {
            r
            for r in pf.indicators()
            .set_index("indicator_id")
            .loc[list(chart.indicator_ids), f"region_{lang}"]
        }
        place = places.pop() if len(places) == 1 else NAMES[lang]
        assert subtitle.startswith(place) and "2025" in subtitle  # the figures' own place
        assert re.search(r"单位|Unit|units", subtitle)
        assert source.replace("\n", "").startswith("来源：《" if lang == "zh" else "Source: ")
        assert pf.SOURCE_TITLE in source.replace("\n", "")
        assert chart.fig.get_size_inches()[0] == chart_style.WIDTH_IN


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chart_of_one_place_below_the_report_is_subtitled_with_that_place(lang):
    village = _charts("elderly_care", lang, code="620622")[0].fig.texts[1].get_text()
    assert village.startswith("古浪县新堡乡兴民新村" if lang == "zh" else "Xingmin New Village"), village
    urban = pf.indicators()
    urban = urban[urban["indicator_id"].isin(["urban_pocket_parks", "urban_park_area_per_person"])]
    assert set(urban["region_zh"]) == {"武威城区"}
    parks = _charts("urban", lang, indicators=urban)[0].fig.texts[1].get_text()
    assert parks.startswith("武威城区" if lang == "zh" else "Wuwei urban area"), parks
    mixed = next(c for c in _charts("urban", lang) if c.name == "urban_parks_parking")
    assert (
        mixed.fig.texts[1].get_text().startswith(NAMES[lang])
    )  # city and urban area: each label names its place


def _colors(fig) -> set[str]:
    from matplotlib.colors import to_hex

    found = set()
    for ax in fig.axes:
        for patch in ax.patches:
            found.add(to_hex(patch.get_facecolor()).upper())
        found.update(to_hex(t.get_color()).upper() for t in ax.texts)
    return found


def test_each_theme_has_one_colour_on_every_chart_and_the_summary_uses_it():
    seen = {}
    for theme in THEMES_WITH_FIGURES:
        color = chart_style.theme_color(theme)
        seen[theme] = color
        for chart in _charts(theme, "en"):
            accents = _colors(chart.fig) & {c.upper() for c in chart_style.PALETTE}
            assert accents <= {color.upper()}, (chart.name, accents)
    assert len(set(seen.values())) == len(seen)  # themes are told apart by colour


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_alt_text_carries_the_numbers(lang):
    for chart in _charts("urban", lang):
        for value in {"urban_renovation_plan_progress": ["49", "233", "70%"],
                      "urban_parks_parking": ["46", "13.24", "1:1.22"]}[chart.name]:  # fmt: skip
            assert value in chart.description, (chart.name, chart.description)
        assert chart.description.startswith(chart.title)


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("计划改造城镇老旧小区", ["计划改造", "城镇老旧小区"]),
        ("组建紧密型县域医共体", ["组建紧密型", "县域医共体"]),
    ],
)
def test_cjk_labels_break_between_words(text, lines):
    wrapped = chart_style.wrap(text, "zh", 6)
    assert wrapped.split("\n") == lines
    for word in ("小区", "医共体", "城镇"):  # never split inside a word
        assert not any(line.endswith(word[0]) and nxt.startswith(word[1:]) for line, nxt in
                       zip(wrapped.split("\n"), wrapped.split("\n")[1:], strict=False))  # fmt: skip


def test_charts_fit_the_figures():
    names = {theme: [c.name for c in _charts(theme, "zh")] for theme in THEMES_WITH_FIGURES}
    assert names == {
        "education": ["education_kindergartens_toddler_care", "education_schools"],
        "health": ["health_trained_by_role", "health_medical_communities"],
        "elderly_care": ["elderly_care_network_by_tier"],
        "urban": ["urban_renovation_plan_progress", "urban_parks_parking"],
    }


def test_people_trained_by_role_are_ranked_with_shares():
    chart = _charts("health", "en")[0]
    ax = chart.fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == [
        "Village doctors trained remotely",
        "Nurses trained remotely",
        "Clinicians trained remotely",
    ]
    values = sorted(ax.texts, key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in values] == ["1,437 (43.9%)", "985 (30.1%)", "848 (25.9%)"]
    assert "total 3,270 persons" in chart.fig.texts[1].get_text()


def test_values_keep_their_qualifier():
    chart = _charts("elderly_care", "zh", code="620622")[0]
    assert "1000多" in _texts(chart.fig)
    chart = _charts("elderly_care", "en", code="620622")[0]
    assert "more than 1,000" in _texts(chart.fig)


def test_renovation_plan_against_progress():
    chart = _charts("urban", "en")[0]
    texts = _texts(chart.fig)
    for expected in ("49", "233", "9,964", "70%"):
        assert expected in texts
    progress_ax = chart.fig.axes[-1]
    assert progress_ax.get_xlim() == (0.0, 100.0)
    widths = sorted(p.get_width() for p in progress_ax.patches if isinstance(p, Rectangle))
    assert widths == [70.0, 100.0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", THEMES_WITH_FIGURES)
def test_no_axis_mixes_units(theme, lang):
    indicators = pf.indicators()
    unit_of = {name: unit for name, unit in zip(indicators[f"name_{lang}"], indicators["unit"], strict=True)}
    for chart in _charts(theme, lang):
        for ax in chart.fig.axes:
            bars = [p for p in ax.patches if type(p) is Rectangle]
            if not bars:
                continue
            labels = [t.get_text().replace("\n", "").replace(" ", "") for t in ax.get_yticklabels()]
            units = {u for name, u in unit_of.items() if name.replace(" ", "") in labels}
            assert len(units) == 1, (chart.name, labels, units)


def test_themes_without_figures_get_no_chart():
    assert _charts("employment", "zh") == []
    assert _charts("social_security", "en") == []
    assert _charts("health", "en", code="620621") == []


def test_unknown_figures_still_get_a_chart_by_unit():
    extra = pf.indicators().head(1).assign(indicator_id="health_new_beds", theme="health", name_en="New beds")
    indicators = pd.concat([pf.indicators(), extra], ignore_index=True)
    drawn = _charts("health", "en", indicators=indicators)
    assert drawn[-1].name == "health_other" and "New beds" in _texts(drawn[-1].fig)


def test_dollar_and_braces_are_drawn_literally(tmp_path):
    name = "Cost $5 {x} and $y$ \\frac"
    indicators = pf.indicators()
    indicators.loc[indicators["indicator_id"] == "health_trained_nurses", "name_en"] = name
    chart = _charts("health", "en", indicators=indicators)[0]
    assert name in [t.get_text().replace("\n", " ") for t in chart.fig.axes[0].get_yticklabels()]
    with mpl.rc_context({"svg.fonttype": "none"}):
        paths = charts.save_figure(chart.fig, tmp_path, "en", "dollar")
    svg = paths[1].read_text(encoding="utf-8")
    assert "Cost $5 {x}" in svg and "$y$" in svg


def test_save_figure_writes_png_and_svg_per_language(tmp_path):
    chart = _charts("health", "zh")[0]
    paths = charts.save_figure(chart.fig, tmp_path, "zh", chart.name)
    folder = config.figures_dir(tmp_path, "zh")
    assert paths == [folder / f"{chart.name}.png", folder / f"{chart.name}.svg"]
    png = paths[0].read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", png[16:24])
    assert width == chart_style.WIDTH_IN * chart_style.DPI and 600 <= height <= 1000
    assert paths[1].read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert not list(folder.glob(".*tmp"))
    again = charts.save_figure(chart.fig, tmp_path, "zh", chart.name)
    assert [p.read_bytes() for p in again] == [png, paths[1].read_bytes()]  # same chart, same files


def test_save_figure_rejects_unsafe_names(tmp_path):
    chart = _charts("health", "zh")[0]
    with pytest.raises(ValueError, match="must be letters"):
        charts.save_figure(chart.fig, tmp_path, "zh", "../escape")


def test_payload_names_are_inert_in_svg(tmp_path):
    indicators = pf.with_payload_names(pf.indicators())
    for chart in _charts("health", "zh", indicators=indicators):
        svg = charts.save_figure(chart.fig, tmp_path, "zh", chart.name)[1].read_text(encoding="utf-8")
        assert "<img" not in svg and "<script" not in svg


# ---------------------------------------------------------------- phones (issue 12)


def _text_boxes(fig):
    """Every text ``fig`` draws (tick labels of ticks inside the axis only) with its box in pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-6
            texts += [t.label1 for t in axis.get_major_ticks() if low - span <= t.get_loc() <= high + span]
    for text in texts:
        if text.get_visible() and text.get_text().strip():
            yield text, text.get_window_extent(renderer)


@pytest.mark.parametrize("frame", [chart_style.DESK, chart_style.PHONE], ids=lambda f: f.name)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_is_drawn_for_desk_and_phone_with_its_text_inside_and_legible(frame, lang):
    """The phone frame is what a ~360 px screen shows: its text must fit the picture, never smaller
    than SMALLEST_PT, which the frame's width makes >= 11 CSS px in a 336 px column."""
    assert chart_style.SMALLEST_PT * chart_style.PHONE.column_px / (chart_style.PHONE.width_in * 72) >= 11
    for theme in THEMES_WITH_FIGURES:
        for chart in _charts(theme, lang):
            with chart_style.house_style(), chart_style.rendering(frame):
                fig = chart.draw()
            assert fig.get_figwidth() == frame.width_in
            width, height = fig.bbox.width, fig.bbox.height
            for text, box in _text_boxes(fig):
                where = (chart.name, text.get_text()[:30])
                assert text.get_fontsize() >= chart_style.SMALLEST_PT, where
                assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1 and box.y1 <= height + 1, where


def test_a_chart_shows_its_phone_drawing_beside_its_png():
    chart = _charts("health", "en")[0]
    data, metadata = chart._repr_mimebundle_()
    assert data["image/png"].startswith(b"\x89PNG") and metadata["image/png"]["alt"] == chart.description
    import base64

    phone = base64.b64decode(data[chart_files.PHONE_MIME])
    width = struct.unpack(">I", phone[16:20])[0]
    assert phone.startswith(b"\x89PNG") and width == round(chart_style.PHONE.width_in * chart_style.PHONE.dpi)


def test_a_panel_of_figures_the_article_counts_in_one_word_uses_that_word():
    health = _charts("health", "zh")
    units = [t for c in health for t in _texts(c.fig) if t.startswith("单位")]
    assert "单位：家" in units and "单位：所" not in units  # 15家 and 109家 医疗机构, as written


def test_a_period_all_figures_share_is_said_once_in_the_subtitle_and_mixed_ones_on_each_label():
    indicators = pf.indicators()
    health_rows = indicators["theme"] == "health"
    indicators.loc[health_rows, "period"] = "undated"
    health = _charts("health", "zh", indicators)[0]
    texts = _texts(health.fig)
    assert not [t for t in texts if "【" in t]
    assert sum("未注明时间" in t for t in texts) == 1 and "未注明时间" in texts[1]  # the subtitle
    assert "【未注明时间】" in health.alt  # the alt text keeps each figure's period
    indicators.loc[indicators["indicator_id"] == health.indicator_ids[0], "period"] = "cumulative"
    mixed = _charts("health", "zh", indicators)[0]
    labels = [t for t in _texts(mixed.fig) if "【" in t]
    assert any("【累计】" in t for t in labels) and any("【未注明时间】" in t for t in labels)


def _places_rows(places: int = 10) -> pd.DataFrame:
    """One indicator of the fixture in ``places`` places (long names), two years each."""
    row = pf.indicators().query("region_code == '620600'").iloc[0]
    rows = [
        {**row.to_dict(), "period": "year", "region_zh": f"天祝藏族自治县{n:02d}", "region_en": f"Tianzhu Tibetan Autonomous County {n:02d}",
         "region_code": f"62062{n % 10}", "year": year, "value": float(10 + 3 * n + (year - 2025) * 5)}
        for n in range(places)
        for year in (2025, 2026)
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("frame", [chart_style.DESK, chart_style.PHONE], ids=lambda f: f.name)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_charts_keep_their_text_inside_and_legible(frame, lang):
    from wuwei_analysis.report import compare

    rows = _places_rows()
    made = [
        compare.places_series_chart(rows, lang, "x_series_1", "source", own_place="天祝藏族自治县03"),
        compare.series_chart(rows[rows["region_zh"] == "天祝藏族自治县03"].reset_index(drop=True), lang, "x_series_2", "source"),
        compare.ranking_chart(rows[rows["year"] == 2026].reset_index(drop=True), lang, "x_ranking_3", 2026, "source"),
    ]  # fmt: skip
    for chart in made:
        with chart_style.house_style(), chart_style.rendering(frame):
            fig = chart.draw()
        width, height = fig.bbox.width, fig.bbox.height
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # lays the legend out
        renderer = canvas.get_renderer()
        legends = [
            (t, t.get_window_extent(renderer))
            for ax in fig.axes
            if ax.get_legend()
            for t in ax.get_legend().get_texts()
        ]
        for text, box in [*_text_boxes(fig), *legends]:
            where = (chart.name, text.get_text()[:30])
            assert text.get_fontsize() >= chart_style.SMALLEST_PT, where
            assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1 and box.y1 <= height + 1, where
