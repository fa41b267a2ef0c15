"""The reference data: one reader per file, labels kept as data, one language tag, harmonising helpers."""

from __future__ import annotations

import ast
import re
import string

import pytest

from wuwei_analysis import config, reference
from wuwei_analysis.build import site_index

PACKAGE = config.PACKAGE_DIR
REFERENCE_FILES = sorted(p.name for p in config.REFERENCE_DIR.glob("*.csv"))
# The mappings every stage shares; files of one stage (the indicator catalogue, the extractor's
# keywords) are read by that stage's own module, still exactly one.
SHARED_FILES = {"regions.csv", "units.csv", "themes.csv", "statuses.csv", "qualifiers.csv", "headers.csv"}
SHARED_FILES |= {"labels.csv"}
# Readers still outside reference.py, each on its way out in a parallel branch of issue 9: when
# commentary calls reference.qualifier_words().usual, delete the entry (the test fails until then).
PENDING: dict[str, set[str]] = {}


def _readers(name: str) -> set[str]:
    """Modules that build a path to ``name`` (``folder / "name.csv"``) or read it with ``_rows``."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            joined = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and node.right
            rows = isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_rows" and node.args[0]
            named = isinstance(node, ast.Assign) and node.value  # FILE = "name.csv", then folder / FILE
            for part in (joined, rows, named):
                if isinstance(part, ast.Constant) and part.value == name:
                    found.add(str(path.relative_to(PACKAGE)))
    return found


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_each_reference_file_has_one_reader(name):
    readers = _readers(name) - PENDING.get(name, set())
    assert len(readers) == 1, f"{name} is read by {sorted(readers) or 'no module'}"
    if name in SHARED_FILES:
        assert readers == {"reference.py"}
    assert _readers(name) & PENDING.get(name, set()) == PENDING.get(name, set()), "PENDING is out of date"


def test_theme_ids_are_the_rows_of_themes_csv_in_report_order():
    assert reference.theme_ids() == (
        "employment", "education", "health", "elderly_care", "social_security", "urban",
    )  # fmt: skip
    assert not hasattr(config, "THEMES"), "config keeps no copy of themes.csv"


def test_qualifier_words_give_the_word_text_writes_for_each_qualifier():
    usual = reference.qualifier_words().usual
    assert usual["more_than"] == ("suffix", "多") and usual["less_than"] == ("prefix", "不足")


# --- regions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, name",
    [
        ("武威城区", "en", "Wuwei urban area"),
        ("武威城区", "zh", "武威城区"),
        ("620600", "en", "Wuwei City"),
        ("620622", "zh", "古浪县"),
        ("Tianzhu", "zh", "天祝藏族自治县"),
        ("兰州市", "en", "兰州市"),  # unknown: shown as given
    ],
)
def test_one_reader_of_regions_names_a_place_by_code_name_or_alias(text, lang, name):
    assert reference.region_name(text, lang) == name
    assert site_index.region_name(text, lang) == name


def test_an_english_page_header_names_the_urban_area_in_english():
    context = site_index.report_context("urban", "en", "武威城区", 2025)
    assert "Wuwei urban area" in context["title"] and "武威城区 livelihood" not in context["title"]


# --- harmonising names with warnings (OWID's harmonize_countries) ----------------------------------


def test_harmonize_regions_maps_names_and_codes_and_says_what_did_not_fit():
    result = reference.harmonize_regions(["武威城区", "620600", "凉州", "兰州市", "兰州市", " "])
    assert result.mapping == {"武威城区": "武威城区", "620600": "武威市", "凉州": "凉州区"}
    assert result.missing == ("兰州市",)
    # Administrative regions are the list a report can be made for, never "unused".
    assert "凉州区武南镇" in result.unused and "民勤县" not in result.unused
    assert result.warnings() == [
        "regions.csv: no row for 兰州市",
        "regions.csv: rows used by no table: " + ", ".join(result.unused),
    ]
    assert result.warnings(warn_on_missing=False, warn_on_unused=False) == []


def test_harmonize_units_maps_aliases_and_ids():
    result = reference.harmonize_units(["所", "persons", "人次"])
    assert result.mapping == {"所": "institutions", "persons": "persons"}
    assert result.missing == ("人次",)
    assert "institutions" not in result.unused and "households" in result.unused


def test_nothing_unused_and_nothing_missing_gives_no_warning():
    every_unit = list(reference.units())
    assert reference.harmonize_units(every_unit).warnings() == []


# --- labels as data --------------------------------------------------------------------------------

# Where each group of labels is asked for: the module that reads the group, and how it asks.
LABEL_GROUPS = {"page", "summary", "chart", "site", "nav", "landing", "compare"}
# Functions whose second argument (after the context) is a label key of the module's group.
KEY_TAKERS = {"_fill", "_section"}
# Names whose subscript is a label key: ctx.text[...], words[...], labels[...].
KEY_HOLDERS = {"text", "words", "labels"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_label_has_both_languages_with_the_same_placeholders():
    zh, en = reference.labels("zh"), reference.labels("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _fields(zh[key]) == _fields(en[key]), key
        assert key.split(".")[0] in LABEL_GROUPS, key
    with pytest.raises(KeyError):
        reference.labels("fr")


def _label_reads() -> tuple[set[tuple[str, ...]], set[str]]:
    """(each key the package asks for, as the dotted keys it may stand for; every string constant)."""
    asked: set[tuple[str, ...]] = set()
    constants: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        groups = sorted(
            {
                node.args[0].value
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("label_group", "_labels")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            }
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                constants.add(node.values[0].value.rstrip("."))  # f"change_names.{...}"
            key = None
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "label_list":
                asked.add((node.args[0].value,))
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                holder = node.value
                if isinstance(holder, ast.Call) and getattr(holder.func, "attr", "") == "labels":
                    asked.add((node.slice.value,))  # reference.labels(lang)["page.no_sources"]
                name = holder.attr if isinstance(holder, ast.Attribute) else getattr(holder, "id", "")
                key = node.slice.value if name in KEY_HOLDERS else None
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in KEY_TAKERS:
                key = node.args[1].value if isinstance(node.args[1], ast.Constant) else None
            if isinstance(key, str) and "." in key and key.split(".")[0] in LABEL_GROUPS:
                asked.add((key,))  # a whole key: labels = reference.labels(lang); labels["page.no_sources"]
            elif isinstance(key, str) and groups:
                asked.add(tuple(f"{group}.{key}" for group in groups))
    return asked, constants


def test_every_label_the_code_asks_for_exists():
    asked, _ = _label_reads()
    labels = reference.labels("en")
    missing = [keys for keys in asked if not any(key in labels for key in keys)]
    assert len(asked) > 40 and missing == [], f"asked for but not in labels.csv: {missing}"


def test_no_label_row_is_unused():
    _, constants = _label_reads()
    unused = []
    for key in reference.labels("en"):
        parts = key.split(".")
        # Used when the code spells the whole key, or the key below its group (or below
        # site.status), or, for a key built at run time such as change_names.new, its parent.
        candidates = {key, ".".join(parts[1:]), parts[-1], ".".join(parts[1:-1])} - {""}
        if not candidates & constants:
            unused.append(key)
    assert unused == []


# --- one language tag ------------------------------------------------------------------------------


def test_every_page_writes_the_one_chinese_language_tag():
    tags = set()
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]:
        tags |= set(re.findall(r"\bzh-[A-Za-z]{2,4}\b", path.read_text(encoding="utf-8")))
    assert tags == {config.HTML_LANG["zh"]}
    assert site_index.report_context("urban", "zh", "620600", 2025)["html_lang"] == "zh-Hans"
    manifest = {"notebooks": {"zh/urban": {"lang": "zh", "theme": "urban", "status": "ok"}}}
    index = site_index.render_index(manifest)
    assert '<html lang="zh-Hans">' in index and '<section class="landing" id="zh" lang="zh-Hans">' in index
