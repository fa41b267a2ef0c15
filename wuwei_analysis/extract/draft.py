"""Turn the figures found in an article into draft rows of the raw figures format, for review.

One row per figure (a figure stated twice is one row), with the value exactly as written, the
shortest clause that states it, best guesses for theme, status, period, place, year and name, a
confidence between 0 and 1 and a note that says what to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wuwei_analysis.errors import relative_name
from wuwei_analysis.extract import context as ctx
from wuwei_analysis.extract.figures import Found, Trap, scan
from wuwei_analysis.extract.keywords import Keywords, load_keywords, unit_for_counter
from wuwei_analysis.extract.text import Article, sentence_at
from wuwei_analysis.tables.parse import parse_values

DRAFT_COLUMNS = (
    "theme", "indicator_id", "name_zh", "name_en", "region", "year", "value", "unit", "period",
    "status", "source_id", "quote", "confidence", "note",
)  # fmt: skip
AGE_UNIT = "years_of_age"  # ages are usually conditions (40周岁以上), not figures
AGE_LIMIT = re.compile(r"以上|以下|年满|未满|不满")
UNDATED = "undated"
CALENDAR_YEAR = "year"


@dataclass(frozen=True)
class Options:
    """What the analyst tells the extractor; defaults when the text does not say."""

    source_id: str = ""
    region: str = ""
    year: str = ""


@dataclass
class Draft:
    """The drafted rows and what the analyst should add to the reference data."""

    article: Article
    rows: pd.DataFrame
    found: tuple[Found, ...]  # every figure found, repeats included (for highlighting)
    traps: tuple[Trap, ...]
    missing_units: dict[str, str] = field(default_factory=dict)  # unit word -> suggested units.csv row
    unknown_places: dict[str, str] = field(default_factory=dict)  # place -> suggested regions.csv row


def draft_article(
    article: Article, options: Options | None = None, keywords: Keywords | None = None
) -> Draft:
    """Draft one row per figure of `article`."""
    keywords = keywords or load_keywords()
    options = options or Options()
    text = article.text
    found = scan(text, keywords)
    parsed = parse_values(pd.Series([f.value for f in found.figures], dtype=object))
    indexes = {kind: ctx.keyword_index(text, keywords, kind) for kind in ("theme", "status", "period")}
    indexes["region"] = ctx.region_index(text, keywords)
    defaults = _defaults(article, options, indexes["region"])
    rows: list[dict] = []
    for figure, (_, value) in zip(found.figures, parsed.iterrows(), strict=True):
        row = _row(article, figure, value, indexes, keywords, defaults)
        if not _merge_repeat(rows, row, article.line_of(figure.start)):
            rows.append(row)
    _suggest_ids(rows)
    table = pd.DataFrame(rows, columns=[*DRAFT_COLUMNS, "_start", "_end", "_counter"])
    missing = {
        w: f"?,{w},,count,{w},{w},0,"
        for w in dict.fromkeys(table["_counter"])
        if w and not unit_for_counter(w) and w not in keywords.known_counters
    }
    places = {p: ctx.place_row(p) for p in ctx.unknown_places(text, keywords)}
    return Draft(article, table, found.figures, found.traps, missing, places)


def _defaults(article: Article, options: Options, regions: ctx.Index) -> dict[str, str]:
    """Source id, region and year when the text near a figure does not say."""
    head = article.text[:300]
    region = options.region
    if not region:  # the first place the title names, else the first place of the article
        hits = regions.within(ctx.Span(0, len(head))) or regions.hits[:1]
        region = hits[0].value if hits else ""
    year = options.year or ctx.year_in(head, ctx.Span(0, len(head)))
    return {"source_id": options.source_id, "region": region, "year": str(year)}


def _row(article, figure: Found, parsed: pd.Series, indexes: dict, keywords: Keywords, defaults) -> dict:
    """One draft row: guesses, confidence and notes."""
    text, start, end = article.text, figure.start, figure.end
    notes: list[str] = []
    confidence = 0.9
    theme = ctx.nearest(indexes["theme"], text, start, end)
    if not theme.value:
        confidence -= 0.3
        notes.append("no theme word nearby: choose the theme")
    elif theme.scope not in ("clause", "sentence"):
        confidence -= 0.1
        notes.append(f"theme from the {theme.scope} ({theme.word})")
    status = ctx.first_listed(indexes["status"], keywords.words["status"], text, start, ("clause",))
    period = _period(text, start, indexes["period"], keywords)
    place = ctx.nearest(indexes["region"], text, start, end)
    if not place.value:
        notes.append(f"region not named nearby: {defaults['region'] or 'fill it in'} by default")
    year = ctx.year_in(text, sentence_at(text, start)) or defaults["year"]
    if period.scope in ("paragraph", "list lead"):
        notes.append(f"period from the {period.scope} ({period.word})")
    elif not period.value:
        notes.append("no period word: undated stock, or the year?")
    unit, unit_notes, unit_penalty = _unit(figure, parsed, keywords)
    notes += unit_notes
    confidence -= unit_penalty
    if figure.chinese:
        confidence -= 0.3
        notes.append("Chinese numeral: a count, or part of a name?")
    if figure.bare:
        confidence -= 0.4
        notes.append("no unit word: is this a figure?")
    if parsed["kind"] == "error":
        confidence = min(confidence, 0.2)
        notes.append(f"the cleaner cannot read this value ({parsed['error']})")
    return {
        "theme": theme.value,
        "indicator_id": "",
        "name_zh": ctx.guess_name(text, start, end, keywords),
        "name_en": "",
        "region": place.value or defaults["region"],
        "year": year,
        "value": figure.value,
        "unit": unit,
        "period": period.value or UNDATED,
        "status": status.value,
        "source_id": defaults["source_id"],
        "quote": ctx.quote_for(text, start, end),
        "confidence": round(max(0.05, min(confidence, 1.0)), 2),
        "note": "; ".join(notes),
        "_start": start,
        "_end": end,
        "_counter": "" if figure.counter == "%" else figure.counter,
    }


def _period(text: str, start: int, index: ctx.Index, keywords: Keywords) -> ctx.Guess:
    """A period word in the clause or sentence; else the calendar year if the sentence names one
    (2025年，…); else a period word of the paragraph or the list's lead (今年以来，…)."""
    order = keywords.words["period"]
    near = ctx.first_listed(index, order, text, start, ("clause", "sentence"))
    if near.value:
        return near
    if ctx.year_in(text, sentence_at(text, start)):
        return ctx.Guess(CALENDAR_YEAR, "sentence")
    return ctx.first_listed(index, order, text, start, ("paragraph", "list lead"))


def _unit(figure: Found, parsed: pd.Series, keywords: Keywords) -> tuple[str, list[str], float]:
    """Unit id for the row, notes about it, and how much it lowers confidence."""
    if parsed["kind"] == "ratio":
        return "ratio", [], 0.0
    if parsed["kind"] == "percent":
        return "percent", [], 0.0
    counter = figure.counter
    unit = unit_for_counter(counter) if counter else ""
    if not counter:
        return "", [], 0.0
    if unit == AGE_UNIT:
        if parsed["kind"] == "range":
            return unit, ["an age range: a condition or a figure?"], 0.3
        if AGE_LIMIT.search(figure.value):
            return unit, ["age limit: a condition, not a figure"], 0.6
        return unit, ["an age: of one person, or a condition?"], 0.6
    if unit:
        return unit, [], 0.0
    if counter in keywords.known_counters:
        return counter, [f"unit word {counter} names several units in units.csv: choose one"], 0.05
    return counter, [f"unit word {counter} not in units.csv"], 0.15


def _merge_repeat(rows: list[dict], row: dict, line: int) -> bool:
    """Fold a figure stated again (same value, same theme, overlapping words) into the first row."""
    for first in rows:
        if first["value"] != row["value"] or first["theme"] != row["theme"]:
            continue
        if first["name_zh"] == row["name_zh"] or _overlap(first["quote"], row["quote"]) >= 0.3:
            first["note"] = "; ".join(filter(None, [first["note"], f"stated again on line {line}"]))
            return True
    return False


def _overlap(a: str, b: str) -> float:
    """Share of character pairs two quotes have in common (Jaccard on bigrams)."""
    pairs_a, pairs_b = ({s[i : i + 2] for i in range(len(s) - 1)} for s in (a, b))
    return len(pairs_a & pairs_b) / max(1, len(pairs_a | pairs_b))


def _suggest_ids(rows: list[dict]) -> None:
    """A placeholder id per row (theme_unit_n); the analyst keeps last year's id when there is one."""
    seen: dict[str, int] = {}
    for row in rows:
        stem = f"{row['theme'] or 'unknown'}_{row['unit'] or 'figure'}"
        stem = re.sub(r"[^a-z0-9_]", "", stem.lower()) or "figure"
        seen[stem] = seen.get(stem, 0) + 1
        row["indicator_id"] = f"{stem}_{seen[stem]}"


def write_draft(draft: Draft, out: Path) -> None:
    """Write the draft rows as UTF-8 CSV with the draft header."""
    out.parent.mkdir(parents=True, exist_ok=True)
    draft.rows.loc[:, list(DRAFT_COLUMNS)].to_csv(out, index=False, encoding="utf-8")


def summary(draft: Draft, out: str) -> str:
    """What the command prints: figures found, unit words and places to add to the reference data."""
    lines = [
        f"{len(draft.rows)} figure(s) drafted from {relative_name(draft.article.path)} → {out} "
        f"({len(draft.found)} found, {len(draft.found) - len(draft.rows)} repeat(s) folded, "
        f"{len(draft.traps)} number(s) left out as not figures)"
    ]
    lines.append(f"unit words missing from data/reference/units.csv: {len(draft.missing_units)}")
    lines += [f"  {word}: suggested row  {row}" for word, row in draft.missing_units.items()]
    lines.append(f"places not in data/reference/regions.csv: {len(draft.unknown_places)}")
    lines += [f"  {place}: suggested row  {row}" for place, row in draft.unknown_places.items()]
    lines.append(
        "review every row (confidence, note), then copy the good ones to data/raw/ and run wuwei check"
    )
    return "\n".join(lines)
