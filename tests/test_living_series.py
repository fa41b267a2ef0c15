"""Issue 11: a living series. Comparisons are unit-tested without a kernel; the "Done when" build
and the explore notebook run with papermill (slow)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from synthetic import SOURCE_ID, SyntheticRow, write_synthetic

from wuwei_analysis import config
from wuwei_analysis.build import run as build
from wuwei_analysis.report import compare, explore
from wuwei_analysis.tables.clean import clean

INDICATOR = "urban_old_compounds_planned"  # a planned count for the calendar year: exact, comparable


def _row(**changes) -> dict:
    row = {"indicator_id": "x", "name_zh": "公园", "name_en": "Parks", "region_zh": "武威市",
           "region_en": "Wuwei City", "region_code": "620600", "year": 2025, "value": 40.0,
           "value_high": None, "unit": "count", "unit_zh": "个", "unit_en": "items", "qualifier": "exact",
           "period": "year", "period_date": "", "period_start": "", "source_id": "s"}  # fmt: skip
    return {**row, **changes}


def test_a_change_is_computed_and_marked_as_calculated():
    history = pd.DataFrame([_row(), _row(year=2026, value=50.0)])
    (change,) = compare.year_changes(history, history.iloc[[1]], "en")
    assert change.reason == "" and change.change == 10 and change.percent == pytest.approx(25)
    text = compare.change_sentence(change, "en")
    assert "in 2025" in text and "in 2026" in text and "+25.0%" in text and "calculated" in text
    assert "计算值" in compare.change_sentence(change, "zh")


@pytest.mark.parametrize(
    ("earlier", "why"),
    [
        ({"period": "cumulative"}, "cover different times"),
        ({"qualifier": "more_than"}, "approximate"),
        ({"unit": "percent"}, "units differ"),
        ({"period": "as_of"}, "cover different times"),
    ],
)
def test_unlike_figures_are_not_compared_and_the_page_says_why(earlier, why):
    history = pd.DataFrame([_row(**earlier), _row(year=2026, value=50.0)])
    (change,) = compare.year_changes(history, history.iloc[[1]], "en")
    assert why in change.reason
    assert "not compared" in compare.change_sentence(change, "en")


def test_two_as_of_figures_without_dates_are_not_compared():
    history = pd.DataFrame([_row(period="as_of"), _row(period="as_of", year=2026)])
    (change,) = compare.year_changes(history, history.iloc[[1]], "zh")
    assert change.reason and "不作直接比较" in compare.change_sentence(change, "zh")


def test_places_are_ranked_but_a_city_not_against_its_own_counties():
    rows = pd.DataFrame([
        _row(),
        _row(region_zh="民勤县", region_en="Minqin County", region_code="620621", value=12.0),
        _row(region_zh="古浪县", region_en="Gulang County", region_code="620622", value=30.0),
    ])  # fmt: skip
    ranked, reason = compare.place_ranking(rows, "x", 2025, "en")
    assert reason == "" and ranked["region_zh"].tolist() == ["古浪县", "民勤县"]
    ranked, reason = compare.place_ranking(
        rows.assign(qualifier=["exact", "about", "exact"]), "x", 2025, "en"
    )
    assert "approximate" in reason


def test_explore_pivots_place_by_year():
    frame = pd.DataFrame(
        [_row(), _row(year=2026, value=50.0), _row(region_en="Gulang County", region_zh="古浪县")]
    )
    pivot = explore.place_by_year(frame, "x", "en")
    assert pivot.loc["Wuwei City", 2026] == 50 and pd.isna(pivot.loc["Gulang County", 2026])
    with pytest.raises(KeyError, match="there are"):
        explore.place_by_year(frame, "nope")


def test_synthetic_rows_never_go_into_the_bundled_raw_folder(tmp_path):
    with pytest.raises(ValueError, match="never"):
        write_synthetic(config.RAW_DATA_DIR, [])
    raw = write_synthetic(tmp_path / "raw", [SyntheticRow(INDICATOR, "620600", 2026, "55个")])
    assert SOURCE_ID in (raw / "sources.csv").read_text(encoding="utf-8")
    assert "合成测试数据55个" in (raw / "synthetic_figures.csv").read_text(encoding="utf-8")


@pytest.mark.slow
def test_explore_notebook_runs(tmp_path):
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(config.NOTEBOOKS_DIR / "explore.ipynb"), str(out),
                               parameters={"lang": "en"}, kernel_name="python3", progress_bar=False)  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
def test_done_when_a_second_year_and_a_second_place_are_published_apart(tmp_path):
    raw = write_synthetic(tmp_path / "raw", [
        SyntheticRow(INDICATOR, "620600", 2026, "55个"),  # the city, a second year
        SyntheticRow(INDICATOR, "民勤县", 2025, "12个"),  # a second county, the same year
    ])  # fmt: skip
    reports, processed = tmp_path / "reports", tmp_path / "processed"
    log = tmp_path / "log.txt"

    def run() -> tuple[int, str]:
        with log.open("w", encoding="utf-8") as handle:
            options = build.BuildOptions(raw_dir=raw, processed_dir=processed, reports_dir=reports,
                                         themes=("urban", "summary"), langs=("en",), clean_fn=clean,
                                         jobs=2, log=handle)  # fmt: skip
            status = build.run_build(options)
        return status, log.read_text(encoding="utf-8")

    status, text = run()
    assert status == 0, text
    for slice_ in ("620600/2025", "620600/2026", "620621/2025"):
        for page in ("urban", "summary"):
            assert (reports / "en" / slice_ / f"{page}.html").is_file(), (slice_, page)
    page_2026 = (reports / "en" / "620600" / "2026" / "urban.html").read_text(encoding="utf-8")
    assert re.search(
        r"49 compounds in 2025, 55 compounds in 2026: up 6 compounds \(\+12\.2%; calculated\)", page_2026
    )
    summary_2026 = (reports / "en" / "620600" / "2026" / "summary.html").read_text(encoding="utf-8")
    assert "Since last year" in summary_2026 and "+12.2%" in summary_2026
    index = (reports / "index.html").read_text(encoding="utf-8")
    for href in ("en/620600/2026/urban.html", "en/620600/2025/urban.html", "en/620621/2025/urban.html"):
        assert f'href="{href}"' in index
    assert index.index("Wuwei City, 2026") < index.index("Wuwei City, 2025")  # latest first
    assert "Minqin County, 2025" in index
    before = {
        p: p.stat().st_mtime_ns for p in Path(reports).rglob("*") if p.is_file() and "lock" not in p.name
    }
    status, text = run()
    assert status == 0 and " 0 ran" in text, text
    after = {
        p: p.stat().st_mtime_ns for p in Path(reports).rglob("*") if p.is_file() and "lock" not in p.name
    }
    assert after == before


# --- one chart an indicator, however many places the page holds -------------------------


def _two_years(places: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    rows = [
        _row(region_zh=zh, region_en=en, region_code=code, year=year, value=value)
        for zh, en, code, earlier, later in places
        for year, value in ((2025, earlier), (2026, later))
    ]
    return pd.DataFrame(rows)


def test_several_places_over_the_years_are_one_chart_with_the_page_s_own_place_first():
    rows = _two_years([("民勤县", "Minqin County", "620621", 12.0, 14.0),
                       ("武威市", "Wuwei City", "620600", 40.0, 49.0),
                       ("古浪县", "Gulang County", "620622", 30.0, 31.0)])  # fmt: skip
    chart = compare.places_series_chart(rows, "en", "urban_series_1", "source", own_place="武威市")
    assert chart.alt == (
        "Parks: over the years: Wuwei City 2025 40 items, 2026 49 items; "
        "Gulang County 2025 30 items, 2026 31 items; Minqin County 2025 12 items, 2026 14 items"
    )
    ticks = [t.get_text() for t in chart.fig.axes[0].get_yticklabels()]
    assert ticks == ["Wuwei City", "Gulang County", "Minqin County"]  # own place, then by 2026 figure
    legend = [t.get_text() for t in chart.fig.axes[0].get_legend().get_texts()]
    assert legend == ["2025", "2026"]


def test_a_city_page_draws_one_series_chart_an_indicator_not_one_a_county(tmp_path):
    raw = write_synthetic(tmp_path / "raw", [
        SyntheticRow(INDICATOR, "620600", 2026, "55个"),
        SyntheticRow(INDICATOR, "民勤县", 2025, "12个"),
        SyntheticRow(INDICATOR, "民勤县", 2026, "14个"),
        SyntheticRow(INDICATOR, "古浪县", 2025, "30个"),
        SyntheticRow(INDICATOR, "古浪县", 2026, "31个"),
    ])  # fmt: skip
    clean(raw, tmp_path / "processed")
    from wuwei_analysis.report import page

    city = page.setup(theme="urban", lang="en", region="620600", year=2026,
                      processed_dir=str(tmp_path / "processed"), reports_dir=str(tmp_path / "out"))  # fmt: skip
    sentences, drawn = page.comparisons(city)
    series = [c for c in drawn if "_series_" in c.name]
    assert len(series) == 1 and series[0].indicator_ids == (INDICATOR,)
    assert len([s for s in sentences if "2025" in s and "2026" in s]) == 3  # each place's change is said
    for place in ("Wuwei City", "Minqin County", "Gulang County"):
        assert place in series[0].alt
    county = page.setup(theme="urban", lang="en", region="620621", year=2026,
                        processed_dir=str(tmp_path / "processed"), reports_dir=str(tmp_path / "out"))  # fmt: skip
    own = [c for c in page.comparisons(county)[1] if "_series_" in c.name]
    assert len(own) == 1 and own[0].alt.endswith("2025 12 compounds; 2026 14 compounds")  # its own line
