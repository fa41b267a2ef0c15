"""The build's chart cache: a chart drawn from equal inputs is drawn once per build, and only then."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib as mpl
import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import config
from wuwei_analysis.build import pool as build_pool
from wuwei_analysis.report import chart_cache, chart_files, chart_style, compare


def _ranking(value: float = 47.0, lang: str = "zh") -> chart_files.Chart:
    """A ranking of one figure across two counties (the kind of chart every county's page shows)."""
    rows = pf.indicators()
    rows = rows[rows["region_code"] == "620600"].head(1)
    places = [("民勤县", "Minqin County", "620621", value), ("古浪县", "Gulang County", "620622", 12.0)]
    two = pd.concat(
        [rows.assign(region_zh=zh, region_en=en, region_code=code, value=v) for zh, en, code, v in places]
    )
    return compare.ranking_chart(two.reset_index(drop=True), lang, "health_ranking_1", 2025, "source line")


def _never_drawn(chart: chart_files.Chart) -> chart_files.Chart:
    """``chart`` with its key known and a drawing function that fails if called."""
    assert chart.drawing_key

    def fail():
        raise AssertionError(f"{chart.name} was drawn again")

    chart.draw = fail
    return chart


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "charts"
    monkeypatch.setenv(config.CHART_CACHE_ENV, str(folder))
    return folder


def test_a_chart_with_the_inputs_of_one_already_drawn_takes_its_files(cache, tmp_path):
    first = _ranking()
    first_paths = chart_files.save_chart(first, tmp_path / "a", "zh", "620621", 2025)
    first_phone = first.phone_png()
    second = _never_drawn(_ranking())  # equal inputs, built anew (another page's notebook)
    second_paths = chart_files.save_chart(second, tmp_path / "b", "zh", "620622", 2025)
    assert [p.read_bytes() for p in second_paths] == [p.read_bytes() for p in first_paths]
    assert second.phone_png() == first_phone
    assert second.saved_png == first_paths[0].read_bytes()  # the notebook shows the saved file
    assert len([p for p in cache.rglob("*") if p.is_file()]) == 3  # desk PNG, SVG, phone PNG


def test_a_cache_hit_gives_the_bytes_a_drawing_without_a_cache_gives(cache, tmp_path, monkeypatch):
    """Drawing is deterministic, so a page whose chart came from the cache is the page it would be."""
    first = _ranking()
    chart_files.save_chart(first, tmp_path / "a", "zh", "620621", 2025)
    first.phone_png()
    hit = _never_drawn(_ranking())
    hit_png, hit_phone = (
        chart_files.save_chart(hit, tmp_path / "b", "zh", "620622", 2025)[0].read_bytes(),
        hit.phone_png(),
    )
    monkeypatch.delenv(config.CHART_CACHE_ENV)
    fresh = _ranking()
    assert fresh.drawing_key == ""  # no build, no cache
    assert chart_files.save_chart(fresh, tmp_path / "c", "zh", "620621", 2025)[0].read_bytes() == hit_png
    assert fresh.phone_png() == hit_phone


@pytest.mark.parametrize(
    "other",
    [lambda: _ranking(value=48.0), lambda: _ranking(lang="en")],
    ids=["another value", "another language"],
)
def test_other_inputs_are_drawn_anew(cache, tmp_path, other):
    first = _ranking()
    chart_files.save_chart(first, tmp_path / "a", "zh", "620621", 2025)
    second = other()
    assert second.drawing_key != first.drawing_key
    assert (
        chart_files.save_chart(second, tmp_path / "b", "zh", "620621", 2025)[0].read_bytes()
        != first.saved_png
    )


def test_a_setting_the_house_style_leaves_alone_is_part_of_the_key(cache, tmp_path):
    first = _ranking()
    chart_files.save_chart(first, tmp_path / "a", "zh", "620621", 2025)
    with mpl.rc_context({"lines.antialiased": False}), chart_style.house_style():  # seaborn leaves it
        key = chart_cache.file_key(first.drawing_key, "desk", "png", chart_style.DPI)
    with chart_style.house_style():
        assert key != chart_cache.file_key(first.drawing_key, "desk", "png", chart_style.DPI)


def test_a_figure_handed_out_is_saved_as_it_is_now(cache, tmp_path):
    untouched = chart_files.save_chart(_ranking(), tmp_path / "a", "zh", "620621", 2025)[0].read_bytes()
    tweaked = _ranking()
    tweaked.fig.axes[0].set_title("changed by the analyst")
    assert chart_files.save_chart(tweaked, tmp_path / "b", "zh", "620621", 2025)[0].read_bytes() != untouched


def test_outside_a_build_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(config.CHART_CACHE_ENV, raising=False)
    chart = _ranking()
    chart_files.save_chart(chart, tmp_path / "a", "zh", "620621", 2025)
    assert chart.drawing_key == "" and chart_cache.folder() is None
    chart_cache.keep("", b"x")  # no key, no cache: nothing to write, nothing raised


def test_a_drawing_that_cannot_be_hashed_is_drawn_every_time(cache):
    assert chart_cache.drawing_key(lambda: None) == ""
    assert chart_cache.drawing_key(_ranking().draw) != ""


def test_build_workers_hand_the_cache_to_the_kernels_they_start(tmp_path):
    """A worker's kernels inherit its environment; the pool's initializer names the cache there."""
    code = (
        "import os, sys; from wuwei_analysis.build import pool; "
        "pool.worker_init('', sys.argv[1]); print(os.environ[sys.argv[2]])"
    )
    env = {k: v for k, v in os.environ.items() if k != config.CHART_CACHE_ENV}
    found = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "charts"), config.CHART_CACHE_ENV],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert found.stdout.strip() == str(tmp_path / "charts")
    assert build_pool.WorkerPool(tmp_path / "log", tmp_path / "charts").chart_cache == tmp_path / "charts"


def test_the_html_step_sets_aside_the_phone_drawing_the_charts_write():
    """export.py names the phone type without importing the chart code (the build stays light)."""
    from wuwei_analysis.build import export

    assert chart_files.PHONE_MIME in export._ASIDE_MIMES


def test_the_cache_is_written_whole_without_waiting_for_the_disk(cache, monkeypatch):
    def no_fsync(descriptor):
        raise AssertionError("the cache asked for an fsync")

    monkeypatch.setattr(os, "fsync", no_fsync)
    chart_cache.keep("ab" + "0" * 62, b"\x89PNG bytes")
    assert chart_cache.fetch("ab" + "0" * 62) == b"\x89PNG bytes"
    assert [p.name for p in cache.rglob("*") if p.is_file()] == ["ab" + "0" * 62]  # no temporary left
