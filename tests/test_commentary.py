"""Commentary: numbers per language, qualifiers, computed facts, citations, escaping."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import config, reference
from wuwei_analysis.report import commentary, derived

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


CALCULATED = {"zh": "（计算值", "en": "(calculated"}


def _paragraphs(html: str) -> list[str]:
    return re.findall(r"<p[^>]*>(.*?)</p>", html, re.DOTALL)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", reference.theme_ids())
def test_commentary_cites_once_per_paragraph_and_never_lists_the_figures(theme, lang):
    html = _build(theme, lang)
    assert "<li>" not in html  # the table keeps the detail; the prose does not list every figure
    for paragraph in _paragraphs(html):
        assert paragraph.count('class="wuwei-cite"') <= 1, paragraph
    figures = _rows(pf.indicators(), theme)
    text = _text(html)
    for _, row in figures.iterrows():
        written = commentary.format_value(row, lang)
        assert text.count(written) <= 2, (written, text)  # never the same figure three times


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_calculated_figures_are_marked_with_their_inputs_and_not_cited(lang):
    text = _text(_build("health", lang))
    total = (
        "3,270 persons (calculated: 848 + 985 + 1,437)"
        if lang == "en"
        else "3270人（计算值：848 + 985 + 1437）"
    )
    assert total in text
    per = "15.5 institutions (calculated: 124 ÷ 8)" if lang == "en" else "15.5家（计算值：124 ÷ 8）"
    assert per in text
    html = _build("health", lang)
    marks = re.findall(
        r'<span class="wuwei-calculated"[^>]*>.*?</span><span class="calc-mark">(.*?)</span>', html
    )
    assert len(marks) == 6  # the trained total, three shares, the coverage total and per community
    assert all("calculated" in m or "计算值" in m for m in marks)
    assert not any("wuwei-cite" in m for m in marks)  # the article does not state them: no citation


@pytest.mark.parametrize(
    ("theme", "lang", "expected"),
    [
        ("education", "en", "about 5.7 children (calculated: 372 ÷ 65) per kindergarten"),
        ("education", "zh", "平均每所约5.7名（计算值：372 ÷ 65）"),
        ("urban", "en", "about 42.8 households (calculated: 9,964 ÷ 233) per building"),
        ("urban", "zh", "平均每栋约42.8户（计算值：9964 ÷ 233）"),
    ],
)
def test_commentary_analyses_with_calculated_ratios(theme, lang, expected):
    assert expected in _text(_build(theme, lang))


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
        share = f"{100 * row['value'] / total:.1f}%"
        assert (f"{share}，计算值" if lang == "zh" else f"{share}, calculated") in text
    largest_sentence = (
        f"{largest['name_en'].replace(' trained remotely', '')} were the largest group"
        if lang == "en"
        else f"{largest['name_zh'].replace('远程培训', '')}人数最多"
    )
    assert largest_sentence in text


def test_changing_a_figure_changes_the_commentary():
    before = _text(_build("health", "en"))
    changed = pf.replace_value(pf.indicators(), "health_trained_nurses", 1985)
    after = _text(_build("health", "en", indicators=changed))
    assert "3,270 persons" in before and "3,270" not in after
    assert "4,270 persons" in after and "1,985 nurses" in after
    assert "Village doctors were the largest group" in before
    more = pf.replace_value(pf.indicators(), "health_trained_nurses", 2985)
    assert "Nurses were the largest group" in _text(_build("health", "en", indicators=more))


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
    assert (
        "尚余30%（计算值：100% − 70%）" if lang == "zh" else "leaving 30% (calculated: 100% − 70%)"
    ) in text
    assert ("尚未完成" if lang == "zh" else "was not finished") in text  # what "as of now" means
    changed = pf.replace_value(pf.indicators(), "urban_renovation_progress", 90)
    assert ("尚余10%" if lang == "zh" else "leaving 10%") in _text(_build("urban", lang, indicators=changed))


@pytest.mark.parametrize(("lang", "expected"), [("zh", "1000多名"), ("en", "more than 1,000 people")])
def test_qualifier_is_honoured_in_text(lang, expected):
    name = "古浪县" if lang == "zh" else "Gulang County"
    text = _text(_build("elderly_care", lang, code="620622", region_zh="古浪县", name=name))
    assert expected in text
    assert ("古浪县新堡乡兴民新村" if lang == "zh" else "Xingmin New Village") in text  # its own place


@pytest.mark.parametrize(
    ("lang", "plainly"),
    [
        ("zh", "资料未给出武威市2025年就业方面带单位的数字"),
        ("en", "The source states no figures with units on employment for Wuwei City"),
    ],
)
def test_theme_without_figures_says_so_and_names_its_measures(lang, plainly):
    text = _text(_build("employment", lang))
    assert plainly in text
    for name in _rows(pf.measures(), "employment")[f"name_{lang}"]:
        assert name in text
    # the source's own quality, where it matters: the story breaks off mid-sentence
    assert ("中途断开" if lang == "zh" else "breaks off mid-sentence") in text


def test_region_without_figures_or_measures():
    text = _text(_build("health", "en", code="620621", region_zh="民勤县", name="Minqin County"))
    assert "The source states no figures with units on health care for Minqin County in 2025" in text
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


def test_figures_no_paragraph_states_come_last_in_report_order():
    shuffled = pf.indicators().sample(frac=1, random_state=1)
    last = _paragraphs(_build("urban", "en", indicators=shuffled))[-2]  # before the limits
    assert last.startswith("The source also gives:")
    text = _text(last)
    assert text.index("Pocket parks") < text.index("Park area per person") < text.index("Parking spaces")


def test_source_numbers_and_cite():
    numbers = commentary.source_numbers(pd.DataFrame({"source_id": ["b", "a", "b"]}), pd.DataFrame())
    assert numbers == {"a": 1, "b": 2}
    marker = str(commentary.cite(["b", "a"], numbers))
    assert marker.count("<a href=") == 2 and "#wuwei-source-1" in marker and "#wuwei-source-2" in marker
    assert str(commentary.cite(["<x>"], {"<x>": 1})).count("<x>") == 0  # the id is escaped in the title


@pytest.mark.parametrize(
    ("written", "counter"),
    [
        ("15家", "家"),
        ("1000多名", "名"),
        ("八项", "项"),
        ("1000多", ""),
        ("1.2万", ""),
        ("70%", ""),
        ("13.24", ""),
    ],
)
def test_the_counter_word_is_read_from_the_value_as_written(written, counter):
    assert derived.written_counter(written) == counter


def test_a_calculated_figure_takes_its_inputs_shared_counter_word_else_the_units():
    text = _text(_build("health", "zh"))
    assert "合计124家（计算值：15 + 109）" in text  # 15家 + 109家: the article's 家, not the unit's 所
    mixed = pf.indicators()
    mixed.loc[mixed["indicator_id"] == "health_communities_county_institutions", "value_as_written"] = "15所"
    assert "合计124所（计算值：15 + 109）" in _text(_build("health", "zh", indicators=mixed))
