"""What the review notebook shows: the article with each found figure highlighted, and the unit and
place words to add to the reference data. HTML is built with markupsafe, so article text is always
escaped."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

from wuwei_analysis.extract.draft import DRAFT_COLUMNS, Draft

MARK_STYLE = "background:#ffe08a;padding:0 2px;border-radius:2px"


def highlighted_html(draft: Draft) -> Markup:
    """The article as HTML paragraphs, every found figure in a <mark> (repeats too)."""
    text = draft.article.text
    parts: list[Markup] = []
    position = 0
    for figure in sorted(draft.found, key=lambda f: f.start):
        parts.append(escape(text[position : figure.start]))
        parts.append(Markup('<mark style="{}">{}</mark>').format(MARK_STYLE, text[figure.start : figure.end]))
        position = figure.end
    parts.append(escape(text[position:]))
    body = Markup("").join(parts)
    paragraphs = [p for p in body.split("\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(Markup(p)) for p in paragraphs)


def draft_table(draft: Draft) -> pd.DataFrame:
    """The draft rows as written to the CSV, lowest confidence first (those need the most care)."""
    return draft.rows.loc[:, list(DRAFT_COLUMNS)].sort_values("confidence", kind="stable")


def additions(draft: Draft) -> pd.DataFrame:
    """Unit words and places to add to data/reference/, with a suggested row for each."""
    rows = [("units.csv", word, row) for word, row in draft.missing_units.items()]
    rows += [("regions.csv", place, row) for place, row in draft.unknown_places.items()]
    return pd.DataFrame(rows, columns=["file", "word", "suggested row"])
