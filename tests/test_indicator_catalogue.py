"""The indicator catalogue: read once, checked, and the only place indicator ids are named.

Charts and commentary take their groups, order and calculated figures from it; a figure without a
catalogue row still shows in its theme, and `wuwei check` warns about it without failing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import catalogue, config
from wuwei_analysis.cli import main
from wuwei_analysis.errors import DataError
from wuwei_analysis.report import charts, commentary, derived
from wuwei_analysis.tables import clean

PACKAGE = config.PACKAGE_DIR


def raw_ids() -> set[str]:
    """Every indicator_id of the bundled raw tables."""
    result = clean.process(clean.raw_files(config.RAW_DATA_DIR))
    return set(result.indicators["indicator_id"].astype(str))


def files_naming(ids: set[str], folder: Path, pattern: str) -> dict[str, list[str]]:
    """file → the ids it names (whole words), for the files under ``folder`` matching ``pattern``."""
    words = re.compile(r"\b(" + "|".join(map(re.escape, sorted(ids))) + r")\b")
    found = {}
    for path in sorted(folder.rglob(pattern)):
        hits = sorted(set(words.findall(path.read_text(encoding="utf-8"))))
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


# ---------------------------------------------------------------- no ids in code


def test_no_indicator_id_of_the_raw_data_in_the_package_code():
    ids = raw_ids()
    assert len(ids) >= 20
    assert files_naming(ids, PACKAGE, "*.py") == {}


def test_templates_name_groups_and_roles_not_indicator_ids():
    assert files_naming(raw_ids(), PACKAGE / "templates", "*.j2") == {}


def test_the_id_scan_finds_a_planted_id(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text('X = ("urban_pocket_parks",)\nY = "urban_pocket_parks_2"\n')
    assert files_naming({"urban_pocket_parks"}, tmp_path, "*.py") == {"sub/m.py": ["urban_pocket_parks"]}


# ---------------------------------------------------------------- the bundled catalogue


def test_every_bundled_figure_has_a_row_and_every_row_a_figure():
    indicators = clean.process(clean.raw_files(config.RAW_DATA_DIR)).indicators
    assert catalogue.missing(indicators) == []
    assert catalogue.unused(indicators) == []


def test_bundled_rows_are_complete_and_comparability_links_go_both_ways():
    known = catalogue.load().indicators
    for item in known.values():
        for column in ("name_zh", "name_en", "definition_zh", "definition_en", "unit"):
            assert getattr(item, column), f"{item.indicator_id}: {column} is blank"
        for other in item.compare_with:
            assert item.indicator_id in known[other].compare_with, (item.indicator_id, other)
        if item.calculated:
            assert item.definition_en.startswith("Calculated") and item.definition_zh.startswith("计算值")
    progress = [i for i in known.values() if i.compare_with and i.unit == "percent"]
    assert progress and all(len(i.compare_with) >= 1 for i in progress)


def test_charts_and_prose_groups_keep_their_catalogue_order():
    known = catalogue.load()
    health = known.charts("health")
    assert [g.kind for g in health] == ["roles", "panels"]
    assert [g.key for g in known.charts("urban")][0] == "renovation_plan_progress"
    network = known.charts("elderly_care")[0].members
    prose = known.prose("elderly_care")["network"].members
    assert set(network) == set(prose) and network != prose  # chart and prose orders are each their own


def _copy_reference(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, folder)
    return folder


@pytest.mark.parametrize(
    ("column", "old", "new", "rule"),
    [
        ("chart", ",trained_by_role,1,", ",no_such_chart,1,", "no chart of this theme"),
        ("inputs", "|health_trained_nurses|", "|health_trained_nurse|", "no such indicator"),
        ("operation", ",difference_from_100,", ",minus,", "not one of"),
        ("unit", ",m2_per_person,,人均公园面积", ",acres,,人均公园面积", "not a unit_id"),
    ],
)
def test_a_mistake_in_the_catalogue_names_file_line_column_and_value(tmp_path, column, old, new, rule):
    folder = _copy_reference(tmp_path)
    path = folder / "indicators.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as error:
        catalogue.load(folder)
    problem = next(p for p in error.value.problems if p.column == column)
    assert rule in problem.rule and problem.line and problem.line > 1
    assert problem.file.endswith("indicators.csv")


def test_a_headline_without_a_catalogue_row_is_a_problem(tmp_path):
    folder = _copy_reference(tmp_path)
    with (folder / "headlines.csv").open("a", encoding="utf-8") as handle:
        handle.write("urban,urban_unknown\n")
    with pytest.raises(DataError, match="urban_unknown"):
        catalogue.load(folder)


# ---------------------------------------------------------------- figures without a row


def _with_unlisted(theme: str, unit: str = "parks") -> pd.DataFrame:
    frame = pf.indicators()
    frame = frame[(frame["theme"] == theme) & (frame["region_code"] == "620600")]
    extra = frame.iloc[[0]].assign(indicator_id=f"{theme}_new_figure", name_zh="新指标", name_en="A new figure",
                                   value=12.0, unit=unit, unit_zh="个", unit_en=unit, qualifier="exact")  # fmt: skip
    return pd.concat([frame, extra], ignore_index=True)


@pytest.mark.parametrize("theme", ["health", "urban"])
def test_a_figure_without_a_row_is_drawn_among_the_other_figures(theme):
    frame = _with_unlisted(theme)
    drawn = charts.theme_charts(frame, pf.sources(), theme=theme, lang="en", region_zh="武威市",
                                region_name="Wuwei City", year=2025)  # fmt: skip
    other = [c for c in drawn if c.name == f"{theme}_other"]
    assert len(other) == 1 and f"{theme}_new_figure" in other[0].indicator_ids
    assert all(f"{theme}_new_figure" not in c.indicator_ids for c in drawn if c is not other[0])


def test_a_figure_without_a_row_is_stated_in_the_commentary_last():
    frame = _with_unlisted("education", "projects")
    html = str(commentary.build_commentary(frame, pf.measures().iloc[0:0], theme="education", lang="en",
                                           region_zh="武威市", region_name="Wuwei City", year=2025))  # fmt: skip
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", html, re.DOTALL)
    assert paragraphs[-2].startswith("The source also gives:")  # the last before the limits
    assert "A new figure, 12 projects" in paragraphs[-2]


def test_wuwei_check_warns_about_a_figure_without_a_row_and_exits_zero(tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(config.RAW_DATA_DIR, raw)
    with (raw / "urban.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "urban,urban_new_figure,新指标,A new figure,武威市,2025,12个,游园,,,wuwei_minsheng_2025,新指标12个,\n"
        )
    assert main(["check", str(raw)]) == 0
    captured = capsys.readouterr()
    warning = [line for line in captured.err.splitlines() if "urban_new_figure" in line]
    assert len(warning) == 1
    assert "urban.csv, line 9, column 'indicator_id'" in warning[0] and "no row in" in warning[0]
    assert "ok: no problems" in captured.out


def test_wuwei_check_is_silent_on_the_bundled_data(capsys):
    assert main(["check", str(config.RAW_DATA_DIR)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_catalogue_row_no_figure_uses_is_a_warning():
    frame = pf.indicators()
    frame = frame[frame["indicator_id"] != "urban_pocket_parks"]
    unused = catalogue.unused(frame)
    assert [p.value for p in unused] == ["urban_pocket_parks"]
    assert catalogue.unused(frame[frame["theme"] != "urban"]) == []  # only the themes the data has


# ---------------------------------------------------------------- calculated figures


def _figures(*rows: tuple[str, float, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "value", "unit", "qualifier"])


def _row(indicator_id: str, operation: str, *inputs: str, unit: str = "persons") -> catalogue.Indicator:
    return catalogue.Indicator(
        indicator_id=indicator_id, theme="health", order=1, prose="", role="", chart="", chart_order=0,
        unit=unit, name_zh="", name_en="", definition_zh="计算值", definition_en="Calculated",
        compare_with=(), operation=operation, inputs=inputs,
    )  # fmt: skip


def test_each_operation_from_named_inputs():
    frame = _figures(("a", 30, "persons", "exact"), ("b", 70, "persons", "exact"), ("p", 70, "percent", "exact"),
                     ("n", 9964, "households", "exact"), ("m", 233, "buildings", "exact"))  # fmt: skip
    rows = [
        _row("total", "sum", "a", "b"),
        _row("a_share", "share", "a", "total"),
        _row("rest", "difference_from_100", "p"),
        _row("per_building", "ratio", "n", "m", unit="households"),
    ]
    result = derived.calculate(frame, rows)
    assert {k: round(v.value, 2) for k, v in result.items()} == {
        "total": 100, "a_share": 30.0, "rest": 30, "per_building": 42.76}  # fmt: skip
    assert all(v.calculated for v in result.values())
    assert result["a_share"].inputs == ("a", "total") and result["total"].unit == "persons"
    assert commentary.format_calculated(result["a_share"], "en") == "30%"
    assert commentary.format_calculated(result["total"], "en") == "100 persons"


@pytest.mark.parametrize(
    "frame",
    [
        _figures(("a", 30, "persons", "about"), ("b", 70, "persons", "exact")),  # approximate
        _figures(("a", 30, "persons", "exact"), ("a", 31, "persons", "exact"), ("b", 70, "persons", "exact")),
        _figures(("a", 30, "persons", "exact"), ("b", 70, "institutions", "exact")),  # two units
        _figures(("a", 30, "persons", "exact")),  # one input only
        _figures(("a", 30, "percent", "exact"), ("b", 70, "percent", "exact")),  # not a count
    ],
)
def test_no_sum_rather_than_a_wrong_one(frame):
    assert derived.calculate(frame, [_row("total", "sum", "a", "b")]) == {}


def test_no_remaining_share_above_100_percent():
    assert (
        derived.calculate(_figures(("p", 120, "percent", "exact")), [_row("r", "difference_from_100", "p")])
        == {}
    )


def test_calculated_numbers_are_marked_in_the_commentary():
    html = str(commentary.build_commentary(pf.indicators().query("theme == 'health' and region_code == '620600'"),
                                           pf.measures().iloc[0:0], theme="health", lang="zh", region_zh="武威市",
                                           region_name="武威市", year=2025))  # fmt: skip
    marked = re.findall(r'<span class="wuwei-calculated" title="([^"]*)">([^<]*)</span>', html)
    assert ("3270人" in [text for _, text in marked]) and "43.9%" in [text for _, text in marked]
    assert all(title.startswith("计算值") for title, _ in marked)
    assert "848人" not in [text for _, text in marked]  # a stated figure is not marked
