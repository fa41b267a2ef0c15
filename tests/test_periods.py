"""Issue 11's data model: periods, units as written, measures' year and region, sources' optional
columns; an optional column never cascades into problems."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from wuwei_analysis import config, contract, reference
from wuwei_analysis.errors import DataError
from wuwei_analysis.tables.clean import check, process, raw_files

TODAY = date(2026, 12, 31)
HEADER = "主题,指标代码,指标名称,英文名称,地区,年份,数值,单位,状态,时期,截至日期,起始日期,来源,引文"
ROW = "urban,urban_pocket_parks,城市小游园,Pocket parks,武威城区,2025,46个,游园,累计,{period},{date},{start},src,累计新建46个城市小游园"
SOURCES = "source_id,title,authors,year,kind,language\nsrc,Test source,Someone,2025,test,zh\n"


def _raw(tmp_path, rows, sources=SOURCES, measures=None):
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "sources.csv").write_text(sources, encoding="utf-8")
    (raw / "urban.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    if measures:
        (raw / "measures.csv").write_text(measures, encoding="utf-8")
    return raw


def _row(period="", date_="", start=""):
    return ROW.format(period=period, date=date_, start=start)


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("", "year"),
        ("累计", "cumulative"),
        ("截至目前", "as_of"),
        ("今年以来", "year_to_date"),
        ("undated", "undated"),
    ],
)
def test_period_is_read_from_its_aliases_and_blank_is_year(tmp_path, written, period):
    result = process(raw_files(_raw(tmp_path, [_row(written)])), TODAY)
    assert result.indicators.loc[0, "period"] == period


def test_period_dates_are_kept_and_checked(tmp_path):
    result = process(raw_files(_raw(tmp_path, [_row("累计", start="2021")])), TODAY)
    assert result.indicators.loc[0, ["period", "period_start", "period_date"]].tolist() == [
        "cumulative",
        "2021",
        "",
    ]
    with pytest.raises(DataError) as caught:
        process(raw_files(_raw(tmp_path, [_row("全年", date_="2025-06-30")])), TODAY)
    assert [p.rule for p in caught.value.problems] == ["period_date given for a period other than as_of"]
    with pytest.raises(DataError) as caught:
        process(raw_files(_raw(tmp_path, [_row("截至", date_="June")])), TODAY)
    assert [p.rule for p in caught.value.problems] == ["not a date"]


def test_unknown_period_names_the_vocabulary(tmp_path):
    with pytest.raises(DataError) as caught:
        process(raw_files(_raw(tmp_path, [_row("上半年")])), TODAY)
    (problem,) = caught.value.problems
    assert problem.rule == "unknown period" and "year_to_date" in problem.hint


def test_unit_as_written_keeps_the_sources_word():
    indicators = pd.read_parquet(config.PROCESSED_DATA_DIR / "indicators.parquet")
    row = indicators.set_index("value_as_written").loc["15家"]
    assert (row["unit_as_written"], row["unit"]) == ("家", "institutions")


def test_bundled_periods_follow_the_article():
    indicators = pd.read_parquet(config.PROCESSED_DATA_DIR / "indicators.parquet")
    by_quote = dict(zip(indicators["quote"], indicators["period"], strict=True))
    assert by_quote["建成23所养老机构"] == "undated"
    assert by_quote["累计新建46个城市小游园"] == "cumulative"
    assert by_quote["已完成总工程量的70%"] == "as_of"
    assert by_quote["认定普惠性民办幼儿园73所"] == "year_to_date"
    assert set(indicators["period"]) <= set(reference.periods())
    assert (indicators["period_date"] == "").all()  # the article's date is not recorded


def test_optional_source_columns_do_not_cascade(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(config.RAW_DATA_DIR, raw)
    sources = raw / "sources.csv"
    header = "来源编号,标题,作者,年份,类型,语言"
    row = "wuwei_minsheng_2025,标题,金奉乾 包雨纯,2025,newspaper overview,zh"
    sources.write_text(f"{header},url\n{row},https://example.org/a\n", encoding="utf-8")
    assert check([raw], TODAY).problems == []
    sources.write_text(f"{header},颜色\n{row},red\n", encoding="utf-8")
    assert [p.rule for p in check([raw], TODAY).problems] == ["unknown column"]  # one problem, not 62
    sources.write_text(f"{header},来源\n{row},again\n", encoding="utf-8")
    assert len(check([raw], TODAY).problems) == 1  # a repeated column: one problem, figures are not blamed


def test_measures_get_the_sources_year_and_the_city_when_blank(tmp_path):
    measures = (
        "theme,region,year,name_zh,name_en,description_zh,description_en,source_id,quote\n"
        "urban,,,口袋公园,Pocket parks,说明,Description,src,累计新建46个城市小游园\n"
        "urban,古浪县,2024,口袋公园,Pocket parks,说明,Description,src,累计新建46个城市小游园\n"
    )
    result = process(raw_files(_raw(tmp_path, [_row()], measures=measures)), TODAY)
    got = result.measures[["region_code", "year"]].values.tolist()
    assert sorted(got) == [[config.CITY_CODE, 2025], ["620622", 2024]]


def test_contract_describes_the_new_columns():
    described = contract.descriptions("indicators")
    for name in ("period", "period_date", "period_start", "unit_as_written"):
        assert described[name]
    assert {"title_en", "publisher", "published", "url"} <= set(contract.column_names("sources"))
    assert "year" in contract.column_names("measures")
