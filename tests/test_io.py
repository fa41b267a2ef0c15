"""Tests for reading raw tables (tables.encoding, tables.read), writing them (tables.write, files)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuwei_analysis.errors import Problem
from wuwei_analysis.files import atomic_path, atomic_write_bytes, atomic_write_text, file_sha256, sha256_bytes
from wuwei_analysis.tables.encoding import detect_encoding
from wuwei_analysis.tables.read import RawTable, read_table
from wuwei_analysis.tables.write import csv_bytes as write_csv_bytes
from wuwei_analysis.tables.write import neutralise_formula, write_csv, write_json, write_parquet

CHINESE_CSV = "地区,年份,机构数\n凉州区,2023,73所\n民勤县,2024,约500\n"
CHINESE_HEADER = ["地区", "年份", "机构数"]
CHINESE_ROWS = [["凉州区", "2023", "73所"], ["民勤县", "2024", "约500"]]
# Every word has an even number of UTF-8 bytes that also pair up into valid GBK characters.
UTF8_ALSO_GBK = "地区,年份\n武威,测试数据\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path so problems name files by their short relative names."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Create a raw file with exact bytes."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def cells(table: RawTable) -> list[list[str]]:
    """The rows of a table as plain lists."""
    return table.rows.values.tolist()


def rules(table: RawTable) -> list[str]:
    return [problem.rule for problem in table.problems]


def only_problem(table: RawTable) -> Problem:
    assert len(table.problems) == 1, table.problems
    return table.problems[0]


# ------------------------------------------------------------------------------------------------
# Encodings
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_chinese_file_reads_the_same_in_every_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path, "t.csv", CHINESE_CSV, encoding)
    table = read_table(path)
    assert table.ok, table.problems
    assert table.encoding == expected
    assert table.header == CHINESE_HEADER
    assert cells(table) == CHINESE_ROWS
    assert table.lines == [2, 3]


def test_gb18030_only_character_is_read(tmp_path: Path) -> None:
    text = "地区,名称\n凉州区,𠮷字\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    table = read_table(write(tmp_path, "t.csv", text, "gb18030"))
    assert table.ok and table.encoding == "gb18030"
    assert cells(table) == [["凉州区", "𠮷字"]]


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", CHINESE_CSV, "utf-16"))
    assert table.ok and table.encoding == "utf-16"
    assert cells(table) == CHINESE_ROWS


def test_utf8_that_is_also_valid_gbk_is_read_as_utf8(tmp_path: Path) -> None:
    data = UTF8_ALSO_GBK.encode("utf-8")
    misread = data.decode("gbk")  # the trap: these bytes are valid GBK too
    assert misread != UTF8_ALSO_GBK
    assert "武威" not in misread
    assert detect_encoding(data) == "utf-8"
    table = read_table(write(tmp_path, "t.csv", data))
    assert table.ok and table.encoding == "utf-8"
    assert table.header == ["地区", "年份"]
    assert cells(table) == [["武威", "测试数据"]]


def test_detect_encoding_rules() -> None:
    assert detect_encoding(b"\xef\xbb\xbfa,b\n") == "utf-8-sig"
    assert detect_encoding("武威".encode("utf-16")) == "utf-16"
    assert detect_encoding(b"a,b\n") == "utf-8"
    assert detect_encoding("凉州区".encode("gbk")) == "gb18030"
    with pytest.raises(UnicodeDecodeError):
        detect_encoding("凉州区,".encode() + b"\xff\xfe\xff")


def test_undecodable_byte_names_its_line_and_column(tmp_path: Path) -> None:
    data = "地区,人数\n凉州区,12\n民勤县,".encode() + b"3\xff4\n" + "古浪县,5\n".encode()
    table = read_table(write(tmp_path, "bad.csv", data))
    problem = only_problem(table)
    assert problem.rule == "undecodable bytes"
    assert (problem.file, problem.line, problem.column) == ("bad.csv", 3, "人数")
    assert "\\xff" in problem.value
    assert table.encoding == "utf-8"  # the rest of the file is plainly UTF-8
    assert cells(table)[0] == ["凉州区", "12"]
    assert cells(table)[2] == ["古浪县", "5"]


def test_undecodable_bytes_after_a_multiline_cell_name_the_physical_line(tmp_path: Path) -> None:
    data = b'a,b\n1,"two\nlines"\n2,ok\n3,' + b"\x80" + b"\n"
    table = read_table(write(tmp_path, "bad.csv", data))
    assert [(p.rule, p.line) for p in table.problems] == [("undecodable bytes", 5)]


# ------------------------------------------------------------------------------------------------
# Structure
# ------------------------------------------------------------------------------------------------


def test_unquoted_thousands_separator_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "jobs.csv", "地区,年份,人数\n凉州区,2023,9964\n民勤县,2023,1,234\n")
    table = read_table(path)
    problem = only_problem(table)
    assert problem.file == "jobs.csv"
    assert problem.line == 3
    assert problem.column == "人数"
    assert problem.value == "1,234"
    assert problem.rule == "more fields than the header"
    assert "quote numbers with thousands separators, or remove the comma" in problem.hint


def test_row_with_extra_fields_that_are_not_a_number(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "a,b\nx,y,z\n"))
    problem = only_problem(table)
    assert (problem.line, problem.rule, problem.value) == (2, "more fields than the header", "x,y,z")
    assert "thousands" not in problem.hint


def test_short_row_is_reported(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "地区,年份,人数\n凉州区,2023,5\n民勤县,2023\n"))
    problem = only_problem(table)
    assert (problem.line, problem.column, problem.rule) == (3, "人数", "fewer fields than the header")
    assert problem.value == "民勤县,2023"
    assert cells(table)[1] == ["民勤县", "2023", ""]  # the row is kept, not dropped


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", b" , \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    table = read_table(write(tmp_path, "empty.csv", content))
    problem = only_problem(table)
    assert (problem.file, problem.rule) == ("empty.csv", "file is empty")
    assert table.header == [] and table.rows.empty and table.lines == []


def test_header_only(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "地区,年份\n\n"))
    problem = only_problem(table)
    assert (problem.rule, problem.line) == ("no data rows", 1)
    assert table.header == ["地区", "年份"]
    assert list(table.rows.columns) == ["地区", "年份"] and len(table.rows) == 0


def test_duplicate_header_names(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "地区,数值,数值\n凉州区,1,2\n"))
    problem = only_problem(table)
    assert (problem.line, problem.column, problem.rule) == (1, "数值", "duplicate column name")
    assert cells(table) == [["凉州区", "1", "2"]]


def test_blank_header_cell_over_data_is_reported(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "地区,,年份\n凉州区,x,2023\n"))
    problem = only_problem(table)
    assert (problem.line, problem.rule) == (1, "blank column name")
    assert "column 2" in problem.hint


def test_blank_columns_without_data_are_dropped_silently(tmp_path: Path) -> None:
    # Excel exports often carry trailing separators; an unnamed, empty column holds nothing.
    table = read_table(write(tmp_path, "t.csv", "地区,年份,,\n凉州区,2023,,\n民勤县,2024,,\n"))
    assert table.ok, table.problems
    assert table.header == ["地区", "年份"]
    assert cells(table) == [["凉州区", "2023"], ["民勤县", "2024"]]


def test_blank_rows_are_skipped_and_lines_stay_right(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "\na,b\n1,2\n\n , \n3,4\n,\n"))
    assert table.ok, table.problems
    assert cells(table) == [["1", "2"], ["3", "4"]]
    assert table.lines == [3, 6]


def test_multiline_quoted_cell_keeps_later_line_numbers(tmp_path: Path) -> None:
    content = 'a,b\n1,"第一行\n第二行\n第三行"\n2,x\n3,y,extra\n'
    table = read_table(write(tmp_path, "t.csv", content))
    assert cells(table)[0] == ["1", "第一行\n第二行\n第三行"]
    assert table.lines == [2, 5, 6]
    assert [(p.rule, p.line) for p in table.problems] == [("more fields than the header", 6)]


def test_crlf_line_endings(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n'))
    assert table.ok
    assert cells(table) == [["1", "x\r\ny"], ["2", "z"]]
    assert table.lines == [2, 4]


def test_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", 'a,b\n1,2\n3,"oops\n4,5\n6,7\n'))
    assert [(p.rule, p.line) for p in table.problems] == [("unclosed quote", 3)]


def test_text_after_closing_quote_is_reported(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", 'a,b\n1,"2"x\n3,4\n'))
    assert [(p.rule, p.line) for p in table.problems] == [("malformed quoting", 2)]
    assert cells(table) == [["3", "4"]]


def test_missing_value_markers_stay_strings(tmp_path: Path) -> None:
    markers = ["NA", "None", "null", "", "—", "#DIV/0!", "N/A", "nan", "-"]
    header = [f"c{i}" for i in range(len(markers))]
    content = ",".join(header) + "\n" + ",".join(markers) + "\n"
    table = read_table(write(tmp_path, "t.csv", content))
    assert table.ok
    assert cells(table) == [markers]
    assert all(type(value) is str for value in cells(table)[0])
    # text (pandas' str dtype when Arrow read it), never a number and never a missing value
    assert all(pd.api.types.is_string_dtype(dtype) for dtype in table.rows.dtypes)
    assert not table.rows.isna().any().any()


def test_codes_and_exponents_stay_strings(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", "code,value,n\n010,6.206E+05,73\n"))
    assert cells(table) == [["010", "6.206E+05", "73"]]
    assert not any(pd.api.types.is_numeric_dtype(dtype) for dtype in table.rows.dtypes)


def test_spaces_nbsp_and_bom_are_stripped(tmp_path: Path) -> None:
    content = "\ufeff 地区\u00a0, 年份 \n\u3000凉州区\u00a0 ,2023  \n"
    table = read_table(write(tmp_path, "t.csv", content))
    assert table.header == ["地区", "年份"]
    assert cells(table) == [["凉州区", "2023"]]


@pytest.mark.parametrize("name", ["t.tsv", "t.txt"])
def test_tab_separated(tmp_path: Path, name: str) -> None:
    table = read_table(write(tmp_path, name, "地区\t人数\n凉州区\t9,964\n"))
    assert table.ok
    assert cells(table) == [["凉州区", "9,964"]]


def test_unsupported_file_type(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.xls", b"\xd0\xcf\x11\xe0"))
    assert rules(table) == ["unsupported file type"]


# ------------------------------------------------------------------------------------------------
# XLSX
# ------------------------------------------------------------------------------------------------


def make_workbook(path: Path) -> Path:
    """A workbook with an empty first sheet and a data sheet with merged region cells."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"  # empty sheet, to be skipped
    sheet = workbook.create_sheet("数据")
    sheet.append(["地区", " 指标 ", "数值", "比例", "日期", "代码"])
    sheet.append(["凉州区", "养老机构", 73.0, 0.7, dt.datetime(2023, 12, 31), "010"])
    sheet.append([None, "床位", 13.24, 0.705, dt.date(2024, 1, 2), "620602"])
    sheet.append([None, None, None, None, None, None])  # blank row: skipped, numbering kept
    sheet.append(["民勤县", "养老机构", 5, None, None, "#DIV/0!"])
    sheet.merge_cells("A2:A3")
    sheet["D2"].number_format = "0%"
    sheet["D3"].number_format = "0.0%"
    workbook.save(path)
    return path


def test_xlsx_values_merges_and_rows(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "养老.xlsx")
    table = read_table(path)
    assert table.ok, table.problems
    assert (table.encoding, table.sheet) == ("xlsx", "数据")
    assert table.header == ["地区", "指标", "数值", "比例", "日期", "代码"]
    assert cells(table) == [
        ["凉州区", "养老机构", "73", "70%", "2023-12-31", "010"],
        ["凉州区", "床位", "13.24", "70.5%", "2024-01-02", "620602"],
        ["民勤县", "养老机构", "5", "", "", "#DIV/0!"],
    ]
    assert table.lines == [2, 3, 5]


def test_xlsx_prefers_the_sheet_named_like_the_file(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    workbook.active.append(["first"])
    named = workbook.create_sheet("employment")
    named.append(["a"])
    named.append(["named"])
    workbook.save(tmp_path / "employment.xlsx")
    table = read_table(tmp_path / "employment.xlsx")
    assert table.sheet == "employment" and cells(table) == [["named"]]


def test_xlsx_reads_without_write_access(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "t.xlsx")
    path.chmod(stat.S_IRUSR)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        table = read_table(path)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert table.ok and len(table.rows) == 3


def test_xlsx_structure_problems_use_sheet_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["地区", "数值", "数值"])
    sheet.append([None])
    sheet.append(["凉州区", 1, 2])
    workbook.save(tmp_path / "t.xlsx")
    table = read_table(tmp_path / "t.xlsx")
    assert [(p.rule, p.line) for p in table.problems] == [("duplicate column name", 1)]
    assert table.lines == [3]


def test_empty_and_broken_xlsx(tmp_path: Path) -> None:
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    assert rules(read_table(tmp_path / "empty.xlsx")) == ["file is empty"]
    broken = read_table(write(tmp_path, "broken.xlsx", b"not a zip"))
    assert rules(broken) == ["not a readable .xlsx workbook"]


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def test_atomic_path_keeps_old_file_when_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        assert temporary.parent == tmp_path
        assert temporary.name.startswith(".out.csv.") and temporary.name.endswith(".tmp")
        temporary.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_atomic_path_replaces_on_success_and_creates_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    with atomic_path(target) as temporary:
        temporary.write_text("new")
        assert not target.exists()
    assert target.read_text() == "new"
    assert os.listdir(target.parent) == ["out.txt"]
    assert stat.S_IMODE(target.stat().st_mode) & stat.S_IRUSR


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "t.txt", "武威\r\n", encoding="gb18030")
    assert (tmp_path / "t.txt").read_bytes() == "武威\r\n".encode("gb18030")
    atomic_write_bytes(tmp_path / "t.txt", b"\x00\x01")
    assert (tmp_path / "t.txt").read_bytes() == b"\x00\x01"


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_zh": ["凉州区", "民勤县", "古浪县"],
            "value": [1437.0, 0.1, float("nan")],
            "year": [2023, 2024, 2025],
            "quote": ['全市"养老"机构73所', "a,b\nc", ""],
        }
    )


def test_write_csv_has_bom_newlines_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "out" / "indicators.csv"
    write_csv(sample_frame(), path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in data
    assert data.splitlines()[0] == b"\xef\xbb\xbfregion_zh,value,year,quote"
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert back["value"].tolist() == ["1437.0", "0.1", ""]
    assert back["quote"].tolist() == ['全市"养老"机构73所', "a,b\nc", ""]
    first = data
    write_csv(sample_frame(), path)
    assert path.read_bytes() == first


def test_write_parquet_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_parquet(sample_frame(), first)
    write_parquet(sample_frame(), second)
    assert first.read_bytes() == second.read_bytes()
    back = pd.read_parquet(first)
    pd.testing.assert_frame_equal(back, sample_frame(), check_dtype=False)
    assert "__index_level_0__" not in back.columns


def test_write_json_is_sorted_unicode_and_newline_terminated(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_json({"b": 1, "a": {"名称": "武威", "path": Path("x/y")}}, path)
    text = path.read_text(encoding="utf-8")
    assert text == '{\n  "a": {\n    "path": "x/y",\n    "名称": "武威"\n  },\n  "b": 1\n}\n'
    assert json.loads(text)["a"]["名称"] == "武威"


def test_write_json_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_json({"x": float("nan")}, tmp_path / "bad.json")
    assert not any(tmp_path.iterdir())


def test_hashes() -> None:
    assert sha256_bytes(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert sha256_bytes(b"abc").startswith("ba7816bf")


def test_file_sha256(tmp_path: Path) -> None:
    path = write(tmp_path, "f.bin", b"abc" * 1_000_000)
    assert file_sha256(path) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()


# ------------------------------------------------------------------------------------------------
# Round trip: what write_csv writes, read_table reads back cell for cell
# ------------------------------------------------------------------------------------------------

_CELL = st.text(alphabet=st.sampled_from(list('ab1,"\n\r武威，%—')), max_size=6).filter(
    lambda text: text == text.strip()
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=5))
def test_write_csv_then_read_table_round_trips(tmp_path_factory: pytest.TempPathFactory, rows) -> None:
    rows = [row for row in rows if any(row)]  # entirely blank rows are skipped by design
    frame = pd.DataFrame(rows, columns=["x", "y", "z"], dtype=object)
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    write_csv(frame, path)
    table = read_table(path)
    if not rows:
        assert rules(table) == ["no data rows"]
        return
    assert table.ok, table.problems
    assert table.encoding == "utf-8-sig"
    assert cells(table) == rows


def test_write_csv_quotes_cells_with_a_bare_carriage_return(tmp_path: Path) -> None:
    # csv.writer leaves "1\r1" unquoted when lines end in "\n"; that would split the row.
    frame = pd.DataFrame({"a": ["1\r1", "x"], "n": [1, 2], "c": pd.Categorical(["y", "z\r"])})
    write_csv(frame, tmp_path / "t.csv")
    table = read_table(tmp_path / "t.csv")
    assert table.ok, table.problems
    assert cells(table) == [["1\r1", "1", "y"], ["x", "2", "z"]]  # "z\r" stripped as any edge space


# The CSV writer builds cells with Arrow's string kernels; pandas' own writer is the oracle.


def _pandas_writes(frame: pd.DataFrame) -> bytes:
    """What pandas writes for ``frame`` (cells Excel would run already neutralised, one at a time)."""
    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(neutralise_formula)
    return b"\xef\xbb\xbf" + frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_csv_bytes_are_what_pandas_writes_for_every_dtype_of_the_contract() -> None:
    text = ["a,b", 'q"x', "n\nl", "=1+2", "", None, " sp ", "中文", "@x", "-3", "+"]
    frame = pd.DataFrame(
        {
            "text": pd.Series(text, dtype="str"),
            "objects": pd.Series(text, dtype=object),
            "value": [1437.0, 0.1, -0.0, 1e16, 1e-05, float("nan"), 123456789.123, 2.5e-300, 1 / 3, 7.0, float("inf")],
            "line": range(11),
            "year": pd.array([2025] * 10 + [None], dtype="Int16"),
            "theme": pd.Categorical(["x"] * 5 + [None] + ["=y"] * 5),
        }
    )  # fmt: skip
    assert write_csv_bytes(frame) == _pandas_writes(frame)
    assert write_csv_bytes(frame.head(0)) == _pandas_writes(frame.head(0))
    rows = pd.concat([frame, frame]).iloc[3:17]  # a report's rows: Arrow text in chunks, sliced
    assert write_csv_bytes(rows) == _pandas_writes(rows)
    # Arrow and numpy choose exponents differently: the writer must give numpy's text for each
    edges = [
        1e15,
        1e14,
        99999999999999.9,
        123456789012345.6,
        5e-324,
        1e-4,
        9.9e-5,
        9999999999999998.0,
        -1e300,
    ]
    floats = pd.DataFrame({"value": edges + [-2.0, 0.0]})
    assert write_csv_bytes(floats) == _pandas_writes(floats)
    lone = pd.DataFrame({"x": ["", "a", ""]})  # a lone empty cell is written "" (else a blank line)
    assert write_csv_bytes(lone) == _pandas_writes(lone) == b'\xef\xbb\xbfx\n""\na\n""\n'


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.text(alphabet=st.sampled_from(list('ab1,"\n=+-@\t武 ')), max_size=5),
            st.floats(),
            st.integers(-9, 10**6),
        ),
        max_size=6,
    )
)
def test_csv_bytes_match_pandas_for_any_cells(rows) -> None:
    frame = pd.DataFrame(rows, columns=["text", "value", "count"]).astype(
        {"value": "float64", "count": "int64"}
    )
    assert write_csv_bytes(frame) == _pandas_writes(frame)


def test_csv_bytes_made_in_slices_are_the_bytes_made_in_one_go(monkeypatch: pytest.MonkeyPatch) -> None:
    from wuwei_analysis.tables import write as write_module

    text = ["a,b", 'q"x', "=1+2", "", None, "中文", "@x", "-3"] * 3
    frame = pd.DataFrame(
        {
            "text": pd.Series(text, dtype="str"),
            "value": [1437.0, float("nan"), 1e-05, 7.0, 0.1, -2.0, 1e16, 3.5] * 3,
            "theme": pd.Categorical(["x", None, "=y", "x", "z", "x", "=y", "z"] * 3),
        }
    )
    whole = write_csv_bytes(frame)
    monkeypatch.setattr(write_module, "CSV_SLICE_ROWS", 5)  # 24 rows: five slices, the last short
    assert write_csv_bytes(frame) == whole == _pandas_writes(frame)
    # a CR in a cell of the last slice only: the whole table is written by pandas, every text quoted
    frame.loc[23, "text"] = "r\rr"
    assert write_csv_bytes(frame).count(b'"r\rr"') == 1
    assert write_csv_bytes(frame) == write_module.UTF8_BOM + write_module._pandas_csv(frame).encode()


def test_xlsx_whole_floats_have_no_float_artefacts(tmp_path: Path) -> None:
    # openpyxl stores 1e20 as "1e+20", which reads back as a float, not an int.
    workbook = openpyxl.Workbook()
    workbook.active.append(["big", "whole", "part"])
    workbook.active.append([1e20, 73.0, 0.125])
    workbook.save(tmp_path / "t.xlsx")
    assert cells(read_table(tmp_path / "t.xlsx")) == [["100000000000000000000", "73", "0.125"]]


def test_edge_characters_are_every_whitespace_of_the_regex_class_and_invisible_marks():
    import re
    import sys

    from wuwei_analysis.tables.structure import EDGE_CHARACTERS

    space = re.compile(r"\s")
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if space.match(chr(c))}
    assert set(EDGE_CHARACTERS) == whitespace | {"\ufeff", "\u200b"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "a,b\nc",
        "\n \n\tx\ty\n",
        "a\x0bb",
        "  \r\n\r\nlong" + "x" * 50 + ",y\n",
        "\u2028\u2028z",
        " ",
    ],
)
def test_first_line_reads_only_a_prefix_but_finds_what_splitlines_finds(text):
    from wuwei_analysis.tables.read import _first_line

    expected = next((line for line in text.splitlines() if line.strip()), "")
    assert _first_line(text, chunk=4) == expected
    assert _first_line(text) == expected


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers_of_the_rows_after_it(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "t.csv", 'a,b\n1,"x\ny"\n2,z\n\n3,w\n'))
    assert cells(table) == [["1", "x\ny"], ["2", "z"], ["3", "w"]]
    assert table.lines == [2, 4, 6]


# ------------------------------------------------------------------------------------------------
# Two readers, one result: Arrow for well-formed tables, the csv module for everything else
# ------------------------------------------------------------------------------------------------


def _both_readers(path: Path) -> tuple[RawTable, RawTable]:
    from wuwei_analysis.tables.read import _read_delimited

    return _read_delimited(path, fast=True), _read_delimited(path, fast=False)


def _same_table(fast: RawTable, slow: RawTable) -> None:
    assert fast.header == slow.header
    assert fast.lines == slow.lines
    assert fast.problems == slow.problems
    assert fast.encoding == slow.encoding
    assert cells(fast) == cells(slow)


READER_CASES = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "no final newline": "a,b\n1,2\n3,4",
    "quoted comma and quote": 'a,b\n"1,234","say ""hi"""\n x ,\u3000y\u00a0\n',
    "quoted newline": 'a,b\n"x\ny",2\n3,4\n',
    "blank line": "a,b\n1,2\n\n3,4\n",
    "blank row of commas": "a,b\n1,2\n,\n3,4\n",
    "ragged": "a,b\n1,2,3\n4\n",
    "text after a closing quote": 'a,b\n"x"y,2\n',
    "quote inside a cell": 'a,b\nx"y,2\n',
    "unclosed quote": 'a,b\n"x,2\n',
    "bare carriage return": "a,b\n1\r2,3\n",
    "nul": "a,b\n1\x00,2\n",
    "bom in a cell": "a,b\n1\ufeff,2\n",
    "blank header name": "a,,c\n1,2,3\n",
    "spacer column": "a,,c\n1,,3\n",
    "repeated header": "a,a\n1,2\n",
    "header only": "a,b\n",
    "blank first line": "\na,b\n1,2\n",
    "one column with a blank row": "a\n1\n\n2\n",
    "quoted header": '"a,1",b\n1,2\n',
    "tab": "a\tb\n1\t2\n",
}


@pytest.mark.parametrize("name", list(READER_CASES))
def test_arrow_and_csv_module_read_every_table_the_same(tmp_path: Path, name: str) -> None:
    suffix = ".tsv" if name == "tab" else ".csv"
    path = write(tmp_path, f"t{suffix}", READER_CASES[name])
    _same_table(*_both_readers(path))


def test_arrow_reads_the_usual_table_and_leaves_the_odd_one_to_the_csv_module(tmp_path: Path) -> None:
    from wuwei_analysis.tables import arrow_csv

    assert arrow_csv.read_columns(READER_CASES["quoted comma and quote"], ",") is not None
    for odd in ("quoted newline", "ragged", "text after a closing quote", "unclosed quote", "nul"):
        assert arrow_csv.read_columns(READER_CASES[odd], ",") is None, odd


_RAW_CHAR = st.sampled_from(list('ab1 ,"\n\r\t武\u3000'))


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=_RAW_CHAR, min_size=1, max_size=40))
def test_both_readers_agree_on_any_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("readers") / "t.csv"
    path.write_bytes(("h1,h2\n" + text).encode("utf-8"))
    _same_table(*_both_readers(path))


# Arrow reads a UTF-8 file from its bytes: what it accepts must be what Python's decoder accepts.
BAD_UTF8 = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\x80", b"\xe6\xad", b"\xff"]
GOOD_UTF8 = [b"\xf0\x9f\x98\x80", b"\xef\xbf\xbf", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xf4\x8f\xbf\xbf"]


@pytest.mark.parametrize("sequence", BAD_UTF8 + GOOD_UTF8)
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_arrow_takes_a_utf8_file_exactly_when_python_decodes_it(tmp_path: Path, sequence, bom) -> None:
    from wuwei_analysis.tables import arrow_csv

    data = b"a,b\n1,x" + sequence + b'y\n2,"q,"\n'
    decodes = sequence in GOOD_UTF8
    assert (arrow_csv.read_columns(bom + data, ",", len(bom)) is not None) == decodes
    path = tmp_path / "t.csv"
    path.write_bytes(bom + data)
    fast, slow = _both_readers(path)
    _same_table(fast, slow)
    if decodes:
        assert fast.ok and fast.encoding.startswith("utf-8")
    else:  # a bad sequence is reported with its line, as before, or the file is GB18030 after all
        assert not fast.ok or fast.encoding == "gb18030"


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b",", b'"', b"\n", b"\r\n", b"\xe6\xad\xa6", b"\xff", b" "]), max_size=30
    )
)
def test_both_readers_agree_on_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: list[bytes]) -> None:
    path = tmp_path_factory.mktemp("bytes") / "t.csv"
    path.write_bytes(b'h1,h2\n"x",1\n' + b"".join(data))
    _same_table(*_both_readers(path))


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('a"\n武\r,')), max_size=30), bom=st.booleans())
def test_the_lines_holding_a_quote_are_found_in_the_bytes(text: str, bom: bool) -> None:
    from wuwei_analysis.tables.arrow_csv import _lines_with_quotes

    start = 3 if bom else 0
    rows, lines = _lines_with_quotes(b"\xef\xbb\xbf"[:start] + text.encode("utf-8"), start)
    expected = [(i, line.removesuffix("\r")) for i, line in enumerate(text.split("\n")) if '"' in line]
    assert list(zip(rows.tolist(), lines, strict=True)) == expected


def test_text_cells_are_read_at_their_offsets_and_a_null_is_never_a_formula() -> None:
    import numpy as np
    import pyarrow as pa

    from wuwei_analysis.tables import write as write_module

    validity = pa.py_buffer(np.packbits([0, 1, 1], bitorder="little"))
    offsets = pa.py_buffer(np.array([0, 3, 6, 8], dtype=np.int64))
    # a null whose bytes are "=a,", then "bcd" and "-x"
    cells = pa.Array.from_buffers(pa.large_string(), 3, [validity, offsets, pa.py_buffer(b"=a,bcd-x")])
    assert write_module._starts_with_formula(cells).tolist() == [False, False, True]
    assert write_module._rendered(cells, True).to_pylist() == ["", "bcd", "'-x"]
    sliced = pa.array(["x", "=y", 'a"b', "z", ""], pa.large_string()).slice(1, 2)
    assert write_module._starts_with_formula(sliced).tolist() == [True, False]
    assert write_module._any_special(sliced) and not write_module._any_special(sliced.slice(0, 1))
    assert write_module._rendered(sliced, True).to_pylist() == ["'=y", '"a""b"']
    empty = pa.array(["", ""], pa.large_string())
    assert not write_module._any_special(empty) and not write_module._starts_with_formula(empty).any()


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=40), chunk=st.integers(1, 8))
def test_byte_positions_found_chunk_by_chunk_are_all_of_them(data: bytes, chunk: int) -> None:
    import numpy as np

    from wuwei_analysis.tables.arrow_csv import _positions

    view = np.frombuffer(data, dtype=np.uint8)
    assert _positions(view, ord('"'), chunk).tolist() == [i for i, b in enumerate(data) if b == ord('"')]


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('a,"合计Tt武 ')), max_size=4))),
    start=st.integers(0, 3),
)
def test_one_pass_over_a_column_finds_whatever_a_cell_holds(cells, start) -> None:
    import pyarrow as pa

    from wuwei_analysis.tables.arrow_text import any_match, column_may_match

    for kind in (pa.string(), pa.large_string()):
        strings = pa.array(cells, kind).slice(start)
        shown = [c for c in strings.to_pylist() if c is not None]
        for pattern, found in ((r'[,"]', any("," in c or '"' in c for c in shown)), ("(?i)合计|total", None)):
            if found is None:
                found = any("合计" in c or "total" in c.lower() for c in shown)
            if found:  # never a miss; a hit across two cells is allowed
                assert any_match(strings, pattern)
        column = pd.Series(pd.array(strings, dtype="str"))
        assert column_may_match(column, "合计") or not any("合计" in c for c in shown)
    assert not any_match(pa.array(["ab", "", None]), "[,]")
