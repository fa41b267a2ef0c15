"""wuwei extract: figures found in the bundled article and in synthetic texts, traps left out,
the draft format, the command's exit codes and summary."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from wuwei_analysis import config, extract
from wuwei_analysis.cli import main
from wuwei_analysis.extract.context import MAX_QUOTE
from wuwei_analysis.extract.review import highlighted_html

TEXTS = Path(__file__).parent / "extract_texts"
ARTICLE = config.SOURCES_DIR / "000_8cc33e0044cfc9fd.txt"
needs_article = pytest.mark.skipif(not ARTICLE.is_file(), reason=f"source article not found at {ARTICLE}")
HEADER = (
    "theme,indicator_id,name_zh,name_en,region,year,value,unit,period,status,source_id,quote,confidence,note"
)


def by_line(draft: extract.Draft) -> dict[int, list[dict]]:
    """Draft rows grouped by the line of the text they come from."""
    lines: dict[int, list[dict]] = {}
    for row in draft.rows.to_dict("records"):
        lines.setdefault(draft.article.line_of(row["_start"]), []).append(row)
    return lines


def line_number(path: Path, sentence: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if sentence in line)


# ------------------------------------------------------------------ the bundled article
def raw_figures() -> pd.DataFrame:
    tables = [
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(config.RAW_DATA_DIR.glob("*.csv"))
        if not p.name.startswith(("measures", "sources"))
    ]
    return pd.concat(tables, ignore_index=True).rename(columns={"数值": "value", "引文": "quote"})


@pytest.fixture(scope="module")
def bundled() -> extract.Draft:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found at {ARTICLE}")
    return extract.extract(ARTICLE, extract.Options(source_id="wuwei_minsheng_2025"))


@needs_article
def test_every_raw_figure_is_found_with_its_value_and_quote(bundled):
    raw = raw_figures()
    assert len(raw) >= 25
    drafted = bundled.rows
    for figure in raw.itertuples():
        rows = drafted[drafted["value"] == figure.value]
        assert len(rows) == 1, f"{figure.value} drafted {len(rows)} times"
        quote = rows.iloc[0]["quote"]
        assert figure.value in quote and len(quote) <= MAX_QUOTE
        assert quote in bundled.article.text  # verbatim
        # The draft's clause and the table's clause are the same place in the article.
        assert figure.quote in quote or quote in figure.quote or figure.quote[:6] in quote


@needs_article
def test_every_other_drafted_row_is_reviewed_in_the_expected_file(bundled):
    raw_values = set(raw_figures()["value"])
    extra = bundled.rows[~bundled.rows["value"].isin(raw_values)][["value", "quote"]]
    expected = pd.read_csv(TEXTS / "bundled_expected_extra.csv", dtype=str)[["value", "quote"]]
    assert extra.reset_index(drop=True).equals(expected), extra.to_string()


@needs_article
def test_bundled_guesses_for_a_few_rows(bundled):
    rows = bundled.rows.set_index("value")
    assert rows.loc["49个", "status"] == "planned" and rows.loc["49个", "theme"] == "urban"
    assert rows.loc["70%", "status"] == "in_progress" and rows.loc["70%", "period"] == "as_of"
    assert rows.loc["46个", "period"] == "cumulative" and rows.loc["46个", "region"] == "武威城区"
    assert rows.loc["73所", "period"] == "year_to_date"  # from the lead of the list (今年以来)
    assert rows.loc["848人", "theme"] == "health" and rows.loc["23所", "theme"] == "elderly_care"
    assert rows.loc["54岁", "confidence"] <= 0.3


def test_no_indicator_id_of_the_raw_tables_is_written_in_the_extractor():
    ids = set(raw_figures()["指标代码"])
    package = Path(extract.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not [i for i in ids if i in text], path


# ------------------------------------------------------------------ value forms
FORMS = TEXTS / "forms.txt"
FORM_CASES = [
    ("新增就业岗位1.2万个", "1.2万个"),
    ("发放各类补贴3亿元", "3亿元"),
    ("组织1000多名志愿者", "1000多名"),
    ("安置房500余套", "500余套"),
    ("逾300名学生", "逾300名"),
    ("约500户居民", "约500户"),
    ("近20所学校", "近20所"),
    ("家政人员200人左右", "200人左右"),
    ("惠及5万户以上", "5万户以上"),
    ("超过20%的社区", "超过20%"),
    ("不足10个村", "不足10个"),
    ("占比不到8%", "不到8%"),
    ("至少3家医院", "至少3家"),
    ("降至2%以下", "2%以下"),
    ("覆盖率达七十三点五%", "七十三点五%"),
    ("参保人数达七十三点五万人", "七十三点五万人"),
    ("新建１４３７个停车位", "１４３７个"),
    ("比值达1:1.3", "1:1.3"),
    ("提高到815元/月", "815元/月"),
    ("为2至3岁幼儿", "2至3岁"),
    ("建成3-5个示范点", "3-5个"),
    ("提高2.5个百分点", "2.5个百分点"),
    ("新建养老院十二所", "十二所"),
]


@pytest.fixture(scope="module")
def forms() -> dict[int, list[dict]]:
    return by_line(extract.extract(FORMS))


@pytest.mark.parametrize("sentence, value", FORM_CASES)
def test_value_forms_are_drafted_as_written(forms, sentence, value):
    rows = forms.get(line_number(FORMS, sentence), [])
    assert [r["value"] for r in rows] == [value]
    assert value in rows[0]["quote"] and sentence in rows[0]["quote"]


def test_value_forms_are_read_by_the_cleaner_the_way_they_are_written(forms):
    from wuwei_analysis.tables.parse import parse_values

    values = [row["value"] for rows in forms.values() for row in rows]
    parsed = parse_values(pd.Series(values)).set_index(pd.Index(values))
    assert (parsed["error"] == "").all(), parsed[parsed["error"] != ""]
    assert parsed.loc["七十三点五%", "value"] == 73.5 and parsed.loc["七十三点五万人", "value"] == 735000
    assert (
        parsed.loc["5万户以上", "qualifier"] == "at_least" and parsed.loc["2%以下", "qualifier"] == "at_most"
    )
    assert parsed.loc["815元/月", "counter"] == "元/月" and parsed.loc["1:1.3", "kind"] == "ratio"


def test_every_form_line_has_a_case(forms):
    assert sum(len(rows) for rows in forms.values()) == len(FORM_CASES)


# ------------------------------------------------------------------ traps
TRAPS = TEXTS / "traps.txt"
TRAP_CASES = [
    ("2024年1月5日", ["300个"]),  # a date
    ("2016年以来", ["60个"]),  # a start year
    ("第五届运动会在第一人民医院", ["12支"]),  # ordinals
    ("“十四五”规划和“三抓三促”", []),  # plan and campaign names
    ("(1)新建公园5座", ["5座", "8条"]),  # list markers
    ("1. 新建公园7座", ["7座"]),
    ("天顺苑3栋2单元", []),  # an address
    ("0935-2212345", []),  # phone numbers and a postal code
    ("5G基站建成120个", ["120个"]),  # a model name
    ("一座座公园", []),  # reduplicated numerals are not counts
    ("“一老一小”", []),
]


@pytest.fixture(scope="module")
def traps() -> dict[int, list[dict]]:
    return by_line(extract.extract(TRAPS))


@pytest.mark.parametrize("sentence, values", TRAP_CASES)
def test_traps_are_not_drafted(traps, sentence, values):
    rows = traps.get(line_number(TRAPS, sentence), [])
    assert [r["value"] for r in rows] == values


def test_age_limits_are_drafted_only_at_low_confidence_with_a_note(traps):
    rows = traps.get(line_number(TRAPS, "40周岁以上"), [])
    assert rows, "expected the age limits as low-confidence rows"
    for row in rows:
        assert row["confidence"] <= 0.3 and "age limit" in row["note"]


# ------------------------------------------------------------------ repeats, summary, HTML
def test_a_figure_stated_twice_is_one_row_and_a_same_value_elsewhere_is_not():
    draft = extract.extract(TEXTS / "repeat.txt")
    twelve = draft.rows[draft.rows["value"] == "12个"]
    assert list(twelve["theme"]) == ["urban", "elderly_care"]
    assert "stated again on line 3" in twelve.iloc[0]["note"]
    assert len(draft.found) == len(draft.rows) + 1


def test_highlighted_article_marks_every_figure_and_escapes_the_text(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("# synthetic\n<b>新建公园3座</b>，其中12个免费。\n", encoding="utf-8")
    html = str(highlighted_html(extract.extract(article)))
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert html.count("<mark") == 2 and ">3座</mark>" in html


# ------------------------------------------------------------------ the command
def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["extract", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_writes_the_draft_and_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "draft.csv"
    code, printed, _ = run(capsys, TEXTS / "repeat.txt", "--out", out, "--source-id", "s1", "--year", "2026")
    assert code == 0
    assert out.read_text(encoding="utf-8").splitlines()[0] == HEADER
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (
        len(rows) == 4 and {r["source_id"] for r in rows} == {"s1"} and {r["year"] for r in rows} == {"2026"}
    )
    assert "4 figure(s) drafted" in printed
    assert "unit words missing from data/reference/units.csv: 1" in printed
    assert "张: suggested row  ?,张,,count,张,张,0," in printed
    assert "places not in data/reference/regions.csv: 1" in printed and "白银市" in printed


def test_command_refuses_to_write_into_the_raw_folder(tmp_path, capsys):
    out = config.RAW_DATA_DIR / "draft_from_test.csv"
    code, _, err = run(capsys, TEXTS / "repeat.txt", "--out", out)
    assert code == 2 and "refusing" in err and not out.exists()
    code, _, _ = run(capsys, TEXTS / "repeat.txt", "--out", config.RAW_DATA_DIR / "sub" / "d.csv")
    assert code == 2 and not (config.RAW_DATA_DIR / "sub").exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.txt", None, "no such file"),
        ("bad.txt", b"\xff\xfe\xfd\x80", "not UTF-8 or GB18030"),
        ("article.pdf", b"%PDF-1.4", "cannot read .pdf files"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, capsys, name, content, message):
    article = tmp_path / name
    if content is not None:
        article.write_bytes(content)
    code, _, err = run(capsys, article, "--out", tmp_path / "d.csv")
    assert code == 2
    assert message in err and name in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "d.csv").exists()


def test_gb18030_article_reads_like_utf8(tmp_path):
    text = FORMS.read_text(encoding="utf-8")
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    gb = extract.extract(tmp_path / "gb.txt").rows["value"].tolist()
    assert gb == extract.extract(FORMS).rows["value"].tolist()


def test_html_article_drops_scripts_and_styles_and_keeps_inline_figures():
    draft = extract.extract(TEXTS / "page.html")
    assert draft.rows["value"].tolist() == ["46个", "13.24平方米"]
    for hidden in ("999", "888", "777", "666", "width"):
        assert hidden not in draft.article.text


# ------------------------------------------------------------------ the review notebook
NOTEBOOK = config.NOTEBOOKS_DIR / "extract.ipynb"


def test_review_notebook_is_committed_clean():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_review_notebook_runs_with_papermill(tmp_path):
    import nbformat
    from notebook_runs import Run, execute

    parameters = {"article": str(TEXTS / "repeat.txt"), "source_id": "s1", "region": "民勤县", "year": "2026"}
    run = execute(Run("extract", NOTEBOOK, parameters, output=tmp_path / "out.ipynb"))
    assert run.error == ""
    html = "".join(
        str(output.get("data", {}).get("text/html", ""))
        for cell in nbformat.read(run.output, as_version=4).cells
        for output in cell.get("outputs", [])
    )
    assert "<mark" in html and "12个</mark>" in html  # the article, highlighted
    assert "白银市" in html and "张" in html  # places and unit words to add
