"""The cleaner: bundled data, the processed contract, and every error a user meets."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuwei_analysis import config, contract, reference
from wuwei_analysis.cli import main
from wuwei_analysis.contract import column_names
from wuwei_analysis.errors import DataError
from wuwei_analysis.tables.clean import check, clean, process, raw_files

INDICATOR_COLUMNS = column_names("indicators")
MEASURE_COLUMNS = column_names("measures")

HEADER = "主题,指标代码,指标名称,英文名称,地区,年份,数值,单位,状态,来源,引文"
GOOD_ROW = (
    "urban,urban_pocket_parks,城市小游园,Pocket parks,武威城区,2025,46个,游园,累计,src,累计新建46个城市小游园"
)
SOURCES = "source_id,title,authors,year,kind,language\nsrc,Test source,Someone,2025,test,zh\n"
SOURCE_ARTICLE = config.SOURCES_DIR / "000_8cc33e0044cfc9fd.txt"


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def make_raw(tmp_path: Path, figures: str, name: str = "urban.csv", encoding: str = "utf-8") -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (raw / name).write_bytes(figures.encode(encoding))
    return raw


def problems_for(tmp_path: Path, figures: str, **kwargs) -> list:
    raw = make_raw(tmp_path, figures, **kwargs)
    before = tree_hash(raw)
    with pytest.raises(DataError) as caught:
        clean(raw, tmp_path / "out")
    assert tree_hash(raw) == before, "raw data changed"
    assert not (tmp_path / "out").exists(), "a failed clean wrote output"
    return caught.value.problems


def assert_problem(problems, line, column, value, rule_part):
    matches = [p for p in problems if p.line == line and p.column == column and rule_part in p.rule]
    assert matches, f"no {rule_part!r} at line {line}, column {column}: {problems}"
    assert matches[0].value == value
    assert matches[0].file.endswith(".csv") or matches[0].file.endswith(".xlsx")


# ----------------------------------------------------------------- bundled data


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    result = clean(config.RAW_DATA_DIR, out)
    return result, out


def test_bundled_data_cleans_to_the_contract(bundled):
    result, out = bundled
    for name in ("indicators", "measures", "sources", "data_dictionary"):
        assert (out / f"{name}.parquet").exists() and (out / f"{name}.csv").exists()
    indicators = pd.read_parquet(out / "indicators.parquet")
    assert list(indicators.columns) == INDICATOR_COLUMNS
    assert list(pd.read_parquet(out / "measures.parquet").columns) == MEASURE_COLUMNS
    assert indicators["value"].notna().all()
    assert set(indicators["year"]) == {2025}
    assert (out / "indicators.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_every_theme_is_covered_by_figures_or_measures(bundled):
    result, _ = bundled
    with_figures = set(result.indicators["theme"])
    with_measures = set(result.measures["theme"])
    assert with_figures | with_measures == set(reference.theme_ids())
    # The source states no figures for these two themes; none may be invented.
    assert not with_figures & {"employment", "social_security"}


def test_every_figure_is_quoted_as_written(bundled):
    result, _ = bundled
    for row in result.indicators.itertuples():
        assert row.value_as_written in row.quote, row.indicator_id
        assert len(row.quote) <= 40


@pytest.mark.skipif(not SOURCE_ARTICLE.exists(), reason="source article not beside the checkout")
def test_every_quote_appears_verbatim_in_the_source_article(bundled):
    article = "".join(SOURCE_ARTICLE.read_text(encoding="utf-8").split())
    result, _ = bundled
    quotes = list(result.indicators["quote"]) + list(result.measures["quote"])
    missing = [q for q in quotes if "".join(q.split()) not in article]
    assert not missing


def test_parsed_values_match_the_written_figures(bundled):
    result, _ = bundled
    table = result.indicators.set_index(["indicator_id", "region_zh"])
    village = table.loc[("elderly_care_village_people_served", "古浪县新堡乡兴民新村")]
    assert (village["value"], village["qualifier"]) == (1000.0, "more_than")
    assert table.loc[("urban_parking_ratio", "武威市"), "value"] == pytest.approx(1.22)
    assert table.loc[("health_primary_care_activities", "武威市"), "value"] == 8
    age = table.loc[("education_toddler_care_age", "武威市")]
    assert (age["value"], age["value_high"], age["qualifier"]) == (2, 3, "range")
    assert table.loc[("urban_renovation_progress", "武威市"), "unit"] == "percent"
    assert table.loc[("urban_pocket_parks", "武威城区"), "region_code"] == config.CITY_CODE


def test_rerun_is_byte_identical(bundled, tmp_path):
    _, first = bundled
    clean(config.RAW_DATA_DIR, tmp_path)
    for path in sorted(first.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_clean_never_writes_under_raw(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(config.RAW_DATA_DIR, raw)
    before = tree_hash(raw)
    clean(raw, tmp_path / "out")
    assert tree_hash(raw) == before
    assert sorted(p.name for p in raw.iterdir()) == sorted(p.name for p in config.RAW_DATA_DIR.iterdir())


def test_data_dictionary_describes_every_column_and_indicator(bundled):
    result, out = bundled
    dictionary = pd.read_csv(out / "data_dictionary.csv", encoding="utf-8-sig")
    described = set(dictionary["name"])
    assert set(INDICATOR_COLUMNS) <= described
    assert set(result.indicators["indicator_id"]) <= described


# ----------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_each_encoding_reads_the_same(tmp_path, encoding):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW}\n", encoding=encoding)
    result = process(raw_files(raw))
    row = result.indicators.iloc[0]
    assert (row["name_zh"], row["region_zh"], row["value"]) == ("城市小游园", "武威城区", 46.0)


# ----------------------------------------------------------------- error cases


def test_unparseable_value(tmp_path):
    bad = GOOD_ROW.replace(",46个,", ",四十X个,")
    problems = problems_for(tmp_path, f"{HEADER}\n{GOOD_ROW.replace('urban_pocket', 'urban_x')}\n{bad}\n")
    assert_problem(problems, 3, "value", "四十X个", "")


def test_unknown_unit(tmp_path):
    bad = GOOD_ROW.replace(",游园,", ",公顷,")
    assert_problem(problems_for(tmp_path, f"{HEADER}\n{bad}\n"), 2, "unit", "公顷", "unknown unit")


def test_unknown_region(tmp_path):
    bad = GOOD_ROW.replace(",武威城区,", ",兰州市,")
    assert_problem(problems_for(tmp_path, f"{HEADER}\n{bad}\n"), 2, "region", "兰州市", "region")


def test_missing_required_column(tmp_path):
    header = HEADER.replace(",引文", "")
    row = GOOD_ROW.rsplit(",", 1)[0]
    problems = problems_for(tmp_path, f"{header}\n{row}\n")
    assert any(p.column == "quote" and "missing required column" in p.rule and p.line == 1 for p in problems)


def test_duplicate_figure(tmp_path):
    problems = problems_for(tmp_path, f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n")
    assert_problem(problems, 3, "value", "46个", "duplicate figure")


def test_conflicting_figures_across_files(tmp_path):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW}\n")
    other = GOOD_ROW.replace(",46个,", ",47个,").replace("新建46个", "新建47个")
    (raw / "urban_more.csv").write_text(f"{HEADER}\n{other}\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        clean(raw, tmp_path / "out")
    conflict = [p for p in caught.value.problems if p.rule == "conflicting figure"]
    assert conflict and conflict[0].file.endswith("urban_more.csv") and conflict[0].value == "47个"
    assert "urban.csv line 2" in conflict[0].hint


def test_empty_file(tmp_path):
    problems = problems_for(tmp_path, "")
    assert any("empty" in p.rule and p.file.endswith("urban.csv") for p in problems)


def test_ragged_row(tmp_path):
    problems = problems_for(tmp_path, f"{HEADER}\n{GOOD_ROW},extra\n")
    assert any(p.line == 2 and p.file.endswith("urban.csv") for p in problems), problems


def test_total_row(tmp_path):
    total = GOOD_ROW.replace("城市小游园", "合计").replace("urban_pocket_parks", "urban_total")
    assert_problem(problems_for(tmp_path, f"{HEADER}\n{total}\n"), 2, "name_zh", "合计", "total row")


def test_quote_must_state_the_value(tmp_path):
    bad = GOOD_ROW.replace(",46个,", ",45个,")
    assert_problem(
        problems_for(tmp_path, f"{HEADER}\n{bad}\n"), 2, "quote", "累计新建46个城市小游园", "quote"
    )


@pytest.mark.parametrize(
    ("value", "unit", "rule"),
    [("-46个", "游园", "below"), ("170%", "%", "above"), ("NA", "游园", "missing"), ("#DIV/0!", "游园", "")],
)
def test_implausible_and_missing_values(tmp_path, value, unit, rule):
    bad = GOOD_ROW.replace(",46个,游园,", f",{value},{unit},").replace("新建46个", f"新建{value}")
    assert_problem(problems_for(tmp_path, f"{HEADER}\n{bad}\n"), 2, "value", value, rule)


def test_future_year(tmp_path):
    bad = GOOD_ROW.replace(",2025,", ",2099,")
    assert_problem(problems_for(tmp_path, f"{HEADER}\n{bad}\n"), 2, "year", "2099", "future")


def test_every_problem_is_reported_at_once(tmp_path):
    rows = [
        GOOD_ROW.replace(",武威城区,", ",兰州市,"),
        GOOD_ROW.replace("urban_pocket_parks", "urban_b").replace(",游园,", ",公顷,"),
        GOOD_ROW.replace("urban_pocket_parks", "urban_c").replace(",2025,", ",20x5,"),
    ]
    problems = problems_for(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert {p.line for p in problems} >= {2, 3, 4}


def test_english_header_aliases(tmp_path):
    header = "theme,indicator_id,name_zh,name_en,region,year,value,unit,status,source_id,quote"
    raw = make_raw(tmp_path, f"{header}\n{GOOD_ROW}\n")
    assert process(raw_files(raw)).indicators.iloc[0]["value"] == 46


def test_unknown_header_names_the_accepted_ones(tmp_path):
    problems = problems_for(tmp_path, f"{HEADER.replace('数值', '数量')}\n{GOOD_ROW}\n")
    unknown = [p for p in problems if p.rule == "unknown column"]
    assert unknown and unknown[0].value == "数量" and "value" in unknown[0].hint


# ----------------------------------------------------------------- check and CLI


def test_check_lists_problems_and_writes_nothing(tmp_path):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW.replace(',游园,', ',公顷,')}\n")
    problems, _ = check([raw], today=date(2025, 12, 31))
    assert [p.rule for p in problems] == ["unknown unit"]
    assert sorted(p.name for p in raw.iterdir()) == ["sources.csv", "urban.csv"]


def test_cli_clean_exits_2_with_a_clear_message(tmp_path, capsys):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW.replace(',游园,', ',公顷,')}\n")
    status = main(["clean", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert "urban.csv" in err and "line 2" in err and "'unit'" in err and "公顷" in err
    assert "Traceback" not in err


def test_cli_check_prints_a_table(tmp_path, capsys):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW.replace(',武威城区,', ',兰州市,')}\n")
    assert main(["check", str(raw)]) == 2
    out = capsys.readouterr().out
    assert re.search(r"^file\s+line\s+column\s+value\s+rule\s+hint", out)
    assert "兰州市" in out


def test_cli_check_bundled_data_is_clean(capsys):
    assert main(["check"]) == 0
    assert "warning" not in capsys.readouterr().err, "every place and unit of the reference data is used"


def test_cli_check_warns_about_reference_rows_no_table_uses_and_still_passes(tmp_path, capsys):
    raw = make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW}\n")
    assert main(["check", str(raw)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^warning: regions.csv: rows used by no table: .*凉州区武南镇", err, re.MULTILINE)
    assert "武威城区" not in err and "武威市" not in err  # used, and an administrative region
    assert re.search(r"^warning: units.csv: rows used by no table: persons, ", err, re.MULTILINE)
    assert "parks" not in err.split("units.csv")[1]  # 游园 is an alias of parks


def test_a_unit_read_from_the_value_counts_as_used(tmp_path):
    row = GOOD_ROW.replace(",46个,游园,", ",1000多人,,").replace("46个", "1000多人")
    warnings = check([make_raw(tmp_path, f"{HEADER}\n{row}\n")]).warnings
    assert "persons" not in next(w for w in warnings if w.startswith("units.csv"))


def test_committed_processed_data_matches_the_raw_tables(bundled):
    """data/processed/ is committed for analysts; it must be what `wuwei clean` makes of data/raw."""
    _, fresh = bundled
    for name in ("indicators", "measures", "sources", "data_dictionary"):
        committed = config.PROCESSED_DATA_DIR / f"{name}.csv"
        assert committed.read_bytes() == (fresh / f"{name}.csv").read_bytes(), (
            f"run `make data`: {name} is stale"
        )
        pd.testing.assert_frame_equal(
            pd.read_parquet(config.PROCESSED_DATA_DIR / f"{name}.parquet"),
            pd.read_parquet(fresh / f"{name}.parquet"),
        )


# --- the processed-data contract (contract.py) ---------------------------------------------------


def test_the_report_needs_the_core_columns_of_each_file():
    assert contract.required_columns("indicators.parquet") == (
        "theme", "indicator_id", "name_zh", "name_en", "region_code", "region_zh", "region_en", "year",
        "value", "value_high", "unit", "qualifier", "status", "source_id", "quote",
    )  # fmt: skip
    assert contract.required_columns("measures.parquet") == (
        "theme", "region_code", "region_zh", "region_en", "name_zh", "name_en", "source_id", "quote",
    )  # fmt: skip
    assert contract.required_columns("sources.parquet") == ("source_id", "title")


def test_every_indicator_column_has_a_description():
    assert all(contract.descriptions("indicators").values())
    assert list(contract.descriptions("indicators")) == INDICATOR_COLUMNS


def _one_figure(bundled) -> pd.DataFrame:
    return bundled[0].indicators.head(1)


@pytest.mark.parametrize(
    "column, value", [("status", "rumoured"), ("qualifier", "roughly"), ("theme", "sport")]
)
def test_the_schema_refuses_words_outside_the_reference_vocabularies(bundled, column, value):
    frame = _one_figure(bundled).assign(**{column: value})
    with pytest.raises(pandera.errors.SchemaError, match=column):
        contract.schema("indicators").validate(frame)


def test_the_schema_reads_its_vocabularies_from_the_reference_data(bundled, monkeypatch):
    frame = _one_figure(bundled).astype({"status": str}).assign(status="rumoured")
    with pytest.raises(ValueError, match="statuses.csv.*rumoured"):
        contract.with_dtypes(frame, "indicators")
    statuses = {**reference.statuses(), "rumoured": {"name_zh": "传闻", "name_en": "rumoured"}}
    monkeypatch.setattr(reference, "statuses", lambda: statuses)
    contract.schema("indicators").validate(contract.with_dtypes(frame, "indicators"))


def test_the_schema_refuses_a_repeated_key(bundled):
    frame = _one_figure(bundled)
    with pytest.raises(pandera.errors.SchemaError):
        contract.schema("indicators").validate(pd.concat([frame, frame], ignore_index=True))


def test_clean_leaves_the_key_to_its_duplicate_check_and_the_schema_can_skip_it(bundled):
    frame = _one_figure(bundled)
    twice = pd.concat([frame, frame], ignore_index=True)
    contract.schema("indicators", key=False).validate(twice)  # what clean runs after check_duplicates
    with pytest.raises(pandera.errors.SchemaError):
        contract.schema("indicators", key=True).validate(twice)


@pytest.mark.parametrize("storage", ["str", "object"])
def test_vocabulary_columns_are_cast_as_a_cast_would_with_nulls_and_repeats(storage):
    themes = pd.Series(["urban", None, "health", "urban", None, "education"] * 3, dtype=storage)
    frame = pd.DataFrame({"theme": themes, "year": [2025, None, 2024] * 6}).iloc[2:]  # not from 0
    typed = contract.with_dtypes(frame, "indicators")
    cast = frame.astype({"theme": contract.dtypes("indicators")["theme"], "year": "Int16"})
    pd.testing.assert_frame_equal(typed, cast)
    empty = contract.with_dtypes(frame.head(0), "indicators")
    assert empty["theme"].dtype == cast["theme"].dtype and len(empty) == 0
    with pytest.raises(ValueError, match=r"themes.csv.*\['sport'\]"):
        contract.with_dtypes(
            frame.assign(theme=themes.iloc[2:].where(themes.iloc[2:] != "health", "sport")), "indicators"
        )


def test_schema_allows_every_qualifier_of_the_reference_table():
    words = contract.with_dtypes(pd.DataFrame({"qualifier": sorted(reference.qualifiers())}), "indicators")
    assert {"at_least", "at_most"} <= set(words["qualifier"])
    assert list(words["qualifier"].cat.categories) == list(reference.qualifiers())
    contract.schema("indicators").columns["qualifier"].validate(words)  # raises SchemaError on an unknown one


# --- dtypes (issue 15): vocabularies categorical, year Int16, region_code text -------------------

VOCABULARY_FILES = {"theme": "themes.csv", "unit": "units.csv", "qualifier": "qualifiers.csv",
                    "status": "statuses.csv", "period": "periods.csv"}  # fmt: skip


def _reference_ids(file: str) -> list[str]:
    first = {"themes.csv": "theme_id", "units.csv": "unit_id", "statuses.csv": "status"}.get(
        file, file.removesuffix("s.csv")
    )
    frame = pd.read_csv(config.REFERENCE_DIR / file, dtype=str, keep_default_na=False)
    if file == "themes.csv":
        frame = frame.sort_values("order", key=lambda s: s.astype(int), kind="stable")
    return list(dict.fromkeys(frame[first]))


@pytest.mark.parametrize("table", ["indicators", "measures", "sources"])
def test_parquet_round_trip_keeps_the_contract_dtypes(bundled, table):
    _, out = bundled
    frame = pd.read_parquet(out / f"{table}.parquet")
    assert frame["year"].dtype == "Int16"
    if "region_code" in frame:
        assert frame["region_code"].dtype == "str"
    for column in ("theme", "unit", "qualifier", "status", "period"):
        if column in frame:
            dtype = frame[column].dtype
            assert isinstance(dtype, pd.CategoricalDtype), column
            # the whole vocabulary, from the reference file: not only the values this table holds
            assert set(dtype.categories) >= set(_reference_ids(VOCABULARY_FILES[column])), column
    assert dict(frame.dtypes) == contract.dtypes(table)


def test_every_vocabulary_has_the_categories_of_its_reference_file():
    for column, file in VOCABULARY_FILES.items():
        categories = list(contract.dtypes("indicators")[column].categories)
        expected = _reference_ids(file)
        assert [c for c in categories if c in expected] == expected, column  # in file order
        assert set(categories) - set(expected) <= {"exact", "range"}, column  # qualifiers the parser adds


@pytest.mark.parametrize("table", ["indicators", "measures", "sources", "data_dictionary"])
def test_csv_read_back_with_the_contract_dtypes_equals_the_parquet(bundled, table):
    _, out = bundled
    from_csv = contract.read_csv(out / f"{table}.csv")
    pd.testing.assert_frame_equal(from_csv, pd.read_parquet(out / f"{table}.parquet"))
    by_hand = pd.read_csv(out / f"{table}.csv", **contract.read_csv_options(table))
    pd.testing.assert_frame_equal(by_hand, from_csv)
    if table != "data_dictionary":
        # what a reader without the mapping gets: the reason the mapping exists
        plain = pd.read_csv(out / f"{table}.csv", encoding="utf-8-sig")
        assert plain["year"].dtype == "int64"
        assert "region_code" not in plain or plain["region_code"].dtype == "int64"


def test_a_region_code_with_a_leading_zero_survives_the_csv(tmp_path):
    frame = contract.with_dtypes(pd.DataFrame({"region_code": ["010100"], "year": [2025]}), "measures")
    path = tmp_path / "measures.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    back = pd.read_csv(path, **contract.read_csv_options("measures"))
    assert back["region_code"].tolist() == ["010100"] and back["year"].dtype == "Int16"


def test_the_data_dictionary_states_every_columns_dtype(bundled):
    _, out = bundled
    dictionary = contract.read_csv(out / "data_dictionary.csv")
    for kind, table in (
        ("column", "indicators"),
        ("measures_column", "measures"),
        ("sources_column", "sources"),
    ):
        rows = dictionary[dictionary["kind"] == kind].set_index("name")
        assert list(rows.index) == contract.column_names(table)
        for name, dtype in contract.dtypes(table).items():
            stated = rows.loc[name, "dtype"]
            if isinstance(dtype, pd.CategoricalDtype):
                assert stated == f"category (data/reference/{VOCABULARY_FILES[name]})"
            else:
                assert stated == str(dtype), name
        assert rows["description"].str.len().gt(0).all(), table
    assert set(dictionary.loc[dictionary["kind"] == "indicator", "dtype"]) == {""}
    assert dictionary.loc[dictionary["name"] == "region_code", "dtype"].unique().tolist() == ["str"]
    assert dictionary.loc[dictionary["name"] == "year", "dtype"].unique().tolist() == ["Int16"]


def test_a_value_outside_a_vocabulary_is_refused_not_turned_into_a_blank():
    frame = pd.DataFrame({"unit": ["persons", "furlongs"]})
    with pytest.raises(ValueError, match=r"'unit'.*units.csv.*furlongs"):
        contract.with_dtypes(frame, "indicators")


# ---------------------------------------------------------------- quote_en (optional)


def test_quote_en_is_optional_and_carried_to_the_processed_tables(tmp_path):
    clean(make_raw(tmp_path, f"{HEADER}\n{GOOD_ROW}\n"), tmp_path / "without")
    without = pd.read_csv(tmp_path / "without" / "indicators.csv", keep_default_na=False)
    assert without["quote_en"].tolist() == [""]  # never required: blank when the table has none
    row = f"{GOOD_ROW},46 urban pocket parks built in all"
    clean(make_raw(tmp_path, f"{HEADER},英文引文\n{row}\n"), tmp_path / "with")
    found = pd.read_csv(tmp_path / "with" / "indicators.csv", keep_default_na=False)
    assert found["quote_en"].tolist() == ["46 urban pocket parks built in all"]


def test_quote_en_must_be_an_english_translation(tmp_path):
    problems = problems_for(tmp_path, f"{HEADER},quote_en\n{GOOD_ROW},累计新建46个城市小游园\n")
    assert_problem(problems, 2, "quote_en", "累计新建46个城市小游园", "not a short English translation")


# --- the value-in-quote check: an Arrow fast path for quotes that end with their value ----------


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.text(alphabet=st.sampled_from(list("7所 多万")), max_size=4),
            st.text(alphabet=st.sampled_from(list("7所 多万合：")), max_size=8),
        ),
        max_size=12,
    )
)
def test_value_in_quote_flags_exactly_the_rows_whose_quote_lacks_the_value(rows) -> None:
    from wuwei_analysis.tables import value_checks

    frame = pd.DataFrame(
        {
            "value": pd.Series([v for v, _ in rows], dtype="str"),
            "quote": pd.Series([q for _, q in rows], dtype="str"),
            "_file": "t.csv",
            "_line": range(2, len(rows) + 2),
        }
    )
    flagged = [p.line for p in value_checks.check_value_in_quote(frame)]
    squash = value_checks._squash
    assert flagged == [line for line, (v, q) in enumerate(rows, start=2) if squash(v) not in squash(q)]


def test_a_quote_ending_with_its_value_passes_and_one_without_it_fails() -> None:
    from wuwei_analysis.tables import value_checks

    frame = pd.DataFrame(
        {
            "value": pd.Series(["73所", "73所", "1,234户", "5"], dtype="str"),
            "quote": pd.Series(["建成73所", "建成37所", "共1,234户。", "五"], dtype="str"),
            "_file": "t.csv",
            "_line": [2, 3, 4, 5],
        }
    )
    assert value_checks._quote_ends_with_value(frame["value"], frame["quote"]).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert [(p.line, p.rule) for p in value_checks.check_value_in_quote(frame)] == [
        (3, "quote does not contain the value"),
        (5, "quote does not contain the value"),
    ]
