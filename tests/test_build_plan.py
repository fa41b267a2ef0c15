"""Kernel-free tests of the build's decisions and records: plan, manifest entries, tasks."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from wuwei_analysis import config, reference
from wuwei_analysis.build import manifest, plan
from wuwei_analysis.build.inputs import NotebookInfo
from wuwei_analysis.build.task import Result, Task, failed
from wuwei_analysis.files import sha256_bytes

NOTEBOOK = NotebookInfo(Path("notebooks/theme.ipynb"), "nb-hash", frozenset({"theme", "lang"}), True)
COMPONENTS = {"notebook": "nb-hash", "data": "health-data", "library": "lib", "reference": "ref"}


def _job(**changes) -> plan.Job:
    components = {**COMPONENTS, **changes.pop("components", {})}
    values = dict(
        number=1,
        theme="health",
        lang="en",
        notebook=NOTEBOOK,
        parameters={"theme": "health", "lang": "en"},
        key_parameters={"theme": "health", "lang": "en"},
        components=components,
        key=json.dumps(components, sort_keys=True),
    )
    return plan.Job(**{**values, **changes})


def _published(reports: Path, job: plan.Job) -> manifest.Entry:
    """An entry for ``job`` whose report files exist in ``reports`` as recorded."""
    (reports / "en").mkdir(parents=True, exist_ok=True)
    (reports / "en" / "health.html").write_bytes(b"<html></html>")
    (reports / "en" / "health.ipynb").write_bytes(b"{}")
    published = manifest.Published(
        key=job.key,
        inputs=dict(job.components),
        parameters=job.key_parameters,
        notebook="notebooks/theme.ipynb",
        built_at="2025-06-30T18:22:05+08:00",
        duration_s=1.5,
        attempts=1,
        data_version="health-data"[:12],
        html="en/health.html",
        ipynb="en/health.ipynb",
        html_sha256=sha256_bytes(b"<html></html>"),
        ipynb_sha256=sha256_bytes(b"{}"),
        figures=("en/figures/health.png",),
    )
    return manifest.Entry("health", "en", published)


# --- which notebook a theme runs ------------------------------------------------------------


def test_every_theme_runs_the_one_theme_notebook_unless_it_has_its_own(tmp_path):
    (tmp_path / "theme.ipynb").write_text("{}", encoding="utf-8")
    assert plan.notebook_path(tmp_path, "health") == tmp_path / "theme.ipynb"
    assert plan.notebook_path(tmp_path, config.SUMMARY) == tmp_path / "summary.ipynb"
    (tmp_path / "urban.ipynb").write_text("{}", encoding="utf-8")
    assert plan.notebook_path(tmp_path, "urban") == tmp_path / "urban.ipynb"
    assert plan.notebook_path(tmp_path, "health") == tmp_path / "theme.ipynb"


def test_the_committed_notebooks_serve_every_theme_and_the_summary():
    found = plan.read_notebooks(config.NOTEBOOKS_DIR, (*reference.theme_ids(), config.SUMMARY))
    assert {info.path.name for theme, info in found.items() if theme != config.SUMMARY} == {"theme.ipynb"}
    assert found["health"].parameters >= {"theme", "lang", "region", "year", "processed_dir", "reports_dir"}


def test_a_missing_notebook_is_named_once(tmp_path):
    from wuwei_analysis.errors import ParameterError

    with pytest.raises(ParameterError, match=r"not found: .*theme\.ipynb$"):
        plan.read_notebooks(tmp_path, ("health", "urban"))


# --- the re-run decision --------------------------------------------------------------------


def test_an_unchanged_report_is_skipped(tmp_path):
    job = _job()
    assert plan.decide(job, _published(tmp_path, job), force=False, reports=tmp_path) == ("skip", "unchanged")
    assert plan.decide(job, _published(tmp_path, job), force=True, reports=tmp_path) == ("run", "--force")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data": "other data"}, "data changed"),
        ({"notebook": "other notebook"}, "notebook changed"),
        ({"library": "x", "reference": "y"}, "library code changed, reference data changed"),
        ({"pages": "a theme or place was added"}, "the site's pages changed"),  # navigation is stale
    ],
)
def test_a_changed_input_reruns_and_says_which(tmp_path, change, reason):
    entry = _published(tmp_path, _job())
    assert plan.decide(_job(components=change), entry, force=False, reports=tmp_path) == ("run", reason)


def test_a_missing_modified_or_failed_report_reruns(tmp_path):
    job = _job()
    entry = _published(tmp_path, job)
    assert plan.decide(job, None, force=False, reports=tmp_path) == ("run", "never built")
    (tmp_path / "en" / "health.ipynb").write_bytes(b"edited")
    assert plan.decide(job, entry, False, tmp_path) == ("run", "published ipynb was modified")
    (tmp_path / "en" / "health.html").unlink()
    assert plan.decide(job, entry, False, tmp_path) == ("run", "published html missing")
    failure = manifest.Failure("ZeroDivisionError", "error", "now", job.key, 0.1)
    assert plan.decide(job, manifest.Entry("health", "en", entry.published, failure), False, tmp_path) == (
        "run",
        "failed last time",
    )


def test_an_unchanged_report_is_not_read_again_while_its_size_and_time_stay(tmp_path, monkeypatch):
    import dataclasses
    import os

    from wuwei_analysis.files import stat_key

    job = _job()
    entry = _published(tmp_path, job)
    html, ipynb = tmp_path / "en" / "health.html", tmp_path / "en" / "health.ipynb"
    published = dataclasses.replace(entry.published, html_stat=stat_key(html), ipynb_stat=stat_key(ipynb))
    entry = manifest.Entry("health", "en", published)

    def no_reading(path):
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(plan, "file_sha256", no_reading)
    assert plan.decide(job, entry, False, tmp_path) == ("skip", "unchanged")
    monkeypatch.undo()
    ipynb.write_bytes(b"[]")  # edited, same size: its time changed, so it is hashed
    stamp = ipynb.stat().st_mtime_ns + 1_000_000
    os.utime(ipynb, ns=(stamp, stamp))
    assert plan.decide(job, entry, False, tmp_path) == ("run", "published ipynb was modified")


def test_a_notebook_that_cannot_run_fails_before_any_kernel(tmp_path):
    no_cell = NotebookInfo(Path("x.ipynb"), "h", frozenset(), False)
    no_lang = NotebookInfo(Path("x.ipynb"), "h", frozenset({"theme"}), True)
    assert plan.decide(_job(notebook=no_cell), None, True, tmp_path)[0] == "fail"
    assert plan.decide(_job(notebook=no_lang), None, True, tmp_path) == (
        "fail",
        "the notebook's parameters cell does not declare 'lang'",
    )


# --- manifest entries keep the JSON format --------------------------------------------------


def test_manifest_entries_round_trip_the_json_format(tmp_path):
    entry = _published(tmp_path, _job())
    ok = entry.to_json()
    assert ok["status"] == "ok" and ok["error"] is None and ok["failed_ipynb"] is None
    assert ok["figures"] == ["en/figures/health.png"] and "error_kind" not in ok
    assert manifest.Entry.from_json(ok) == entry

    failure = manifest.Failure("ZeroDivisionError", "error", "now", "k", 0.12, "_failed/en/health.ipynb")
    kept = manifest.Entry("health", "en", entry.published, failure).to_json()
    assert kept["status"] == "failed" and kept["html"] == "en/health.html"  # the report still on the site
    assert kept["failed_ipynb"] == "_failed/en/health.ipynb" and kept["error_kind"] == "error"
    assert manifest.Entry.from_json(kept).failure == failure

    never = manifest.Entry("urban", "zh", None, failure).to_json()
    assert set(never) == {"theme", "lang", "status", *manifest.Failure.__dataclass_fields__}


def test_a_manifest_of_another_format_is_read_as_empty_with_a_note(tmp_path):
    notes = []
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"format": manifest.MANIFEST_FORMAT + 1, "notebooks": {}}), encoding="utf-8")
    assert manifest.read_manifest(path, notes.append).entries == {}
    assert "unknown format" in notes[0]
    path.write_text("{not json", encoding="utf-8")
    assert manifest.read_manifest(path, notes.append).entries == {} and "unreadable" in notes[1]
    assert manifest.read_manifest(tmp_path / "none.json", notes.append).fields == {} and len(notes) == 2


# --- what travels to and from a worker --------------------------------------------------------


def test_tasks_and_results_pickle_and_are_frozen():
    task = Task("health", "en", "theme.ipynb", {"theme": "health"}, "t", "r", "t/a.ipynb", "t/a.html", 60, {})
    result = Result("ok", figures=("a.png",))
    assert pickle.loads(pickle.dumps(task)) == task
    assert pickle.loads(pickle.dumps(result)) == result and result.ok
    assert not failed("worker", "the worker process died").ok
    with pytest.raises(AttributeError):
        result.status = "failed"


def test_the_build_imports_nothing_posix_only_or_heavy_until_it_builds():
    code = (
        "import sys; import wuwei_analysis.cli, wuwei_analysis.build.run, wuwei_analysis.cells, wuwei_analysis.files; "
        "print(sorted({'fcntl', 'pandas', 'papermill', 'nbconvert'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_site_pages_are_the_published_ones_and_this_builds():
    from types import SimpleNamespace

    from wuwei_analysis.build.slices import Slice

    options = SimpleNamespace(langs=("en",), themes=("health",))
    assert plan.site_pages(options) == [("en", "620600", 2025, "health")]
    published = manifest.Entry("urban", "zh", published=object())  # type: ignore[arg-type]
    never = manifest.Entry("summary", "zh")
    entries = {"zh/620600/2025/urban": published, "zh/620600/2025/summary": never}
    pages = plan.site_pages(options, entries, [Slice("620600", 2025), Slice("620622", 2024)])
    # every place and year of the build; rebuilding one theme keeps the others in the
    # navigation; a failed-only entry is no page
    assert pages == [
        ("en", "620600", 2025, "health"),
        ("en", "620622", 2024, "health"),
        ("zh", "620600", 2025, "urban"),
    ]


def test_a_page_hashes_only_the_pages_its_navigation_links():
    from wuwei_analysis.build.slices import Slice

    pages = [
        ("en", "620600", 2025, "health"),
        ("en", "620600", 2025, "urban"),
        ("zh", "620600", 2025, "health"),
        ("en", "620600", 2024, "health"),
        ("en", "620600", 2024, "urban"),
    ]
    near = plan.nav_pages(pages, "en", Slice("620600", 2025), "health")
    # its place's and year's themes, its language twin, the same theme in another year
    assert near == [
        ["en", "620600", 2025, "health"],
        ["en", "620600", 2025, "urban"],
        ["zh", "620600", 2025, "health"],
        ["en", "620600", 2024, "health"],
    ]


# --- what a page reads, and so what re-runs it (issue 14) ----------------------------------

CITY, MINQIN, GULANG, TIANZHU = "620600", "620621", "620622", "620623"


def _state(groups: dict[str, str]):
    from wuwei_analysis.build.inputs import DataState

    files = {"indicators.parquet": {"sha256": "all", "schema": "s", "themes": dict(groups)}}
    return DataState(files=files, version="v")


def _rerun(groups: dict[str, str], changed: str, pages: list[tuple[str, str, int]]) -> set:
    """The pages (theme, region, year) whose data hash changes when group ``changed`` does."""
    from wuwei_analysis.build.slices import Slice, slice_hash

    before, after = _state(groups), _state({**groups, changed: "new"})
    return {
        (theme, region, year)
        for theme, region, year in pages
        if slice_hash(before, theme, Slice(region, year)) != slice_hash(after, theme, Slice(region, year))
    }


def test_a_changed_figure_reruns_exactly_the_pages_that_show_it():
    groups = {
        f"health|{MINQIN}|2025|hx": "a",
        f"health|{MINQIN}|2026|hx": "b",
        f"health|{GULANG}|2025|hx": "c",
        f"health|{GULANG}|2026|hx": "d",
        f"health|{TIANZHU}|2025|hz": "e",  # Tianzhu shows another indicator only
        f"urban|{MINQIN}|2025|ux": "f",
    }
    pages = [
        (theme, region, year)
        for theme in ("health", "urban", config.SUMMARY)
        for region in (CITY, MINQIN, GULANG, TIANZHU)
        for year in (2025, 2026)
    ]
    rerun = _rerun(groups, f"health|{MINQIN}|2025|hx", pages)
    assert rerun == {
        ("health", MINQIN, 2025),  # shows it
        ("health", MINQIN, 2026),  # the change since 2025
        ("health", CITY, 2025),  # the city's report holds its counties' figures
        ("health", CITY, 2026),
        ("health", GULANG, 2025),  # ranks Minqin's figure beside its own
        (config.SUMMARY, MINQIN, 2025),
        (config.SUMMARY, MINQIN, 2026),  # since last year
        (config.SUMMARY, CITY, 2025),
        (config.SUMMARY, CITY, 2026),
    }
    # not: Tianzhu's health page (no such indicator to rank), Gulang's summary (a summary ranks
    # no places), Gulang's 2026 page (another place, another year), any urban page


def test_a_later_figure_reruns_an_earlier_page_only_when_it_draws_a_series():
    groups = {f"health|{MINQIN}|2025|hx": "a", f"health|{MINQIN}|2026|hx": "b"}
    pages = [("health", MINQIN, 2025), (config.SUMMARY, MINQIN, 2025), ("health", MINQIN, 2026)]
    # 2025 is the first year: its page draws no series, so 2026's figure is not on it
    assert _rerun(groups, f"health|{MINQIN}|2026|hx", pages) == {("health", MINQIN, 2026)}
    # with a 2024 figure, the 2025 page draws the series 2024–2026, which holds 2026's figure
    groups[f"health|{MINQIN}|2024|hx"] = "z"
    assert _rerun(groups, f"health|{MINQIN}|2026|hx", pages) == {
        ("health", MINQIN, 2025),
        ("health", MINQIN, 2026),
    }


def test_a_page_compares_with_only_the_rows_its_slice_hash_reads():
    import pandas as pd

    from wuwei_analysis.report.page import compared_rows
    from wuwei_analysis.report.params import Params

    def row(indicator: str, code: str, place: str, year: int) -> dict:
        return {
            "theme": "health",
            "indicator_id": indicator,
            "region_code": code,
            "region_zh": place,
            "year": year,
        }

    ind = pd.DataFrame([
        row("hx", MINQIN, "民勤县", 2025), row("hx", MINQIN, "民勤县", 2026), row("hx", GULANG, "古浪县", 2025),
        row("hx", GULANG, "古浪县", 2024), row("hz", MINQIN, "民勤县", 2024), row("hx", MINQIN, "民勤县", 2023),
    ])  # fmt: skip
    params = Params(
        theme="health",
        lang="en",
        region_code=MINQIN,
        place_zh=None,
        year=2025,
        processed_dir=Path("."),
        reports_dir=Path("."),
    )
    shown = ind[(ind["region_code"] == MINQIN) & (ind["year"] == 2025)]
    got = compared_rows(ind, shown, params)
    # Gulang in 2025 (ranking), Minqin 2023 (change) and 2026 (series); not Gulang 2024, not hz
    assert sorted(zip(got["region_code"], got["year"], strict=True)) == [
        (MINQIN, 2023), (MINQIN, 2025), (MINQIN, 2026), (GULANG, 2025)
    ]  # fmt: skip


def test_a_new_edition_reruns_only_the_summaries_whose_place_and_year_it_revised():
    from wuwei_analysis.build.slices import Slice, place_hash

    groups = {
        f"health|{MINQIN}|2025|hx": "a",
        f"health|{GULANG}|2025|hx": "b",
        f"urban|{GULANG}|2024|ux": "c",
    }
    before, after = _state(groups), _state({**groups, f"health|{MINQIN}|2025|hx": "new"})
    # the summary's table of revised figures compares its place and year's rows with the last
    # edition's: they differ for Minqin and the city that holds it, not for Gulang
    differs = {
        (region, year)
        for region in (CITY, MINQIN, GULANG)
        for year in (2024, 2025)
        if place_hash(before, Slice(region, year)) != place_hash(after, Slice(region, year))
    }
    assert differs == {(MINQIN, 2025), (CITY, 2025)}


def test_the_previous_editions_data_is_read_once_and_then_from_the_manifest(tmp_path, monkeypatch):
    from wuwei_analysis.build import inputs

    folder = tmp_path / ".data" / "v1"
    folder.mkdir(parents=True)
    (folder / "indicators.csv").write_text(
        "theme,region_code,year,indicator_id,value\nhealth,620621,2025,hx,1\n"
    )
    assert plan.previous_data("", tmp_path, None) is None
    first = plan.previous_data("v1", tmp_path, None)
    assert list(first.files["indicators.csv"]["themes"]) == ["health|620621|2025|hx"]

    def no_reading(path):
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(inputs, "_split_by_theme", no_reading)
    again = plan.previous_data("v1", tmp_path, {"version": "v1", "files": first.files})
    assert again.files == first.files
    with pytest.raises(AssertionError):  # another version's record is no cache for this one
        plan.previous_data("v1", tmp_path, {"version": "v0", "files": first.files})


def test_the_first_new_edition_reruns_no_summary_whose_place_and_year_it_left_alone():
    from types import SimpleNamespace

    from wuwei_analysis.build.slices import Slice

    notebook = NotebookInfo(Path("notebooks/summary.ipynb"), "nb", frozenset({"lang", "region", "year", "previous_dir"}), True)  # fmt: skip
    groups = {f"health|{MINQIN}|2025|hx": "a", f"health|{GULANG}|2025|hx": "b"}
    first, second = _state(groups), _state({**groups, f"health|{MINQIN}|2025|hx": "new"})
    options = SimpleNamespace(langs=("en",), themes=(config.SUMMARY,), parameters={}, force=False)

    def previous(found: plan.Inputs) -> dict[str, str]:
        parts = [Slice(GULANG, 2025), Slice(MINQIN, 2025)]
        jobs = plan.plan({config.SUMMARY: notebook}, found, {}, options, Path("p"), Path("r"), parts)
        return {job.part.region: job.components["previous"] for job in jobs}

    # the first build has no previous edition; the next one compares with the first's data
    before = previous(plan.Inputs(first, "lib", "ref", {}))
    after = previous(plan.Inputs(second, "lib", "ref", {}, previous_version="v1", previous_data=first))
    assert before[GULANG] == after[GULANG]  # nothing of Gulang's revised: its summary stays
    assert before[MINQIN] == after[MINQIN]  # Minqin's re-runs for its data; the previous is the same
