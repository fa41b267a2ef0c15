"""The theme notebook: committed clean, executed with papermill and with nbclient alone.

``notebooks/theme.ipynb`` runs for every theme (``-p theme <id>``) in both languages on the bundled data (cleaned into a
temporary folder), plus a few runs on changed data: a changed figure, names
that are markup payloads, a region with no figures, bad parameters. The runs
are shared by the tests through a module-scoped fixture and execute two at a
time in worker processes. Kernels run with WUWEI_STRICT_GLYPHS=1, so a missing
glyph in any chart fails the run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import processed_fixture as pf
import pytest
from notebook_runs import Run, execute_all

from wuwei_analysis import config, reference
from wuwei_analysis.report import fonts

THEMES = reference.theme_ids()
LANGS = config.LANGS
NOTEBOOK = config.NOTEBOOKS_DIR / "theme.ipynb"  # one notebook for every theme
DEFAULT_THEME = "health"  # the default of its `theme` parameter
LIVE_MARKUP = re.compile(r"<\s*(img|script)\b|(href|src)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def _default_processed() -> Path:
    """data/processed as a JupyterLab user has it after `make data` (built if missing)."""
    if not (config.PROCESSED_DATA_DIR / "indicators.parquet").is_file():
        from wuwei_analysis.tables import clean

        clean.clean(config.RAW_DATA_DIR, config.PROCESSED_DATA_DIR)
    return config.PROCESSED_DATA_DIR


@dataclass
class Runs:
    bundled: Path  # the processed folder of the bundled data
    made_by: str
    indicators: pd.DataFrame
    measures: pd.DataFrame
    changed: pd.DataFrame  # indicators of the changed-figure run
    runs: dict[str, Run]

    def __getitem__(self, key: str) -> Run:
        return self.runs[key]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    root = tmp_path_factory.mktemp("notebooks")
    bundled, made_by = pf.bundled_processed(root / "processed")
    indicators = pd.read_parquet(bundled / "indicators.parquet")
    measures = pd.read_parquet(bundled / "measures.parquet")
    sources = pd.read_parquet(bundled / "sources.parquet")

    changed = pf.replace_value(indicators, "health_trained_clinicians", 2848)
    changed = pf.replace_value(changed, "urban_renovation_progress", 85)
    changed_dir = pf.write_processed(root / "changed", changed, measures, sources)
    escaped_dir = pf.write_processed(
        root / "escaped",
        pf.with_payload_names(indicators),
        pf.with_payload_names(measures),
        pf.with_payload_names(sources.assign(title=pf.PAYLOADS[0], authors=pf.PAYLOADS[2])),
    )

    plan: list[Run] = []

    def add(key: str, theme: str, processed: Path, **parameters) -> None:
        folder = root / "runs" / key
        folder.mkdir(parents=True)
        parameters = {
            "theme": theme,
            "processed_dir": str(processed),
            "reports_dir": str(folder / "reports"),
            **parameters,
        }
        plan.append(
            Run(key, NOTEBOOK, parameters, output=folder / "out.ipynb", reports_dir=folder / "reports")
        )

    for theme in THEMES:
        for lang in LANGS:
            add(f"{theme}-{lang}", theme, bundled, lang=lang)
    add("changed", "health", changed_dir, lang="en")
    add("changed-urban", "urban", changed_dir, lang="zh")
    add("escaped-en", "health", escaped_dir, lang="en")
    add("escaped-zh", "urban", escaped_dir, lang="zh")
    add("escaped-measures", "employment", escaped_dir, lang="en")
    add("no-figures", "health", bundled, lang="en", region=620621)  # an int, as `-p region 620621` gives
    add("village", "elderly_care", bundled, lang="en", region="古浪县")
    add("bad-lang", "health", bundled, lang="fr")
    add("bad-yaml-lang", "health", bundled, lang=False)  # `-y "lang: no"` gives False
    add("bad-region", "education", bundled, region="999999")
    add("bad-year", "urban", bundled, year="abc")
    if fonts.bundled_cjk_font() is not None:  # the [fonts] extra: a Regular face only, no bold
        add("bundled-font", "urban", bundled, lang="zh")
        plan[-1].env = {fonts.FONT_ENV: "bundled"}

    _default_processed()
    folder = root / "runs" / "defaults"
    folder.mkdir(parents=True)
    plan.append(Run("defaults", NOTEBOOK, engine="nbclient", output=folder / "out.ipynb"))

    done = execute_all(plan, workers=max(2, min(4, os.cpu_count() or 2)))
    return Runs(bundled, made_by, indicators, measures, changed, done)


# ---------------------------------------------------------------- reading outputs


def _stderr(run: Run) -> list[str]:
    """Every stderr stream and font warning in an executed notebook (a pink box in Lab)."""
    nb = nbformat.read(run.output, as_version=4)
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    found = ["".join(o.get("text", "")) for o in outputs if o.get("name") == "stderr"]
    return found + [json for json in (str(o) for o in outputs) if "findfont" in json]


def test_no_stderr_or_font_warning_in_any_executed_theme_notebook(runs):
    keys = [f"{theme}-{lang}" for theme in THEMES for lang in LANGS] + ["defaults"]
    keys += ["bundled-font"] if "bundled-font" in runs.runs else []
    for key in keys:
        assert not runs[key].error, (key, runs[key].error)
        assert _stderr(runs[key]) == [], key


def _outputs(run: Run) -> list[dict]:
    nb = nbformat.read(run.output, as_version=4)
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def _html(run: Run) -> str:
    return "\n".join(
        "".join(out.get("data", {}).get(mime, ""))
        for out in _outputs(run)
        for mime in ("text/html", "text/markdown")
        if mime in out.get("data", {})
    )


def _section(run: Run, name: str) -> str:
    match = re.search(
        rf'<section class="wuwei-report wuwei-{name}"[^>]*>(.*?)</section>', _html(run), re.DOTALL
    )
    assert match, f"{run.key}: no {name} section"
    return match.group(1)


def _images(run: Run) -> int:
    return sum("image/png" in out.get("data", {}) for out in _outputs(run))


def _text(html: str) -> str:
    """Visible text: tags dropped, entities kept (numbers are plain text either way)."""
    return re.sub(r"<[^>]+>", "", html)


def _number(value: float, lang: str) -> str:
    """How a figure is written: 9,964 in English, 9964 in Chinese; decimals kept (13.24)."""
    if float(value).is_integer():
        return f"{int(value):,}" if lang == "en" else str(int(value))
    return f"{value:,}" if lang == "en" else f"{value}"


def _city(frame: pd.DataFrame, theme: str) -> pd.DataFrame:
    """What the city's report covers: every place in the data lies in Wuwei City."""
    return frame[(frame["theme"] == theme) & (frame["year"] == 2025)]


def _ok(run: Run) -> None:
    assert not run.error, f"{run.key} failed: {run.error}"
    errors = [out for out in _outputs(run) if out.get("output_type") == "error"]
    assert not errors, f"{run.key}: {errors}"
    stderr = "".join(out.get("text", "") for out in _outputs(run) if out.get("name") == "stderr")
    assert "Glyph" not in stderr and "Warning" not in stderr, f"{run.key}: {stderr}"


# ---------------------------------------------------------------- committed notebooks


def test_committed_notebooks_have_no_outputs_or_execution_counts():
    paths = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert {p.name for p in paths} == {
        "theme.ipynb",
        "summary.ipynb",
        "extract.ipynb",
        "explore.ipynb",
    }  # one serves every theme
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name} has outputs"
                assert cell.execution_count is None, f"{path.name} has execution counts"


def test_notebook_has_one_typed_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.cells.index(tagged[0]) == 0
    assert nb.metadata.kernelspec.name == "python3"
    inferred = papermill.inspect_notebook(str(NOTEBOOK))
    assert set(inferred) == {"theme", "lang", "region", "year", "processed_dir", "reports_dir"}
    assert inferred["theme"]["default"] == f'"{DEFAULT_THEME}"'
    assert inferred["lang"]["default"] == '"zh"' and inferred["lang"]["inferred_type_name"] == "str"
    assert inferred["region"]["default"] == f'"{config.CITY_CODE}"'
    assert (
        inferred["year"]["default"] == str(config.DEFAULT_YEAR)
        and inferred["year"]["inferred_type_name"] == "int"
    )
    assert inferred["processed_dir"]["default"] == '""' and inferred["reports_dir"]["default"] == '""'


def test_notebook_is_thin():
    """Load, call the library, show: no definitions, loops or imports other than the report API."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells[1:] if c.cell_type == "code")
    assert not re.search(r"^\s*(def|class|for|while|import pandas|import matplotlib)\b", code, re.MULTILINE)
    assert "page.setup(" in code


# ---------------------------------------------------------------- papermill, both languages


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("theme", THEMES)
def test_notebook_runs_in_both_languages(runs, theme, lang):
    run = runs[f"{theme}-{lang}"]
    _ok(run)
    figures = _city(runs.indicators, theme)
    figures_dir = config.figures_dir(run.reports_dir, lang, config.DEFAULT_REGION, config.DEFAULT_YEAR)
    headings = {"zh": ("图表", "解读", "资料来源"), "en": ("Charts", "Commentary", "Sources")}[lang]
    html = _html(run)
    for heading in headings:
        assert f"<h2>{heading}</h2>" in html
    if len(figures):
        assert _images(run) >= 1
        pngs = sorted(figures_dir.glob(f"{theme}_*.png"))
        assert pngs and [p.with_suffix(".svg").is_file() for p in pngs] == [True] * len(pngs)
    else:
        assert _images(run) == 0
        drawn = (
            list(figures_dir.glob("*.png")) + list(figures_dir.glob("*.svg")) if figures_dir.exists() else []
        )
        assert drawn == []  # no chart (the page's CSV download may sit there, with no rows)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("theme", THEMES)
def test_commentary_analyses_and_the_figures_table_keeps_every_figure(runs, theme, lang):
    run = runs[f"{theme}-{lang}"]
    _ok(run)
    text = _text(_section(run, "commentary"))
    table = unescape(_text(_section(run, "figures")))
    figures = _city(runs.indicators, theme)
    for _, row in figures.iterrows():
        assert _number(row["value"], lang) in table, (row["indicator_id"], table)
        assert row[f"name_{lang}"] in table
    if len(figures) == 0:
        plainly = {"zh": "资料未给出", "en": "The source states no figures"}[lang]
        assert plainly in text
        for name in _city(runs.measures.assign(year=2025), theme)[f"name_{lang}"]:
            assert name in unescape(text)
    commentary_html = _section(run, "commentary")
    assert "<li>" not in commentary_html  # the prose analyses; it does not list every figure again
    for paragraph in re.findall(r"<p[^>]*>(.*?)</p>", commentary_html, re.DOTALL):
        assert paragraph.count('class="wuwei-cite"') <= 1  # one citation per paragraph
    for number in set(re.findall(r'href="#(wuwei-source-\d+)"', commentary_html)):
        assert f'id="{number}"' in _section(run, "sources")
    if theme in ("education", "health", "urban"):  # each has a calculated ratio, marked with its inputs
        assert ("（计算值：" if lang == "zh" else "(calculated: ") in unescape(text)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_commentary_computes_total_share_and_largest_group(runs, lang):
    run = runs[f"health-{lang}"]
    text = _text(_section(run, "commentary"))
    trained = _city(runs.indicators, "health")
    trained = trained[trained["indicator_id"].str.startswith("health_trained_")]
    total = trained["value"].sum()
    largest = trained.loc[trained["value"].idxmax()]
    assert _number(total, lang) in text
    assert f"{100 * largest['value'] / total:.1f}%" in text
    short = largest[f"name_{lang}"].replace(" trained remotely", "").replace("远程培训", "")
    assert short in text  # the largest group, named as the sentence needs it


@pytest.mark.slow
def test_progress_against_plan_is_computed(runs):
    run = runs["urban-zh"]
    progress = (
        _city(runs.indicators, "urban").set_index("indicator_id").loc["urban_renovation_progress", "value"]
    )
    assert f"尚余{_number(100 - progress, 'zh')}%" in _text(_section(run, "commentary"))


@pytest.mark.slow
def test_changing_a_figure_changes_the_commentary(runs):
    for key, lang, check in (
        ("changed", "en", "health_trained_"),
        ("changed-urban", "zh", "urban_renovation_progress"),
    ):
        run = runs[key]
        _ok(run)
        text = _text(_section(run, "commentary"))
        theme = "health" if key == "changed" else "urban"
        before = _city(runs.indicators, theme)
        after = _city(runs.changed, theme)
        if key == "changed":
            old = before[before["indicator_id"].str.startswith(check)]["value"].sum()
            new = after[after["indicator_id"].str.startswith(check)]["value"].sum()
            assert new != old
            assert _number(new, lang) in text and _number(old, lang) not in text
            assert _number(2848, lang) in text
        else:
            assert "85%" in text and "尚余15%" in text and "70%" not in text


@pytest.mark.slow
@pytest.mark.parametrize("key", ["escaped-en", "escaped-zh", "escaped-measures"])
def test_markup_in_names_comes_out_inert(runs, key):
    run = runs[key]
    _ok(run)
    html = _html(run)
    assert not LIVE_MARKUP.search(html), LIVE_MARKUP.search(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[x](javascript:alert(1))" in html  # shown as text, never a link
    for svg in run.reports_dir.rglob("*.svg"):
        assert not LIVE_MARKUP.search(svg.read_text(encoding="utf-8")), svg


@pytest.mark.slow
def test_region_without_figures_says_so_plainly(runs):
    run = runs["no-figures"]
    _ok(run)
    assert _images(run) == 0
    charts = _text(_section(run, "charts"))
    assert "states no figures" in charts and "Minqin County" in charts
    assert "The source states no figures with units on health care for Minqin County in 2025" in _text(
        _section(run, "commentary")
    )


@pytest.mark.slow
def test_qualified_figure_keeps_its_qualifier(runs):
    run = runs["village"]
    _ok(run)
    assert _images(run) >= 1
    text = _text(_section(run, "commentary"))
    assert "more than 1,000 people" in text  # the catalogue's English unit for this figure
    assert "Xingmin New Village" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("bad-lang", "ParameterError: lang='fr' is not allowed; choose one of: zh, en"),
        ("bad-yaml-lang", "ParameterError: lang=False is not allowed; choose one of: zh, en"),
        ("bad-region", "ParameterError: region='999999' is not allowed; choose one of: 620600 (武威市"),
        ("bad-year", "ParameterError: year='abc' is not allowed; choose one of: 2025"),
    ],
)
def test_bad_parameter_stops_with_one_clear_line(runs, key, message):
    run = runs[key]
    assert message in run.error
    errors = [out for out in _outputs(run) if out.get("output_type") == "error"]
    assert len(errors) == 1
    assert errors[0]["ename"] == "ParameterError"
    assert len(errors[0]["traceback"]) == 1 and errors[0]["traceback"][0].startswith(message)
    assert _images(run) == 0


# ---------------------------------------------------------------- nbclient, defaults


@pytest.mark.slow
def test_notebook_runs_with_its_defaults_through_nbclient(runs):
    theme = DEFAULT_THEME
    run = runs["defaults"]
    _ok(run)
    assert "<h2>解读</h2>" in _html(run)  # default language: Chinese
    defaults = pd.read_parquet(config.PROCESSED_DATA_DIR / "indicators.parquet")
    if len(_city(defaults, theme)):
        assert _images(run) >= 1
