"""Tests of wuwei_analysis.tables.parse: every value form, the error rules, round-trips, column behaviour."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuwei_analysis.config import REFERENCE_DIR
from wuwei_analysis.reference import qualifier_words
from wuwei_analysis.tables import parse
from wuwei_analysis.tables.parse import (
    KINDS,
    OUTPUT_COLUMNS,
    chinese_to_number,
    multiplier_value,
    parse_values,
)

NAN = math.nan


def parse_one(raw: object) -> dict:
    """Parse a single raw value through the column parser; the row as a dict."""
    return parse_values(pd.Series([raw], dtype=object)).iloc[0].to_dict()


def same_number(actual: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == pytest.approx(expected, rel=1e-12, abs=0)


def check(raw: object, value: float, value_high: float, qualifier: str, counter: str, kind: str) -> None:
    row = parse_one(raw)
    assert row["error"] == "", row
    assert (row["qualifier"], row["counter"], row["kind"]) == (qualifier, counter, kind), row
    assert same_number(row["value"], value), row
    assert same_number(row["value_high"], value_high), row


def to_chinese(number: int) -> str:
    """Test-local encoder of a non-negative integer (< 10^12) as a formal Chinese numeral."""
    digits = "零一二三四五六七八九"
    if number == 0:
        return "零"

    def group(n: int) -> str:  # 1..9999
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // value % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out, zero = out + "零", False
            out += digits[digit] + unit
        return out

    groups = [(number // 10**8) % 10**4, (number // 10**4) % 10**4, number % 10**4]
    out, pending_zero = "", False
    for n, unit in zip(groups, ("亿", "万", ""), strict=True):
        if n == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or n < 1000):
            out += "零"
        out += group(n) + unit
        pending_zero = False
    return out[1:] if out.startswith("一十") else out  # 十二, not 一十二


FULL_WIDTH = str.maketrans("0123456789,.%-", "０１２３４５６７８９，．％－")


# --- forms that parse -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, value",
    [
        ("9,964", 9964),
        ("1,234,567.5", 1234567.5),
        ("13.24", 13.24),
        ("0", 0),
        ("-5", -5),
        ("+5", 5),
        ("−5", -5),  # U+2212 minus sign
        ("6.206E+05", 620600),
        ("1e3", 1000),
        ("１４３７", 1437),
        ("１，２３４", 1234),
        ("１３．２４", 13.24),
        ("－５", -5),
        (" 12 ", 12),
        ("\u00a012\u00a0", 12),
        ("\u300012", 12),
        ("\t12\n", 12),
    ],
)
def test_arabic_numbers(raw: str, value: float) -> None:
    check(raw, value, NAN, "exact", "", "number")


@pytest.mark.parametrize(
    "raw, value",
    [
        ("八", 8),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("七十三", 73),
        ("一百零八", 108),
        ("一千四百三十七", 1437),
        ("两千", 2000),
        ("两千五", 2500),
        ("一万二千", 12000),
        ("一万二", 12000),
        ("一千零五", 1005),
        ("一万零一十", 10010),
        ("〇", 0),
        ("零", 0),
        ("三万", 30000),
        ("三亿五千万", 350_000_000),
        ("百", 100),
        ("七十三点五", 73.5),  # 点 is the decimal point, not a unit word
        ("零点五", 0.5),
        ("一百点零五", 100.05),
        ("三点五万", 35000),
    ],
)
def test_chinese_numerals(raw: str, value: float) -> None:
    check(raw, value, NAN, "exact", "", "number")


@pytest.mark.parametrize(
    "raw, value, counter",
    [
        ("1.2万", 12000, ""),
        ("3亿", 300_000_000, ""),
        ("2千", 2000, ""),
        ("5百", 500, ""),
        ("5百万", 5_000_000, ""),
        ("1.5万亿", 1.5e12, ""),
        ("三万", 30000, ""),
        ("５万", 50000, ""),
        ("1,234.5万", 12_345_000, ""),
        ("6685.7745万", 66_857_745, ""),  # exact: not 6685.7745 * 10000 in floating point
        ("2.5万人", 25000, "人"),
    ],
)
def test_multipliers(raw: str, value: float, counter: str) -> None:
    check(raw, value, NAN, "exact", counter, "number")


@pytest.mark.parametrize(
    "raw, value, qualifier, counter",
    [
        ("1000多", 1000, "more_than", ""),
        ("1000多名", 1000, "more_than", "名"),
        ("500余", 500, "more_than", ""),
        ("500余人", 500, "more_than", "人"),
        ("逾百", 100, "more_than", ""),
        ("逾500", 500, "more_than", ""),
        ("超过30", 30, "more_than", ""),
        ("近20", 20, "about", ""),
        ("约500", 500, "about", ""),
        ("约 500", 500, "about", ""),
        ("大约500", 500, "about", ""),
        ("20左右", 20, "about", ""),
        ("500人左右", 500, "about", "人"),
        ("约20左右", 20, "about", ""),  # the same qualifier twice is still one
        ("不足10", 10, "less_than", ""),
        ("不到10", 10, "less_than", ""),
        ("至少3", 3, "at_least", ""),
        ("5万户以上", 50000, "at_least", "户"),
        ("60岁以上", 60, "at_least", "岁"),
        ("100人以下", 100, "at_most", "人"),
        ("10以下", 10, "at_most", ""),
        ("3公里以内", 3, "at_most", "公里"),  # 以内, 不超过, 不高于: at most
        ("不超过3个", 3, "at_most", "个"),
        ("不高于50", 50, "at_most", ""),
        ("不低于90", 90, "at_least", ""),  # 不低于, 不少于: at least
        ("不少于200人", 200, "at_least", "人"),
        ("近八成", 8, "about", "成"),
        ("约1.2万", 12000, "about", ""),
        ("近２０", 20, "about", ""),
    ],
)
def test_qualifiers(raw: str, value: float, qualifier: str, counter: str) -> None:
    check(raw, value, NAN, qualifier, counter, "number")


@pytest.mark.parametrize(
    "raw, value, qualifier",
    [
        ("70%", 70, "exact"),
        ("70％", 70, "exact"),
        ("70 %", 70, "exact"),
        ("７０％", 70, "exact"),
        ("12.5%", 12.5, "exact"),
        ("约70%", 70, "about"),
        ("70%左右", 70, "about"),
        ("七十三点五%", 73.5, "exact"),
        ("2%以下", 2, "at_most"),
        ("95%以上", 95, "at_least"),
        ("5.5%以内", 5.5, "at_most"),  # 控制在5.5%以内
        ("不超过5%", 5, "at_most"),
        ("七十三点五％", 73.5, "exact"),
        ("百分之七十", 70, "exact"),  # a percentage written in words
        ("百分之七十三点五", 73.5, "exact"),
        ("百分之百", 100, "exact"),
        ("约百分之九十", 90, "about"),
        ("百分之九十五以上", 95, "at_least"),
    ],
)
def test_percentages(raw: str, value: float, qualifier: str) -> None:
    check(raw, value, NAN, qualifier, "%", "percent")


@pytest.mark.parametrize(
    "raw, value",
    [("1:1.22", 1.22), ("1∶1.22", 1.22), ("1：1.22", 1.22), ("2:1", 0.5), ("1 : 3", 3), ("１：２", 2)],
)
def test_ratios(raw: str, value: float) -> None:
    check(raw, value, NAN, "exact", "", "ratio")


@pytest.mark.parametrize(
    "raw, value, counter",
    [
        ("73所", 73, "所"),
        ("13.24平方米", 13.24, "平方米"),
        ("848人", 848, "人"),
        ("八项", 8, "项"),
        ("12个", 12, "个"),
        ("3家", 3, "家"),
        ("5栋", 5, "栋"),
        ("20户", 20, "户"),
        ("30岁", 30, "岁"),
        ("100人次", 100, "人次"),
        ("12平方米/人", 12, "平方米/人"),
        ("12㎡", 12, "㎡"),
        ("12 m²", 12, "㎡"),
        ("12㎡/人", 12, "㎡/人"),
        ("5 units", 5, "units"),
        ("１２人", 12, "人"),
        ("七十三点五分", 73.5, "分"),  # the counter is 分, not 点五分
    ],
)
def test_counters(raw: str, value: float, counter: str) -> None:
    check(raw, value, NAN, "exact", counter, "number")


@pytest.mark.parametrize(
    "raw, low, high, counter",
    [
        ("2至3岁", 2, 3, "岁"),
        ("2到3", 2, 3, ""),
        ("2-3", 2, 3, ""),
        ("2 - 3", 2, 3, ""),
        ("2~3", 2, 3, ""),
        ("2～3", 2, 3, ""),
        ("2〜3", 2, 3, ""),
        ("2—3", 2, 3, ""),
        ("2–3", 2, 3, ""),
        ("3-3", 3, 3, ""),
        ("二至三岁", 2, 3, "岁"),
        ("1-3万", 10000, 30000, ""),  # the low end borrows the multiplier
        ("1万-3万", 10000, 30000, ""),
        ("5000-1万", 5000, 10000, ""),  # ... unless it is already larger than the high digits
        ("二至三万", 20000, 30000, ""),
        ("十至二十万人", 100_000, 200_000, "人"),
        ("五千至一万", 5000, 10000, ""),
        ("1千-2万", 1000, 20000, ""),
        ("60%-70%", 60, 70, "%"),
        ("60-70%", 60, 70, "%"),
        ("-5-3", -5, 3, ""),
        ("２－３", 2, 3, ""),
    ],
)
def test_ranges(raw: str, low: float, high: float, counter: str) -> None:
    check(raw, low, high, "range", counter, "range")


@pytest.mark.parametrize(
    "raw",
    ["", " ", "\u3000", "—", "——", "–", "-", "--", "－", "NA", "N/A", "n/a", "None", "null", "NULL", "nan"]
    + [None, NAN, pd.NA],
)
def test_missing(raw: object) -> None:
    row = parse_one(raw)
    assert row["kind"] == "missing"
    assert row["error"] == row["qualifier"] == row["counter"] == ""
    assert math.isnan(row["value"]) and math.isnan(row["value_high"])


# --- forms that do not ----------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])
def test_spreadsheet_errors(raw: str) -> None:
    assert_error(raw, parse.ERROR_SPREADSHEET)


@pytest.mark.parametrize(
    "raw, rule",
    [
        ("abc", parse.ERROR_NOT_A_NUMBER),
        ("12abc34", parse.ERROR_NOT_A_NUMBER),
        ("1.2.3", parse.ERROR_NOT_A_NUMBER),
        ("1 2", parse.ERROR_NOT_A_NUMBER),
        ("1.", parse.ERROR_NOT_A_NUMBER),
        ("约", parse.ERROR_NOT_A_NUMBER),
        ("多100", parse.ERROR_NOT_A_NUMBER),
        ("人", parse.ERROR_NOT_A_NUMBER),
        ("%", parse.ERROR_NOT_A_NUMBER),
        ("1-2-3", parse.ERROR_NOT_A_NUMBER),
        ("1,23", parse.ERROR_THOUSANDS),
        ("12,3456", parse.ERROR_THOUSANDS),
        ("1,2345.6", parse.ERROR_THOUSANDS),
        ("1,23人", parse.ERROR_THOUSANDS),
        ("2-1,23", parse.ERROR_THOUSANDS),
        ("1:", parse.ERROR_EMPTY_RATIO_SIDE),
        (":1.22", parse.ERROR_EMPTY_RATIO_SIDE),
        ("1∶", parse.ERROR_EMPTY_RATIO_SIDE),
        ("0:5", parse.ERROR_RATIO_ZERO),
        ("2至", parse.ERROR_EMPTY_RANGE_SIDE),
        ("2-", parse.ERROR_EMPTY_RANGE_SIDE),
        ("至3", parse.ERROR_EMPTY_RANGE_SIDE),
        ("3-2", parse.ERROR_RANGE_ORDER),
        ("三至二", parse.ERROR_RANGE_ORDER),
        ("三四", parse.ERROR_CHINESE_NUMERAL),
        ("十十", parse.ERROR_CHINESE_NUMERAL),
        ("2至三四", parse.ERROR_CHINESE_NUMERAL),
        ("七十三点两", parse.ERROR_CHINESE_NUMERAL),
        ("百分之七十人", parse.ERROR_PERCENT_AND_UNIT),
        ("约1000多", parse.ERROR_TWO_QUALIFIERS),
        ("不足10余", parse.ERROR_TWO_QUALIFIERS),
        ("70%人", parse.ERROR_PERCENT_AND_UNIT),
        ("1e999", parse.ERROR_TOO_LARGE),
    ],
)
def test_errors(raw: str, rule: str) -> None:
    assert_error(raw, rule)


def assert_error(raw: str, rule: str) -> None:
    row = parse_one(raw)
    assert (row["kind"], row["error"]) == ("error", rule), row
    assert row["qualifier"] == row["counter"] == "", row
    assert math.isnan(row["value"]) and math.isnan(row["value_high"]), row


# --- helpers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "",
        "三四",
        "十十",
        "百千",
        "零五",
        "五零",
        "一千零零五",
        "亿万",
        "一万一万",
        "八x",
        "12",
        "点五",
        "三点",
        "三点十",
    ],
)
def test_chinese_to_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_number(text)


@pytest.mark.parametrize(
    "text, value",
    [("一十二", 12), ("一千零十", 1010), ("十万零二", 100002), ("一万亿", 1e12), ("两", 2), ("万", 10000)],
)
def test_chinese_to_number(text: str, value: float) -> None:
    assert chinese_to_number(text) == value


@pytest.mark.parametrize(
    "word, factor", [("", 1), ("百", 100), ("千", 1000), ("万", 1e4), ("亿", 1e8), ("百万", 1e6)]
)
def test_multiplier_value(word: str, factor: float) -> None:
    assert multiplier_value(word) == factor


def test_qualifier_words_come_from_the_reference_table() -> None:
    words = qualifier_words()
    assert words.prefix["约"] == "about" and words.suffix["多"] == "more_than"
    assert words.suffix["以上"] == "at_least" and words.suffix["以下"] == "at_most"
    assert set(words.qualifiers) == {"more_than", "about", "less_than", "at_least", "at_most"}
    assert words.usual["more_than"] == ("suffix", "多") and words.usual["about"] == ("prefix", "约")


def test_a_new_qualifier_word_needs_no_code(tmp_path, monkeypatch) -> None:
    table = (REFERENCE_DIR / "qualifiers.csv").read_text(
        encoding="utf-8"
    ) + "more_than,suffix,开外,开外,more than\n"
    (tmp_path / "qualifiers.csv").write_text(table, encoding="utf-8")
    words = qualifier_words(tmp_path)
    monkeypatch.setattr(parse, "qualifier_words", lambda: words)
    check("60岁开外", 60, NAN, "more_than", "岁", "number")


@pytest.mark.parametrize(
    "table, message",
    [
        ("qualifier,word\nabout,约\n", "missing column"),
        ("qualifier,position,word\nabout,middle,约\n", "prefix or suffix"),
        ("qualifier,position,word\nabout,prefix,约\nabout,prefix,约\n", "repeated"),
    ],
)
def test_bad_qualifier_table(tmp_path, table: str, message: str) -> None:
    (tmp_path / "qualifiers.csv").write_text(table, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        qualifier_words(tmp_path)


# --- the column -----------------------------------------------------------------------------------
def test_output_columns_and_dtypes() -> None:
    result = parse_values(pd.Series(["1", "x", None]))
    assert tuple(result.columns) == OUTPUT_COLUMNS
    assert result["value"].dtype == np.float64 and result["value_high"].dtype == np.float64
    for column in ("qualifier", "counter", "kind", "error"):
        assert result[column].dtype == "str"
        assert not result[column].isna().any()


def test_empty_column() -> None:
    result = parse_values(pd.Series([], dtype=object))
    assert result.empty and tuple(result.columns) == OUTPUT_COLUMNS


def test_index_is_preserved() -> None:
    index = pd.Index(["b", "a", "c", "z"], name="cell")
    result = parse_values(pd.Series(["1", "", "x", "1,23"], index=index))
    assert result.index.equals(index)
    assert result.loc["a", "kind"] == "missing" and result.loc["c", "kind"] == "error"
    shuffled = pd.Series(["1", "2", "3"], index=[10, 3, 7])
    assert parse_values(shuffled)["value"].to_dict() == {10: 1.0, 3: 2.0, 7: 3.0}


def test_one_bad_value_does_not_affect_the_others() -> None:
    column = pd.Series(["9,964", "abc", "1,23", "约500", "#REF!", "1:1.22", "七十三", "2至3岁", "—", "70%"])
    result = parse_values(column)
    assert result["kind"].tolist() == [
        "number", "error", "error", "number", "error", "ratio", "number", "range", "missing", "percent",
    ]  # fmt: skip
    np.testing.assert_allclose(result["value"], [9964, NAN, NAN, 500, NAN, 1.22, 73, 2, NAN, 70])


@pytest.mark.parametrize("dtype", [object, "str", "string[pyarrow]", "string[python]"])
def test_input_is_not_modified(dtype) -> None:
    column = pd.Series(["１４３７", " 12 ", None, "1.2万", "约500"], index=[5, 4, 3, 2, 1], dtype=dtype)
    before = column.copy(deep=True)
    parse_values(column)
    pd.testing.assert_series_equal(column, before)


def test_numeric_input_is_read_as_text() -> None:
    result = parse_values(pd.Series([9964.0, np.nan, 1.5]))
    assert result["kind"].tolist() == ["number", "missing", "number"]
    np.testing.assert_array_equal(result["value"], [9964.0, NAN, 1.5])


# --- properties -----------------------------------------------------------------------------------
UP_TO_10_8 = st.integers(min_value=0, max_value=10**8)


def parsed_values(texts: list[str]) -> list[float]:
    result = parse_values(pd.Series(texts))
    assert (result["kind"] == "number").all(), result[result["kind"] != "number"]
    return result["value"].tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(UP_TO_10_8, min_size=1, max_size=30))
def test_integers_round_trip_in_every_writing(numbers: list[int]) -> None:
    expected = [float(n) for n in numbers]
    assert parsed_values([str(n) for n in numbers]) == expected
    assert parsed_values([f"{n:,}" for n in numbers]) == expected
    assert parsed_values([f"{n:,}".translate(FULL_WIDTH) for n in numbers]) == expected
    assert parsed_values([str(n).translate(FULL_WIDTH) for n in numbers]) == expected
    assert parsed_values([to_chinese(n) for n in numbers]) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**4), min_size=1, max_size=30))
def test_whole_wan_round_trips(tens_of_thousands: list[int]) -> None:
    assert parsed_values([f"{n}万" for n in tens_of_thousands]) == [n * 1e4 for n in tens_of_thousands]


@settings(max_examples=200, deadline=None)
@given(st.lists(UP_TO_10_8, min_size=1, max_size=30))
def test_decimal_wan_and_yi_round_trip(numbers: list[int]) -> None:
    expected = [float(n) for n in numbers]
    assert parsed_values([f"{Decimal(n) / 10**4:f}万" for n in numbers]) == expected
    assert parsed_values([f"{Decimal(n) / 10**8:f}亿" for n in numbers]) == expected


@settings(max_examples=300, deadline=None)
@given(UP_TO_10_8)
def test_chinese_encoder_and_parser_agree(number: int) -> None:
    assert chinese_to_number(to_chinese(number)) == number


EXAMPLES = [
    "9,964", "1,23", "１４３７", "七十三", "1.2万", "1000多名", "约500", "70%", "1:1.22", "2至3岁",
    "—", "", "#N/A", "abc", "三四", "3-2", "1:", "约1000多", "12㎡",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EXAMPLES), st.text(max_size=8), st.none()), max_size=25))
def test_each_row_parses_on_its_own(raws: list[object]) -> None:
    """Parsing a column gives, row by row, what parsing each value alone gives; never raises."""
    column = pd.Series(raws, dtype=object)
    together = parse_values(column)
    assert len(together) == len(column)
    assert set(together["kind"]) <= set(KINDS)
    assert ((together["error"] != "") == (together["kind"] == "error")).all()
    no_figure = together["kind"].isin(["error", "missing"])
    assert (together["value"].isna() == no_figure).all()
    if raws:
        alone = pd.concat([parse_values(pd.Series([raw], dtype=object)) for raw in raws], ignore_index=True)
        pd.testing.assert_frame_equal(together.reset_index(drop=True), alone)
