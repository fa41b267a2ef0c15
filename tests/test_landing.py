"""The landing page (issue 12), rendered without a build: order, source, colours, no build details."""

from __future__ import annotations

import re

import pytest

from wuwei_analysis import config, reference
from wuwei_analysis.build import site_index
from wuwei_analysis.report import chart_style

FINISHED = "2031-07-04T05:06:07+00:00"  # a build time no other text on the page could contain


@pytest.fixture(scope="module")
def index() -> str:
    notebooks = {
        f"{lang}/{region}/2025/{theme}": {
            "lang": lang,
            "theme": theme,
            "status": "ok",
            "html": f"{lang}/{region}/2025/{theme}.html",
            "built_at": FINISHED,
            "data_version": "feedc0ffee12",
        }
        for lang in config.LANGS
        for region in ("620600", "620622")
        for theme in (*reference.theme_ids(), config.SUMMARY)
    }
    manifest = {"notebooks": notebooks, "finished_at": FINISHED, "current_data_version": "feedc0ffee12"}
    return site_index.render_index(manifest, config.PROCESSED_DATA_DIR)


def _section(index: str, lang: str) -> str:
    return index.split(f'id="{lang}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("lang", config.LANGS)
def test_the_landing_page_reads_in_the_order_a_reader_needs(index, lang):
    words = reference.label_group("landing", lang)
    section = _section(index, lang)
    headings = re.findall(r"<h2>([^<]*)</h2>", section)
    assert headings == [
        words["source"], words["scope"], words["headlines"], words["caveats"], words["reports"], words["downloads"]
    ]  # fmt: skip
    about = section.index('<p class="landing-about">')
    assert about < section.index(f"<h2>{words['source']}</h2>")
    # the reports by place and year: the summary first in every group
    for group in section.split('<div class="landing-group">')[1:]:
        themes = re.findall(r'data-theme="([^"]+)"', group)
        assert themes[0] == config.SUMMARY and len(themes) == len(reference.theme_ids()) + 1


@pytest.mark.parametrize("lang", config.LANGS)
def test_the_source_names_publisher_and_date_or_says_not_recorded(index, lang):
    words = reference.label_group("landing", lang)
    source = _section(index, lang).split('<dl class="landing-source">', 1)[1].split("</dl>", 1)[0]
    for key in ("publisher", "published"):
        value = re.search(rf"<dt>{re.escape(words[key])}</dt><dd>([^<]*)</dd>", source)
        assert value and value.group(1).strip(), key  # the bundled source records neither: "not recorded"
    assert "厚植民生底色" in source
    if lang == "en":  # our translation of the title, marked once as ours
        assert source.count(words["our_translation"]) == 1


def test_headline_cards_wear_their_themes_chart_colour(index):
    cards = re.findall(
        r'<li class="headline" data-theme="([^"]+)" style="--theme: (#[0-9A-Fa-f]{6})">', index
    )
    assert len(cards) >= 4 and len({theme for theme, _ in cards}) >= 3
    for theme, color in cards:
        assert color == chart_style.theme_color(theme)
    assert len(set(dict(cards).values())) == len(dict(cards)), "one colour per theme"


def test_build_details_are_only_a_link_in_the_footer(index):
    main, footer = index.split("</main>", 1)
    assert "2031" not in index and "05:06" not in index, "no build time on the landing page"
    assert "feedc0ffee12" not in main.split("<body", 1)[1], "no data version in the reader's text"
    assert f'href="{"manifest.json"}"' in footer and "manifest.json" not in main


def test_headline_names_break_between_words_only(index):
    names = re.findall(r'<span class="headline-name">(.*?)</span>', _section(index, "zh"))
    assert names and all("<wbr>" in name for name in names if len(name) > 12)
    for word in ("幼儿园", "医共体", "老旧小区"):  # never a break inside these words
        for name in names:
            assert all(word[:i] + "<wbr>" + word[i:] not in name for i in range(1, len(word))), name
