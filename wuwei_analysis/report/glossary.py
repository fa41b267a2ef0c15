"""Definitions of programme terms (``data/reference/glossary.csv``), shown where a page uses them.

A term is explained on a page when it occurs in the page's figures or measures (names, quotes,
descriptions). The explanations are our own, in zh and en; the file is data, so a new term needs
a row, not code.
"""

from __future__ import annotations

import csv

import pandas as pd
from markupsafe import Markup

from wuwei_analysis import config

GLOSSARY_FILE = config.REFERENCE_DIR / "glossary.csv"
_TEXT_COLUMNS = ("name_zh", "quote", "description_zh")


def terms() -> list[dict[str, str]]:
    """Every row of the glossary, in file order."""
    with GLOSSARY_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def used(*frames: pd.DataFrame) -> list[dict[str, str]]:
    """The terms that occur in these rows' Chinese text, in glossary order."""
    text = " ".join(
        str(value)
        for frame in frames
        for column in _TEXT_COLUMNS
        if column in frame
        for value in frame[column]
    )
    return [row for row in terms() if row["term"] and row["term"] in text]


def glossary_html(indicators: pd.DataFrame, measures: pd.DataFrame, lang: str) -> Markup:
    """A definition list of the terms the page uses; empty when it uses none."""
    found = used(indicators, measures)
    if not found:
        return Markup("")
    items = Markup("").join(
        Markup('<dt><span lang="zh-Hans">{}</span>{}</dt><dd>{}</dd>').format(
            row["term"],
            Markup(' <span lang="en">{}</span>').format(row["name_en"]) if lang == "en" else "",
            row[f"explanation_{lang}"],
        )
        for row in found
    )
    return Markup('<dl class="wuwei-glossary">{}</dl>').format(items)
