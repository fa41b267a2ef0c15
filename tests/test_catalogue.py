"""A catalogue of bad raw input an analyst will meet, each through `wuwei check` and `wuwei clean`.

Every case asserts a clear message (file, line, column, value), a non-zero exit where the input is
wrong, nothing written on failure, and raw files hashing the same afterwards.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from wuwei_analysis.cli import main

HEADER = "主题,指标代码,指标名称,英文名称,地区,年份,数值,单位,状态,来源,引文"
SOURCES = "source_id,title,authors,year,kind,language\nsrc,Test source,Someone,2025,test,zh\n"


def row(
    value: str = "46个",
    unit: str = "游园",
    region: str = "武威城区",
    name: str = "城市小游园",
    quote: str = "",
) -> str:
    quote = quote or f"累计新建{value}城市小游园"
    return f"urban,urban_pocket_parks,{name},Pocket parks,{region},2025,{value},{unit},累计,src,{quote}"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


class Case:
    """A raw folder in tmp_path, the commands run on it, and what they said."""

    def __init__(self, tmp_path: Path, files: dict[str, bytes]):
        self.raw = tmp_path / "raw"
        self.out = tmp_path / "processed"
        self.raw.mkdir()
        (self.raw / "sources.csv").write_text(SOURCES, encoding="utf-8")
        for name, data in files.items():
            (self.raw / name).write_bytes(data)
        self.before = digest(self.raw)

    def run(self, capsys, *args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        assert digest(self.raw) == self.before, "raw data changed"
        assert "Traceback" not in captured.err + captured.out
        return status, captured.out, captured.err

    def check(self, capsys) -> tuple[int, str]:
        status, out, _ = self.run(capsys, "check", str(self.raw))
        return status, out

    def clean(self, capsys) -> tuple[int, str]:
        status, _, err = self.run(capsys, "clean", "--raw-dir", str(self.raw), "--out-dir", str(self.out))
        return status, err

    def fails(self, capsys, *expected: str) -> str:
        status, out = self.check(capsys)
        assert status == 2, out
        for text in expected:
            assert text in out, f"{text!r} not in:\n{out}"
        status, err = self.clean(capsys)
        assert status == 2
        assert not self.out.exists(), "a failed clean wrote output"
        return out

    def passes(self, capsys) -> pd.DataFrame:
        status, out = self.check(capsys)
        assert status == 0, out
        status, err = self.clean(capsys)
        assert status == 0, err
        return pd.read_parquet(self.out / "indicators.parquet")


def csv_bytes(*rows: str, encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


# 1. encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_encodings_read_the_same(tmp_path, capsys, encoding):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(), encoding=encoding)})
    table = case.passes(capsys)
    assert (table.at[0, "name_zh"], table.at[0, "region_zh"], table.at[0, "value"]) == (
        "城市小游园",
        "武威城区",
        46,
    )


def test_utf8_that_would_decode_as_gbk_is_read_as_utf8(tmp_path, capsys):
    # '武威' in UTF-8 is also valid GBK (as other characters): it must not be read that way.
    assert "武威".encode().decode("gbk", errors="strict") != "武威"
    data = csv_bytes(row(region="武威"), header=HEADER)
    table = Case(tmp_path, {"urban.csv": data}).passes(capsys)
    assert table.at[0, "region_zh"] == "武威市"


# 2. full-width, non-breaking and trailing spaces ----------------------------------------------


def test_full_width_digits_and_spaces(tmp_path, capsys):
    value = "４６个"
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(value=value, region="\u00a0武威城区 "))})
    assert case.passes(capsys).at[0, "value"] == 46


# 3. shifted columns, ragged rows, empty and header-only files ------------------------------------


def test_unquoted_thousands_separator(tmp_path, capsys):
    bad = "urban,urban_old_households_planned,住户,Households,武威市,2025,9,964户,户,计划,src,改造9,964户"
    out = Case(tmp_path, {"urban.csv": csv_bytes(bad)}).fails(capsys, "urban.csv", "9,964")
    assert " 2 " in out


def test_quoted_thousands_separator_is_fine(tmp_path, capsys):
    good = (
        'urban,urban_old_households_planned,住户,Households,武威市,2025,"9,964户",户,计划,src,"改造9,964户"'
    )
    assert Case(tmp_path, {"urban.csv": csv_bytes(good)}).passes(capsys).at[0, "value"] == 9964


def test_ragged_short_row(tmp_path, capsys):
    short = ",".join(row().split(",")[:8])
    Case(tmp_path, {"urban.csv": csv_bytes(row(), short.replace("pocket", "x"))}).fails(capsys, "urban.csv")


@pytest.mark.parametrize(("data", "rule"), [(b"", "empty"), (csv_bytes(), "no data rows")])
def test_empty_and_header_only_files(tmp_path, capsys, data, rule):
    Case(tmp_path, {"urban.csv": data}).fails(capsys, "urban.csv", rule)


# 4. duplicate headers, merged cells, total rows ----------------------------------------------


def test_duplicate_headers(tmp_path, capsys):
    header = HEADER + ",数值"
    Case(tmp_path, {"urban.csv": csv_bytes(row() + ",47个", header=header)}).fails(
        capsys, "urban.csv", "数值"
    )


def test_merged_cells_in_an_xlsx_export_are_filled(tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(row().split(","))
    second = row(value="13.24平方米", unit="平方米/人", quote="人均公园面积达13.24平方米").split(",")
    second[1], second[2] = "urban_park_area_per_person", "人均公园面积"
    second[0] = second[4] = None  # theme and region merged from the row above
    sheet.append(second)
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("E2:E3")
    path = tmp_path / "urban.xlsx"
    book.save(path)
    table = Case(tmp_path, {"urban.xlsx": path.read_bytes()}).passes(capsys)
    assert list(table["region_zh"]) == ["武威城区", "武威城区"]
    assert sorted(table["value"]) == [13.24, 46]


def test_merged_cells_in_a_csv_export_are_reported_with_a_hint(tmp_path, capsys):
    second = row(value="13.24平方米", unit="平方米/人", region="", quote="人均公园面积达13.24平方米")
    second = second.replace("urban_pocket_parks", "urban_park_area_per_person")
    out = Case(tmp_path, {"urban.csv": csv_bytes(row(), second)}).fails(capsys, "empty cell", "merged cells")
    assert re.search(r"urban\.csv\s+3\s+region", out)


def test_total_row(tmp_path, capsys):
    total = row(name="合计").replace("urban_pocket_parks", "urban_total")
    Case(tmp_path, {"urban.csv": csv_bytes(row(), total)}).fails(capsys, "合计", "total row")


# 5. missing-value markers ---------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["NA", "None", "null", "—", "-", "#DIV/0!", ""])
def test_missing_markers_are_errors_in_a_figures_table(tmp_path, capsys, marker):
    bad = row(value=marker, quote="累计新建46个城市小游园")
    out = Case(tmp_path, {"urban.csv": csv_bytes(bad)}).fails(capsys, "urban.csv", "value")
    assert ("empty cell" in out) if marker == "" else (marker in out)


# 6. codes kept as strings ----------------------------------------------------------------------


def test_region_code_with_leading_text_kept_and_excel_notation_explained(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(region="6.206E+05"))})
    case.fails(capsys, "6.206E+05", "scientific notation")


def test_region_code_is_kept_as_a_string(tmp_path, capsys):
    table = Case(tmp_path, {"urban.csv": csv_bytes(row(region="620622"))}).passes(capsys)
    assert table.at[0, "region_code"] == "620622" and table.at[0, "region_zh"] == "古浪县"


# 7. qualifiers and the percentage scale -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "qualifier"), [("1000多名", "more_than"), ("约500人", "about"), ("近20人", "about")]
)
def test_approximate_values_keep_their_qualifier(tmp_path, capsys, value, qualifier):
    line = row(value=value, unit="人", quote=f"服务{value}").replace("urban_pocket_parks", "urban_people")
    table = Case(tmp_path, {"urban.csv": csv_bytes(line)}).passes(capsys)
    assert table.at[0, "qualifier"] == qualifier


@pytest.mark.parametrize(
    ("value", "unit", "expected"), [("70%", "", 70.0), ("70", "%", 70.0), ("７０％", "", 70.0)]
)
def test_percentages_land_on_one_scale(tmp_path, capsys, value, unit, expected):
    line = row(value=value, unit=unit, quote=f"已完成{value}").replace("urban_pocket_parks", "urban_progress")
    table = Case(tmp_path, {"urban.csv": csv_bytes(line)}).passes(capsys)
    assert (table.at[0, "value"], table.at[0, "unit"]) == (expected, "percent")


def test_a_bare_fraction_in_a_percent_column_is_ambiguous(tmp_path, capsys):
    line = row(value="0.7", unit="%", quote="已完成0.7").replace("urban_pocket_parks", "urban_progress")
    Case(tmp_path, {"urban.csv": csv_bytes(line)}).fails(capsys, "ambiguous percentage", "0.7")


# 8. implausible values, unknown places and units ----------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"value": "-46个"}, "below 0"),
        ({"value": "170%", "unit": "%"}, "above 100"),
        ({"region": "兰州市"}, "region not in the reference data"),
        ({"unit": "公顷"}, "unknown unit"),
    ],
)
def test_implausible_values_have_hints(tmp_path, capsys, kwargs, expected):
    Case(tmp_path, {"urban.csv": csv_bytes(row(**kwargs))}).fails(capsys, expected)


def test_future_year(tmp_path, capsys):
    line = row().replace(",2025,", ",2999,")
    Case(tmp_path, {"urban.csv": csv_bytes(line)}).fails(capsys, "year is in the future", "2999")


# 9. the same figure twice, and conflicts across files -----------------------------------------


def test_identical_figure_twice(tmp_path, capsys):
    Case(tmp_path, {"urban.csv": csv_bytes(row(), row())}).fails(capsys, "duplicate figure")


def test_conflicting_values_across_files(tmp_path, capsys):
    files = {"urban.csv": csv_bytes(row()), "urban_2.csv": csv_bytes(row(value="47个"))}
    Case(tmp_path, files).fails(capsys, "conflicting figure", "urban_2.csv", "47个")


# a folder or single files ---------------------------------------------------------------------


def test_check_accepts_single_files(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(unit="公顷"))})
    status, out, _ = case.run(capsys, "check", str(case.raw / "urban.csv"), str(case.raw / "sources.csv"))
    assert status == 2 and "公顷" in out


def test_check_of_one_file_uses_the_sources_table_beside_it(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row())})
    status, out, _ = case.run(capsys, "check", str(case.raw / "urban.csv"))
    assert status == 0, out


def test_check_of_a_missing_path_is_a_clear_error(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row())})
    status, out, _ = case.run(capsys, "check", str(tmp_path / "nope.csv"))
    assert status == 2 and "nope.csv" in out and "no such file or folder" in out


# 11. parameter values are never silently converted ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("010", "010"),
        ("1:1.22", "1:1.22"),
        ("no", "no"),
        ("6.206E+05", "6.206E+05"),
        ("2025", 2025),
        ("1.5", 1.5),
    ],
)
def test_build_parameter_values_keep_what_was_typed(typed, expected):
    from wuwei_analysis.build.options import parse_value

    value = parse_value(typed)
    assert value == expected and type(value) is type(expected)


def test_unknown_injected_parameter_is_refused_with_the_declared_names():
    from wuwei_analysis.cells import assigned_names
    from wuwei_analysis.errors import ParameterError
    from wuwei_analysis.report.params import THEME_PARAMETERS, reject_unknown_parameters

    injected = assigned_names('# Parameters\nlang = "en"\ncolour = "red"\n')
    assert injected == {"lang", "colour"}
    with pytest.raises(ParameterError, match="unknown parameter 'colour'; this notebook takes: theme, lang"):
        reject_unknown_parameters(THEME_PARAMETERS, injected)
    reject_unknown_parameters(THEME_PARAMETERS, {"lang", "region"})  # declared names pass


@pytest.mark.slow
def test_papermill_run_with_an_unknown_parameter_stops_the_notebook(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from wuwei_analysis import config

    with pytest.raises(PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(config.NOTEBOOKS_DIR / "theme.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"lang": "en", "colour": "red", "reports_dir": str(tmp_path / "reports")},
            kernel_name="python3",
            progress_bar=False,
        )
    assert caught.value.ename == "ParameterError"
    assert "unknown parameter 'colour'" in caught.value.evalue


@pytest.mark.slow
def test_papermills_own_cli_runs_a_theme_notebook(tmp_path):
    """`papermill notebooks/theme.ipynb out.ipynb -p theme health -p lang en` works for papermill's users."""
    import subprocess
    import sys

    import nbformat

    from wuwei_analysis import config

    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [str(papermill), str(config.NOTEBOOKS_DIR / "theme.ipynb"), str(out), "-p", "theme", "health", "-p", "lang", "en",
         "-p", "reports_dir", str(tmp_path / "reports"), "--no-progress-bar"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    html = "".join(
        output.get("data", {}).get("text/html", "")
        for cell in nbformat.read(out, as_version=4).cells
        for output in cell.get("outputs", [])
    )
    health = pd.read_parquet(config.PROCESSED_DATA_DIR / "indicators.parquet").query("theme == 'health'")
    assert all(name in html for name in health["name_en"])
    assert (
        config.figures_dir(tmp_path / "reports", "en", config.DEFAULT_REGION, config.DEFAULT_YEAR)
        / "health_trained_by_role.png"
    ).exists()


# 15. an output folder that cannot be written ---------------------------------------------------


def test_clean_into_an_unwritable_folder_is_a_clear_error(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row())})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    status, _, err = case.run(
        capsys, "clean", "--raw-dir", str(case.raw), "--out-dir", str(blocker / "processed")
    )
    assert status == 4
    assert "cannot write" in err and "not-a-folder" in err
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def test_a_full_disk_while_cleaning_keeps_every_previous_processed_file(tmp_path, capsys, monkeypatch):
    import errno
    import pathlib

    case = Case(tmp_path, {"urban.csv": csv_bytes(row())})
    assert case.clean(capsys)[0] == 0
    before = digest(case.out)
    (case.raw / "urban.csv").write_bytes(csv_bytes(row(value="47个")))  # new figure to write
    case.before = digest(case.raw)
    real_write = pathlib.Path.write_bytes
    written = []

    def fill_up(self, data):
        if len(written) == 5:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        written.append(self)
        return real_write(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", fill_up)
    status, err = case.clean(capsys)
    assert status == 4 and "No space left on device" in err
    assert digest(case.out) == before, "a processed file was replaced by a partial write"
    assert not [p for p in case.out.iterdir() if p.name.endswith(".tmp")]


# issue 10: safe output ------------------------------------------------------------------------


def test_control_characters_are_shown_escaped_in_the_check_table(tmp_path, capsys):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(unit="\x1b[2J\x1b]0;pwned\x07公顷"))})
    out = case.fails(capsys, "unknown unit")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in out


@pytest.mark.parametrize(
    "char, rule", [("\x00", "NUL character in a cell"), ("\ufeff", "byte order mark (U+FEFF) inside a cell")]
)
def test_nul_and_a_stray_byte_order_mark_inside_a_cell_are_errors(tmp_path, capsys, char, rule):
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(name=f"城市{char}小游园"))})
    out = case.fails(capsys, rule, "urban.csv", "指标名称")
    assert char not in out


def test_csv_cells_that_excel_would_run_are_neutralised_parquet_keeps_the_text(tmp_path, capsys):
    quote = '=HYPERLINK("http://e.org","新建46个")'
    case = Case(tmp_path, {"urban.csv": csv_bytes(row(quote=f'"{quote.replace(chr(34), chr(34) * 2)}"'))})
    table = case.passes(capsys)
    assert table.at[0, "quote"] == quote  # the true text
    text = (case.out / "indicators.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text and ",=HYPERLINK(" not in text and ',"=HYPERLINK(' not in text


def test_neutralise_formula_follows_owasp():
    from wuwei_analysis.tables.write import neutralise_formula

    for text in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_formula(text) == "'" + text
    for value in ("武威", "1,437", "", 12.5, None):
        assert neutralise_formula(value) == value


def test_a_symlink_leaving_the_raw_folder_is_refused_not_followed(tmp_path, capsys):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    case = Case(tmp_path, {"urban.csv": csv_bytes(row())})
    (case.raw / "passwd.csv").symlink_to(secret)
    case.before = digest(case.raw)
    out = case.fails(capsys, "symbolic link leading outside the raw folder", "passwd.csv")
    assert "root:x" not in out
