"""Commentary: numbers per language, qualifiers, computed facts, citations, escaping."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import config, reference
from wuwei_analysis.report import commentary

NAMES = {"zh": "武威市", "en": "Wuwei City"}


def _rows(frame: pd.DataFrame, theme: str, code: str = "620600") -> pd.DataFrame:
    return frame[(frame["theme"] == theme) & (frame["region_code"] == code)].reset_index(drop=True)


def _build(
    theme: str, lang: str, indicators=None, measures=None, code="620600", region_zh="武威市", name=None
):
    indicators = pf.indicators() if indicators is None else indicators
    measures = pf.measures() if measures is None else measures
    return str(
        commentary.build_commentary(
            _rows(indicators, theme, code),
            _rows(measures, theme, code),
            theme=theme,
            lang=lang,
            region_zh=region_zh,
            region_name=name or NAMES[lang],
            year=2025,
        )
    )


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (9964, "en", "9,964"),
        (9964, "zh", "9964"),
        (1437.0, "en", "1,437"),
        (13.24, "en", "13.24"),
        (13.24, "zh", "13.24"),
        (1.2, "zh", "1.2"),
        (1234567.5, "en", "1,234,567.5"),
        (0, "en", "0"),
    ],
)
def test_format_number(value, lang, expected):
    assert commentary.format_number(value, lang) == expected


def _figure(value, unit, qualifier="exact", high=float("nan")):
    zh, en = pf.UNITS[unit]
    return {
        "value": value,
        "value_high": high,
        "unit": unit,
        "unit_zh": zh,
        "unit_en": en,
        "qualifier": qualifier,
    }


@pytest.mark.parametrize(
    ("figure", "zh", "en"),
    [
        (_figure(1000, "persons", "more_than"), "1000多人", "more than 1,000 persons"),
        (_figure(500, "persons", "about"), "约500人", "about 500 persons"),
        (_figure(20, "institutions", "less_than"), "不足20所", "less than 20 institutions"),
        (_figure(5, "platforms", "at_least"), "至少5个", "at least 5 platforms"),
        (_figure(100, "persons", "at_most"), "100人以下", "at most 100 persons"),
        (_figure(2, "percent", "at_most"), "2%以下", "at most 2%"),
        (_figure(2, "years_of_age", "range", 3), "2至3岁", "2–3 years of age"),
        (_figure(70, "percent"), "70%", "70%"),
        (_figure(1.22, "ratio"), "1:1.22", "1:1.22"),
        (_figure(13.24, "m2_per_person"), "13.24平方米/人", "13.24 m² per person"),
        (_figure(9964, "households"), "9964户", "9,964 households"),
        (_figure(1, "medical_communities"), "1个", "1 medical community"),
    ],
)
def test_format_value_honours_qualifiers_and_units(figure, zh, en):
    assert commentary.format_value(figure, "zh") == zh
    assert commentary.format_value(figure, "en") == en


def test_format_value_without_unit_keeps_the_qualifier():
    figure = _figure(1000, "persons", "more_than")
    assert commentary.format_value(figure, "zh", unit=False) == "1000多"
    assert commentary.format_value(figure, "en", unit=False) == "more than 1,000"
    figure = _figure(100, "persons", "at_most")
    assert commentary.format_value(figure, "zh", unit=False) == "100以下"


# ---------------------------------------------------------------- templates


def test_every_theme_has_a_template_per_language():
    for theme in reference.theme_ids():
        for lang in config.LANGS:
            assert (config.TEMPLATES_DIR / "commentary" / commentary.template_name(theme, lang)).is_file()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", reference.theme_ids())
def test_commentary_states_every_figure_with_a_citation(theme, lang):
    html = _build(theme, lang)
    figures = commentary.in_report_order(_rows(pf.indicators(), theme), theme)
    items = re.findall(r"<li>(.*?)</li>", html, re.DOTALL)
    assert len(items) == len(figures)
    for item, (_, row) in zip(items, figures.iterrows(), strict=True):
        assert row[f"name_{lang}"] in _text(item)
        assert commentary.format_value(row, lang) in _text(item)
        assert re.search(r'<sup class="wuwei-cite">\[<a href="#wuwei-source-1"', item)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_total_share_and_largest_group_come_from_the_data(lang):
    trained = _rows(pf.indicators(), "health")
    trained = trained[trained["indicator_id"].str.startswith("health_trained_")]
    total = trained["value"].sum()
    largest = trained.loc[trained["value"].idxmax()]
    text = _text(_build("health", lang))
    total_text = f"{int(total):,} persons" if lang == "en" else f"{int(total)}人"
    assert total_text in text
    for _, row in trained.iterrows():
        assert f"{100 * row['value'] / total:.1f}%" in text
    largest_sentence = (
        f"The largest group: {largest['name_en']}." if lang == "en" else f"其中{largest['name_zh']}人数最多"
    )
    assert largest_sentence in text


def test_changing_a_figure_changes_the_commentary():
    before = _text(_build("health", "en"))
    changed = pf.replace_value(pf.indicators(), "health_trained_nurses", 1985)
    after = _text(_build("health", "en", indicators=changed))
    assert "3,270 persons" in before and "3,270" not in after
    assert "4,270 persons" in after and "1,985 persons" in after
    assert "The largest group: Nurses trained remotely." in after


def test_no_total_when_a_figure_is_approximate():
    indicators = pf.indicators()
    indicators.loc[indicators["indicator_id"] == "health_trained_nurses", "qualifier"] = "about"
    text = _text(_build("health", "zh", indicators=indicators))
    assert "合计" not in text.split("。")[0]
    assert "约985人" in text


@pytest.mark.parametrize(("lang", "expected"), [("zh", "已完成工程量70%"), ("en", "70%")])
def test_progress_against_plan(lang, expected):
    text = _text(_build("urban", lang))
    assert expected in text
    assert ("尚余30%" if lang == "zh" else "30% still to do") in text
    changed = pf.replace_value(pf.indicators(), "urban_renovation_progress", 90)
    assert ("尚余10%" if lang == "zh" else "10% still to do") in _text(
        _build("urban", lang, indicators=changed)
    )


@pytest.mark.parametrize(("lang", "expected"), [("zh", "1000多人"), ("en", "more than 1,000 persons")])
def test_qualifier_is_honoured_in_text(lang, expected):
    name = "古浪县" if lang == "zh" else "Gulang County"
    text = _text(_build("elderly_care", lang, code="620622", region_zh="古浪县", name=name))
    assert expected in text
    assert ("古浪县新堡乡兴民新村" if lang == "zh" else "Xingmin New Village") in text  # its own place


@pytest.mark.parametrize(
    ("lang", "plainly"),
    [
        ("zh", "资料未给出武威市2025年就业方面的数字"),
        ("en", "The source states no figures on employment for Wuwei City"),
    ],
)
def test_theme_without_figures_says_so_and_names_its_measures(lang, plainly):
    text = _text(_build("employment", lang))
    assert plainly in text
    for name in _rows(pf.measures(), "employment")[f"name_{lang}"]:
        assert name in text


def test_region_without_figures_or_measures():
    text = _text(_build("health", "en", code="620621", region_zh="民勤县", name="Minqin County"))
    assert "The source states no figures on health care for Minqin County in 2025" in text
    assert "Nor does it name measures" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", ["health", "urban", "employment"])
def test_markup_in_names_is_escaped(theme, lang):
    html = _build(
        theme,
        lang,
        indicators=pf.with_payload_names(pf.indicators()),
        measures=pf.with_payload_names(pf.measures()),
    )
    assert "<img" not in html and "<script" not in html
    assert not re.search(r"href=[\"']?javascript:", html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;script&gt;" in html
    assert "[x](javascript:alert(1))" in html  # inert text


def test_figures_are_listed_in_report_order():
    shuffled = pf.indicators().sample(frac=1, random_state=1)
    items = re.findall(r"<li>(.*?)</li>", _build("urban", "en", indicators=shuffled))
    assert [_text(i).split(":")[0] for i in items[:4]] == [
        "Old urban compounds planned for renovation",
        "Buildings in the renovation plan",
        "Households in the renovation plan",
        "Share of renovation works completed",
    ]


def test_source_numbers_and_cite():
    numbers = commentary.source_numbers(pd.DataFrame({"source_id": ["b", "a", "b"]}), pd.DataFrame())
    assert numbers == {"a": 1, "b": 2}
    marker = str(commentary.cite(["b", "a"], numbers))
    assert marker.count("<a href=") == 2 and "#wuwei-source-1" in marker and "#wuwei-source-2" in marker
    assert str(commentary.cite(["<x>"], {"<x>": 1})).count("<x>") == 0  # the id is escaped in the title
