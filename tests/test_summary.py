"""The summary: compare() on tiny frames, its parameters, its HTML without a kernel, one run end to end.

The HTML parts are built from ``summary.setup`` on the bundled raw data cleaned
into a temporary folder, with a "previous build" made from a copy of it (one
figure changed, one removed, one added), in both languages, and once more on
names that are markup payloads with no previous build. The notebook itself runs
twice, two at a time with WUWEI_STRICT_GLYPHS=1 so a missing glyph fails it: in
English with papermill and a previous build, and with its defaults through
nbclient, as a JupyterLab user runs it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from html import unescape
from types import SimpleNamespace

import nbformat
import pandas as pd
import papermill
import processed_fixture as pf
import pytest
from markupsafe import Markup
from notebook_runs import Run, execute_all

from wuwei_analysis import config, reference
from wuwei_analysis.errors import DataError, ParameterError
from wuwei_analysis.report import changes, context, html, params, summary

NOTEBOOK = config.NOTEBOOKS_DIR / "summary.ipynb"
NAN = float("nan")
LIVE_MARKUP = re.compile(r"<\s*(img|script)\b|(href|src)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
CJK = re.compile(r"[\u3400-\u9fff]")
HEADINGS = {
    "zh": ("主要数字", "全部数字", "无数字领域的举措", "与上一年相比", "自上次发布以来修订的数字", "资料来源"),
    "en": ("Headline figures", "All figures", "Measures of the themes without figures", "Since last year",
           "Figures revised since the last publication", "Sources"),
}  # fmt: skip
BUILD_WORDS = ("构建", "build")  # internal details a reader should not meet
CHANGE_WORDS = {"zh": ("新增", "修订", "删除"), "en": ("new", "revised", "removed")}


# ---------------------------------------------------------------- compare()


def _frame(rows: list[tuple]) -> pd.DataFrame:
    columns = ["theme", "indicator_id", "name_zh", "name_en", "region_code", "region_zh", "region_en", "year",
               "value", "value_high", "unit", "qualifier", "value_as_written"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


CITY = ("620600", "武威市", "Wuwei City")
VILLAGE = ("620622", "古浪县新堡乡兴民新村", "Xingmin New Village")


def _row(theme, indicator_id, place, value, unit="persons", qualifier="exact", high=NAN, written=""):
    return (theme, indicator_id, f"{indicator_id}_zh", f"{indicator_id}_en", *place, 2025, value, high, unit,
            qualifier, written)  # fmt: skip


def test_compare_finds_new_changed_and_removed_rows_and_nothing_else():
    previous = _frame(
        [
            _row("health", "same", CITY, 5, written="5人"),  # unchanged (value_high NaN on both sides)
            _row("health", "value", CITY, 848, written="848人"),  # value changes
            _row("education", "range", CITY, 2, "years_of_age", "range", high=3),  # value_high changes
            _row("elderly_care", "qualifier", VILLAGE, 1000, qualifier="exact"),  # qualifier changes
            _row("urban", "unit", CITY, 46, "parks"),  # unit changes
            _row("urban", "gone", CITY, 9964, "households", written="9964户"),  # removed
            _row("health", "same", VILLAGE, 7),  # same id, other place: unchanged
            _row("health", "same_written", CITY, 8, written="八"),  # only as-written differs: unchanged
        ]
    )
    current = _frame(
        [
            _row("health", "same", CITY, 5, written="5人"),
            _row("health", "value", CITY, 2848, written="2848人"),
            _row("education", "range", CITY, 2, "years_of_age", "range", high=4),
            _row("elderly_care", "qualifier", VILLAGE, 1000, qualifier="more_than"),
            _row("urban", "unit", CITY, 46, "compounds"),
            _row("health", "same", VILLAGE, 7),
            _row("health", "same_written", CITY, 8, written="8项"),
            _row("employment", "added", CITY, 12, written="12人"),  # new
        ]
    )
    result = changes.compare(previous, current)

    def expect(change, theme, indicator_id, place, old, new):
        """old / new: (value, value_high, unit, qualifier, value_as_written) or None for no row."""
        empty = (NAN, NAN, "", "", "")
        old, new = old or empty, new or empty
        return [change, theme, indicator_id, f"{indicator_id}_zh", f"{indicator_id}_en", place[0], place[1],
                place[2], 2025, old[0], new[0], old[1], new[1], old[2], new[2], old[3], new[3], old[4], new[4]]  # fmt: skip

    expected = pd.DataFrame(
        [
            expect("new", "employment", "added", CITY, None, (12, NAN, "persons", "exact", "12人")),
            expect("changed", "education", "range", CITY, (2, 3, "years_of_age", "range", ""),
                   (2, 4, "years_of_age", "range", "")),
            expect("changed", "health", "value", CITY, (848, NAN, "persons", "exact", "848人"),
                   (2848, NAN, "persons", "exact", "2848人")),
            expect("changed", "elderly_care", "qualifier", VILLAGE, (1000, NAN, "persons", "exact", ""),
                   (1000, NAN, "persons", "more_than", "")),
            expect("changed", "urban", "unit", CITY, (46, NAN, "parks", "exact", ""),
                   (46, NAN, "compounds", "exact", "")),
            expect("removed", "urban", "gone", CITY, (9964, NAN, "households", "exact", "9964户"), None),
        ],  # fmt: skip
        columns=changes.CHANGE_COLUMNS,
    ).astype({"year": "int64", "old_value": float, "new_value": float, "old_value_high": float,
              "new_value_high": float})  # fmt: skip
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)
    assert list(result["change"]) == ["new", "changed", "changed", "changed", "changed", "removed"]


def test_compare_of_equal_tables_is_empty_and_keeps_its_columns():
    frame = _frame([_row("health", "a", CITY, 1), _row("urban", "b", VILLAGE, 2.5, "percent")])
    result = changes.compare(frame, frame.sample(frac=1, random_state=1))
    assert result.empty and list(result.columns) == changes.CHANGE_COLUMNS


def test_compare_against_nothing_lists_every_row_as_new():
    current = _frame([_row("health", "a", CITY, 1), _row("urban", "b", CITY, 2)])
    result = changes.compare(current.iloc[0:0], current)
    assert list(result["change"]) == ["new", "new"] and list(result["new_value"]) == [1.0, 2.0]


def test_compare_refuses_duplicate_keys():
    frame = _frame([_row("health", "a", CITY, 1), _row("health", "a", CITY, 2)])
    with pytest.raises(DataError, match="more than one row"):
        changes.compare(frame, frame.iloc[:1])


# ---------------------------------------------------------------- scope, themes, headlines


def test_region_scope_holds_the_places_below_it():
    assert context.region_codes("620600") == {"620600", "620602", "620621", "620622", "620623"}
    assert context.region_codes("620622") == {"620622"}
    frame = _frame([_row("health", "a", CITY, 1), _row("health", "b", VILLAGE, 2)])
    assert list(frame[context.in_scope(frame, "620600", None)]["indicator_id"]) == ["a", "b"]
    assert list(frame[context.in_scope(frame, "620622", None)]["indicator_id"]) == ["b"]
    assert list(frame[context.in_scope(frame, "620622", "武威市")]["indicator_id"]) == []


def test_themes_without_figures_are_computed_from_the_rows():
    frame = _frame([_row("health", "a", CITY, 1), _row("urban", "b", CITY, 2)])
    assert context.themes_without_figures(frame) == ["employment", "education", "elderly_care",
                                                     "social_security"]  # fmt: skip
    frame = pd.concat([frame, _frame([_row("employment", "c", CITY, 3)])])
    assert "employment" not in context.themes_without_figures(frame)


def test_every_headline_in_the_mapping_is_a_figure_of_the_bundled_data(bundled_processed):
    ids = set(pd.read_parquet(bundled_processed / "indicators.parquet")["indicator_id"])
    mapping = context.headlines()
    assert mapping and {i for group in mapping.values() for i in group} <= ids
    with (config.REFERENCE_DIR / "headlines.csv").open(encoding="utf-8-sig") as handle:
        assert {row["theme"] for row in csv.DictReader(handle)} <= set(reference.theme_ids())


def test_headlines_follow_the_mapping_and_fall_back_to_the_first_figure():
    frame = _frame([_row("health", "h1", CITY, 1), _row("health", "h2", CITY, 2), _row("urban", "u1", CITY, 3),
                    _row("urban", "u2", CITY, 4)])  # fmt: skip
    panels = context.headline_rows(frame, {"health": ("h2", "missing", "h1")})
    assert [(theme, list(rows["indicator_id"])) for theme, rows in panels] == [
        ("health", ["h2", "h1"]),
        ("urban", ["u1"]),
    ]


# ---------------------------------------------------------------- parameters


def test_summary_parameters(tmp_path):
    processed = pf.write_processed(tmp_path / "processed")
    result = params.validate_summary_params(
        lang="EN", region=620622, year="2025", processed_dir=str(processed)
    )
    assert (result.lang, result.region_code, result.year, result.previous_dir) == ("en", "620622", 2025, None)
    assert (
        params.validate_summary_params(
            lang="zh", processed_dir=processed, previous_dir=processed
        ).previous_dir
        == processed
    )
    with pytest.raises(ParameterError, match="lang='fr' is not allowed; choose one of: zh, en"):
        params.validate_summary_params(lang="fr", processed_dir=str(processed))


@pytest.mark.parametrize("kind", ["missing", "empty", "file", "number"])
def test_previous_dir_must_hold_indicators_in_one_line(tmp_path, kind):
    processed = pf.write_processed(tmp_path / "processed")
    previous: object = {"missing": str(tmp_path / "nowhere"), "empty": str(tmp_path), "number": 3,
                        "file": str(processed / "indicators.parquet")}[kind]  # fmt: skip
    with pytest.raises(ParameterError) as info:
        params.validate_summary_params(lang="zh", processed_dir=str(processed), previous_dir=previous)
    message = str(info.value)
    assert message.startswith("previous_dir=") and "\n" not in message
    assert info.value._render_traceback_() == [f"ParameterError: {message}"]
    if kind == "empty":
        assert "has no indicators.parquet" in message


# ---------------------------------------------------------------- the HTML, without a kernel


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, bundled_processed) -> SimpleNamespace:
    """The bundled data cleaned, a previous build beside it, and a copy with markup payload names."""
    root = tmp_path_factory.mktemp("summary-units")
    processed = bundled_processed
    indicators = pd.read_parquet(processed / "indicators.parquet")
    measures = pd.read_parquet(processed / "measures.parquet")
    sources = pd.read_parquet(processed / "sources.parquet")
    escaped = pf.write_processed(
        root / "escaped",
        pf.with_payload_names(indicators),
        pf.with_payload_names(measures),
        sources.assign(title=pf.PAYLOADS[0], authors=pf.PAYLOADS[2]),
    )
    return SimpleNamespace(
        root=root,
        processed=processed,
        previous=pf.write_previous(root / "previous", processed),
        escaped=escaped,
        indicators=indicators,
        measures=measures,
    )


def _setup(bundled: SimpleNamespace, lang: str, processed=None, previous=None) -> summary.SummaryContext:
    return summary.setup(
        lang=lang,
        processed_dir=str(processed or bundled.processed),
        reports_dir=str(bundled.root / "reports"),
        previous_dir=str(previous or bundled.previous) if previous != "" else "",
    )


def _rows(html: str) -> list[str]:
    """The visible text of each body row of the tables in ``html``, entities decoded."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.DOTALL))
    return [
        unescape(re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _number(value: float, lang: str) -> str:
    """How a figure is written: 9,964 in English, 9964 in Chinese; decimals kept (13.24)."""
    if float(value).is_integer():
        return f"{int(value):,}" if lang == "en" else str(int(value))
    return f"{value:,}" if lang == "en" else f"{value}"


def _statuses() -> dict[str, dict[str, str]]:
    with (config.REFERENCE_DIR / "statuses.csv").open(encoding="utf-8-sig") as handle:
        return {row["status"]: row for row in csv.DictReader(handle)}


def _written(row: pd.Series, lang: str) -> str:
    """The value as the table must show it, qualifier honoured (from the data and reference files)."""
    number = _number(row["value"], lang)
    if row["qualifier"] == "range":
        high = _number(row["value_high"], lang)
        return f"{number}至{high}" if lang == "zh" else f"{number}–{high}"
    if row["unit"] == "ratio":
        return f"1:{number}"
    if row["qualifier"] == "more_than":
        return f"{number}多" if lang == "zh" else f"more than {number}"
    assert row["qualifier"] == "exact", row["qualifier"]
    return number


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_are_headed_in_the_report_language(bundled, lang):
    ctx = _setup(bundled, lang)
    parts = {"headlines": Markup(""), "figures": summary.figures_html(ctx), "measures": summary.measures_html(ctx),
             "since_last_year": summary.since_last_year_html(ctx), "changes": summary.changes_html(ctx), "sources": summary.sources_html(ctx)}  # fmt: skip
    headings = [
        re.search(r"<h2>(.*?)</h2>", str(summary._section(ctx, k, v))).group(1) for k, v in parts.items()
    ]
    assert headings == list(HEADINGS[lang])
    assert all(CJK.search(h) for h in headings) if lang == "zh" else not any(CJK.search(h) for h in headings)
    header = str(summary.header_html(ctx))
    title = "武威市 · 民生事业总览 · 2025年" if lang == "zh" else "Livelihood summary — Wuwei City, 2025"
    assert (
        f'lang="{"zh-Hans" if lang == "zh" else "en"}" style="{html.INLINE["report"]}"><h1>{title}</h1>'
        in header
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_of_the_processed_table_is_in_the_figures_table(bundled, lang):
    table = str(summary.figures_html(_setup(bundled, lang)))
    rows = _rows(table)
    figures = bundled.indicators[bundled.indicators["year"] == 2025]
    assert len(rows) == len(figures)
    statuses = _statuses()
    for _, figure in figures.iterrows():
        name, place = figure[f"name_{lang}"], figure[f"region_{lang}"]
        matching = [r for r in rows if f" {name} " in r and f" {place} " in r]
        assert len(matching) == 1, (name, place)
        row = matching[0]
        assert _written(figure, lang) in row, (figure["indicator_id"], row)
        assert statuses[figure["status"]][f"name_{lang}"] in row
        assert not re.search(r"\[\s*1\s*\]", row), row  # one source: cited once, under the table
    source = table.split("</table>", 1)[1]
    assert 'class="wuwei-table-source"' in source and re.search(
        r"\[\s*1\s*\]", re.sub(r"<[^>]+>", "", source)
    )
    # the source's counter word (1000多名), not the unit's usual one
    assert "1000多名" in " ".join(rows) if lang == "zh" else "more than 1,000 people" in " ".join(rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_measures_of_the_themes_without_figures_are_listed(bundled, lang):
    text = _text(str(summary.measures_html(_setup(bundled, lang))))
    with_figures = set(bundled.indicators["theme"])
    for _, measure in bundled.measures.iterrows():
        shown = measure[f"name_{lang}"] in text
        assert shown == (measure["theme"] not in with_figures), measure["name_en"]
    assert {"employment", "social_security"} <= set(bundled.measures["theme"]) - with_figures


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changes_since_the_previous_build_are_each_named(bundled, lang):
    html = str(summary.changes_html(_setup(bundled, lang)))
    rows = _rows(html)
    assert len(rows) == 3
    new, changed, removed = CHANGE_WORDS[lang]
    by_id = bundled.indicators.set_index("indicator_id")
    changed_row = next(r for r in rows if by_id.loc[pf.CHANGED_ID, f"name_{lang}"] in r)
    assert f" {changed} " in changed_row
    assert (
        _number(pf.CHANGED_OLD, lang) in changed_row
        and _number(by_id.loc[pf.CHANGED_ID, "value"], lang) in changed_row
    )
    new_row = next(r for r in rows if by_id.loc[pf.NEW_ID, f"name_{lang}"] in r)
    assert f" {new} " in new_row and "1:1.22" in new_row
    removed_row = next(r for r in rows if (pf.REMOVED_ZH if lang == "zh" else pf.REMOVED_EN) in r)
    assert f" {removed} " in removed_row and "12" in removed_row
    lead = _text(html)
    assert (
        ("新增1个、修订1个、删除1个" in lead) if lang == "zh" else ("1 new, 1 revised and 1 removed" in lead)
    )


def test_markup_in_names_comes_out_inert_and_no_previous_build_is_not_a_readers_concern(bundled):
    ctx = _setup(bundled, "en", processed=bundled.escaped, previous="")
    parts = (summary.header_html, summary.figures_html, summary.measures_html, summary.changes_html,
             summary.sources_html)  # fmt: skip
    html = "".join(str(part(ctx)) for part in parts)
    assert not LIVE_MARKUP.search(html), LIVE_MARKUP.search(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in str(summary.figures_html(ctx))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert str(summary.changes_html(ctx)) == ""  # no earlier publication: no section, no notice


def test_the_sources_table_is_the_theme_reports_one(bundled):
    ctx = _setup(bundled, "zh")
    table = str(summary.sources_html(ctx))
    assert table.startswith('<table class="wuwei-table wuwei-sources"')
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table) == [
        "编号",
        "标题",
        "作者",
        "年份",
        "类型",
    ]  # the file name and SHA-256 are build details: they stay in the manifest
    assert "SHA" not in table and ".txt" not in table
    assert re.findall(r'<tr id="([^"]+)">', table) == ["wuwei-source-1"]


# ---------------------------------------------------------------- notebook runs


@dataclass
class Runs:
    indicators: pd.DataFrame
    runs: dict[str, Run]

    def __getitem__(self, key: str) -> Run:
        return self.runs[key]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    root = tmp_path_factory.mktemp("summary")
    processed, _ = pf.bundled_processed(root / "processed")
    previous_dir = pf.write_previous(root / "previous", processed)
    folder = root / "runs" / "en"
    folder.mkdir(parents=True)
    parameters = {"lang": "en", "processed_dir": str(processed), "previous_dir": str(previous_dir),
                  "reports_dir": str(folder / "reports")}  # fmt: skip
    plan = [Run("en", NOTEBOOK, parameters, output=folder / "out.ipynb", reports_dir=folder / "reports")]
    if not (config.PROCESSED_DATA_DIR / "indicators.parquet").is_file():  # as after `make data`
        from wuwei_analysis.tables import clean

        clean.clean(config.RAW_DATA_DIR, config.PROCESSED_DATA_DIR)
    folder = root / "runs" / "defaults"
    folder.mkdir(parents=True)
    plan.append(
        Run(
            "defaults",
            NOTEBOOK,
            engine="nbclient",
            output=folder / "out.ipynb",
            reports_dir=folder / "reports",
        )
    )
    done = execute_all(plan, workers=2)
    return Runs(pd.read_parquet(processed / "indicators.parquet"), done)


def _outputs(run: Run) -> list[dict]:
    nb = nbformat.read(run.output, as_version=4)
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


@pytest.mark.parametrize("key", ["en", "defaults"])  # English, and the committed defaults (Chinese)
def test_no_stderr_or_font_warning_in_the_executed_summary(runs, key):
    outputs = _outputs(runs[key])
    assert not runs[key].error
    assert [o for o in outputs if o.get("name") == "stderr"] == []
    assert not [o for o in outputs if "findfont" in str(o)]
    charts = [o for o in outputs if "image/png" in o.get("data", {})]
    assert charts and all(o["metadata"]["image/png"]["alt"] for o in charts)  # where nbconvert reads alt


def _html(run: Run) -> str:
    return "\n".join(
        "".join(out.get("data", {}).get("text/html", "")) for out in _outputs(run) if "text/html" in out.get("data", {})
    )  # fmt: skip


def _section(run: Run, name: str) -> str:
    match = re.search(
        rf'<section class="wuwei-report wuwei-{name}"[^>]*>(.*?)</section>', _html(run), re.DOTALL
    )
    assert match, f"{run.key}: no {name} section"
    return match.group(1)


def _images(run: Run) -> int:
    return sum("image/png" in out.get("data", {}) for out in _outputs(run))


def _ok(run: Run) -> None:
    assert not run.error, f"{run.key} failed: {run.error}"
    errors = [out for out in _outputs(run) if out.get("output_type") == "error"]
    assert not errors, f"{run.key}: {errors}"
    stderr = "".join(out.get("text", "") for out in _outputs(run) if out.get("name") == "stderr")
    assert "Glyph" not in stderr and "Warning" not in stderr, f"{run.key}: {stderr}"


def test_committed_notebook_is_clean_thin_and_typed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and nb.cells.index(tagged[0]) == 0
    inferred = papermill.inspect_notebook(str(NOTEBOOK))
    assert {name: p["default"] for name, p in inferred.items()} == {
        "lang": '"zh"', "region": '"620600"', "year": "2025", "processed_dir": '""', "reports_dir": '""',
        "previous_dir": '""',
    }  # fmt: skip
    code = "\n".join(c.source for c in nb.cells[1:] if c.cell_type == "code")
    assert not re.search(
        r"^\s*(def|class|for|while|if|import pandas|import matplotlib)\b", code, re.MULTILINE
    )
    assert "summary.setup(" in code and "indicators.parquet" not in code
    calls = [c for c in nb.cells[2:] if c.cell_type == "code"]
    assert all(c.source.count("\n") == 0 for c in calls), "one call per cell"


@pytest.mark.slow
def test_summary_runs_end_to_end_with_every_section_and_a_chart(runs):
    run = runs["en"]
    _ok(run)
    assert re.findall(r"<h2>(.*?)</h2>", _html(run)) == list(HEADINGS["en"])
    assert len(_rows(_section(run, "figures"))) == int((runs.indicators["year"] == 2025).sum())
    assert "1 new, 1 revised and 1 removed" in _text(_section(run, "changes"))
    assert _images(run) >= 1
    figures_dir = config.figures_dir(run.reports_dir, "en", config.DEFAULT_REGION, config.DEFAULT_YEAR)
    assert (figures_dir / "summary_headlines.png").is_file() and (
        figures_dir / "summary_headlines.svg"
    ).is_file()


@pytest.mark.slow
def test_summary_runs_with_its_defaults_through_nbclient(runs):
    run = runs["defaults"]
    _ok(run)
    headings = [h for h in HEADINGS["zh"] if h != HEADINGS["zh"][4]]  # nothing revised: no such section
    assert re.findall(r"<h2>(.*?)</h2>", _html(run)) == headings  # default language: Chinese
    assert BUILD_WORDS[0] not in _text(_html(run))
    assert _images(run) >= 1
