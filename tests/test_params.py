"""Notebook parameters: accepted forms, and one clear message for everything else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import config
from wuwei_analysis.errors import EXIT_BAD_INPUT, ParameterError
from wuwei_analysis.report import params


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    return pf.write_processed(tmp_path_factory.mktemp("processed"))


def _validate(processed: Path, **overrides):
    values = {
        "theme": "health",
        "lang": "zh",
        "region": "620600",
        "year": 2025,
        "processed_dir": str(processed),
    }
    values.update(overrides)
    return params.validate_params(**values)


def _message(processed: Path, **overrides) -> str:
    with pytest.raises(ParameterError) as info:
        _validate(processed, **overrides)
    assert info.value.exit_status == EXIT_BAD_INPUT
    return str(info.value)


def test_defaults_are_valid(processed, tmp_path):
    result = _validate(processed, reports_dir=str(tmp_path / "reports"))
    assert result == params.Params(
        theme="health",
        lang="zh",
        region_code="620600",
        place_zh=None,
        year=2025,
        processed_dir=processed,
        reports_dir=tmp_path / "reports",
    )


@pytest.mark.parametrize(
    ("region", "code", "place"),
    [
        ("620600", "620600", None),
        (620600, "620600", None),  # papermill -p region 620600 gives an int
        (" 620602 ", "620602", None),
        ("凉州区", "620602", None),
        ("Liangzhou District", "620602", None),
        ("gulang", "620622", None),
        ("天祝", "620623", None),
        ("武威城区", "620600", "武威城区"),  # a place below county level keeps its own name
        ("古浪县新堡乡兴民新村", "620622", "古浪县新堡乡兴民新村"),
    ],
)
def test_region_as_code_or_name(processed, region, code, place):
    result = _validate(processed, region=region)
    assert (result.region_code, result.place_zh) == (code, place)


@pytest.mark.parametrize("region", ["999999", 999999, "Beijing", "", True, 620600.0, None, ["620600"]])
def test_unknown_region_names_the_allowed_values(processed, region):
    message = _message(processed, region=region)
    assert message.startswith(f"region={region!r} is not allowed; choose one of: ")
    for code in ("620600", "620602", "620621", "620622", "620623"):
        assert code in message
    assert "武威市" in message and "武威城区" in message


@pytest.mark.parametrize(("lang", "expected"), [("zh", "zh"), ("en", "en"), ("EN", "en"), (" zh ", "zh")])
def test_lang_accepted(processed, lang, expected):
    assert _validate(processed, lang=lang).lang == expected


def test_unknown_lang_is_one_clear_line(processed):
    assert _message(processed, lang="fr") == "lang='fr' is not allowed; choose one of: zh, en"


@pytest.mark.parametrize("lang", [False, True, None, 0, "no", "zh-CN"])
def test_lang_is_never_coerced(processed, lang):
    message = _message(processed, lang=lang)
    assert message.startswith(f"lang={lang!r} is not allowed; choose one of: zh, en")
    if isinstance(lang, bool):  # a YAML `no` becomes False
        assert "quote the value" in message


@pytest.mark.parametrize("theme", ["summary", "Health", "jobs", "", None, False])
def test_unknown_theme(processed, theme):
    message = _message(processed, theme=theme)
    assert message.startswith(f"theme={theme!r} is not allowed; choose one of: ")
    assert "employment, education, health, elderly_care, social_security, urban" in message


@pytest.mark.parametrize("year", [2025, "2025", " 2025 "])
def test_year_accepted(processed, year):
    assert _validate(processed, year=year).year == 2025


@pytest.mark.parametrize("year", [2024, "2024", "abc", "", 2025.0, True, None, "20 25"])
def test_year_must_be_in_the_data(processed, year):
    assert _message(processed, year=year).startswith(f"year={year!r} is not allowed; choose one of: 2025")


def test_allowed_years_come_from_the_data(tmp_path):
    indicators = pf.indicators()
    older = indicators.head(2).assign(year=2024)
    folder = pf.write_processed(tmp_path, pd.concat([indicators, older], ignore_index=True))
    assert params.available_years(folder) == [2024, 2025]
    assert _validate(folder, year=2024).year == 2024
    assert "choose one of: 2024, 2025" in _message(folder, year=2023)


def test_empty_folders_mean_the_config_defaults(processed, monkeypatch, tmp_path):
    monkeypatch.setattr(config, "PROCESSED_DATA_DIR", processed)
    monkeypatch.setattr(config, "SCRATCH_DIR", tmp_path / "scratch")
    result = _validate(processed, processed_dir="", reports_dir="")
    assert result.processed_dir == processed
    assert result.reports_dir == tmp_path / "scratch"  # an interactive run never writes into reports/


def test_processed_dir_must_be_a_processed_folder(processed, tmp_path):
    assert "is not an existing folder" in _message(processed, processed_dir=str(tmp_path / "missing"))
    file = tmp_path / "file.txt"
    file.write_text("x", encoding="utf-8")
    assert "is not an existing folder" in _message(processed, processed_dir=str(file))
    assert "has no indicators.parquet" in _message(processed, processed_dir=str(tmp_path))
    assert "not a folder path" in _message(processed, processed_dir=42)


def test_reports_dir_may_be_new_but_not_a_file(processed, tmp_path):
    assert _validate(processed, reports_dir=str(tmp_path / "new")).reports_dir == tmp_path / "new"
    file = tmp_path / "file.txt"
    file.write_text("x", encoding="utf-8")
    assert "is a file, not a folder" in _message(processed, reports_dir=str(file))


def test_error_renders_as_one_line_in_ipython(processed):
    with pytest.raises(ParameterError) as info:
        _validate(processed, lang="fr")
    assert info.value._render_traceback_() == [
        "ParameterError: lang='fr' is not allowed; choose one of: zh, en"
    ]
