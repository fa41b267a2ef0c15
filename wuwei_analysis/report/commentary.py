"""Written commentary in Chinese or English, filled from the processed data.

The text of a theme comes from a Jinja2 template per theme and language
(``templates/commentary/{theme}.{lang}.html.j2``). Python computes what the text
states — the figures with their qualifiers, totals, shares, the largest group,
progress against plan — and every figure carries a citation marker that links
to the report's sources table. Templates autoescape: data-derived text (names,
places, descriptions) is inert HTML whatever it contains.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from wuwei_analysis import catalogue, config, reference
from wuwei_analysis.report.derived import Calculated, calculate, written_counter

STATUS_SHOWN = ("planned", "cumulative", "in_progress")
_SINGULAR = {
    "persons": "person",
    "children": "child",
    "people": "person",
    "communities": "community",
    "centres": "centre",
    "homes": "home",
}


# ---------------------------------------------------------------- numbers


def format_number(value: float, lang: str, decimals: int = 2) -> str:
    """A number as a reader of ``lang`` expects it.

    English groups thousands (``9,964``); Chinese writes digits as the source
    does (``9964``). Decimals are kept up to ``decimals`` places, trailing zeros
    dropped (``13.24``, ``1.2``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        text = f"{int(rounded):,}" if lang == "en" else f"{int(rounded)}"
    else:
        text = f"{rounded:,.{decimals}f}" if lang == "en" else f"{rounded:.{decimals}f}"
        text = text.rstrip("0").rstrip(".")
    return text


def format_share(part: float, total: float, lang: str) -> str:
    """A share of a total as a percentage with one decimal (``43.9%``)."""
    return f"{format_number(100.0 * part / total, lang, decimals=1)}%"


# Suffix qualifier words that follow the unit (20人以下, 5%以下); 多 and 余 sit before it (1000多人).
_AFTER_UNIT_WORDS = frozenset({"以上", "以下", "左右"})


def unit_names(row: pd.Series | dict) -> tuple[str, str]:
    """A figure's unit in zh and en; the catalogue's ``unit_en`` where it has a better word."""
    unit = str(row.get("unit", ""))
    known = reference.units().get(unit)
    unit_zh = row.get("unit_zh") or (known.name_zh if known else unit)
    unit_en = row.get("unit_en") or (known.name_en if known else unit)
    counted = catalogue.load().indicators.get(str(row.get("indicator_id", "")))
    if counted is not None and counted.unit_en:
        unit_en = counted.unit_en  # toddlers are "children", not "persons"
    return str(unit_zh), str(unit_en)


def _counter_word(row: pd.Series | dict, unit_zh: str) -> str:
    """The source's own counter word for a one-character unit: 15家 stays 家, 387名 stays 名.

    Only the counter is taken from ``value_as_written``; the number stays in digits (八项 → 8项).
    """
    counter = written_counter(str(row.get("value_as_written") or ""))
    return counter if len(unit_zh) == 1 and counter else unit_zh


def shared_unit_zh(rows: pd.DataFrame) -> str:
    """The Chinese unit word of figures in one unit: their shared counter (家) if they have one."""
    words = {_counter_word(row, unit_names(row)[0]) for _, row in rows.iterrows()}
    return words.pop() if len(words) == 1 else unit_names(rows.iloc[0])[0]


def _unit_en(unit_en: str, value: float) -> str:
    if value == 1 and " per " not in unit_en and " of " not in unit_en:
        words = unit_en.split(" ")
        words[-1] = _SINGULAR.get(words[-1], words[-1][:-1] if words[-1].endswith("s") else words[-1])
        return " ".join(words)
    return unit_en


def format_value(row: pd.Series | dict, lang: str, unit: bool = True) -> str:
    """One figure as text, qualifier honoured: ``1000多人`` / ``more than 1,000 persons``.

    Ranges read ``2至3岁`` / ``2–3 years of age``; percentages ``70%``; ratios
    ``1:1.22``. ``unit=False`` leaves out the unit word (chart value labels).
    """
    value = float(row["value"])
    qualifier = str(row.get("qualifier") or "exact")
    unit_id = str(row.get("unit", ""))
    unit_zh, unit_en = unit_names(row)
    number = format_number(value, lang)
    if qualifier == "range" and not pd.isna(row.get("value_high", float("nan"))):
        high = format_number(float(row["value_high"]), lang)
        number = f"{number}至{high}" if lang == "zh" else f"{number}–{high}"
    if unit_id == "ratio":
        number = f"1:{number}"
    if lang == "zh":
        unit_zh = _counter_word(row, unit_zh)
        position, word = reference.qualifier_words().usual.get(qualifier, ("", ""))
        after = word if position == "suffix" and word in _AFTER_UNIT_WORDS else ""
        if position == "prefix":
            number = word + number
        elif position == "suffix" and not after:
            number = number + word
        if unit_id == "percent":
            return number + "%" + after
        return number + (unit_zh if unit and unit_id != "ratio" else "") + after
    words = reference.qualifiers().get(qualifier, {}).get("name_en", "") if qualifier != "range" else ""
    text = f"{words} {number}".strip()
    if unit_id == "percent":
        return text + "%"
    if unit and unit_id != "ratio":
        text += " " + _unit_en(
            unit_en, float(row.get("value_high") or value) if qualifier == "range" else value
        )
    return text


def in_report_order(indicators: pd.DataFrame, theme: str) -> pd.DataFrame:
    """Rows in the order a report states them: the catalogue's order, then the rest as they come."""
    rank = {indicator_id: n for n, indicator_id in enumerate(catalogue.load().report_order(theme))}
    key = indicators["indicator_id"].map(lambda i: rank.get(i, len(rank)))
    return indicators.assign(_rank=key).sort_values("_rank", kind="stable").drop(columns="_rank")


def format_calculated(figure: Calculated, lang: str) -> str:
    """A calculated figure as text, rounded to its operation's places (``43.9%``, ``5.7``)."""
    value = round(figure.value, figure.decimals)
    if figure.unit == "percent":
        return f"{format_number(value, lang, decimals=figure.decimals)}%"
    row = {
        "value": value,
        "qualifier": "exact",
        "unit": figure.unit,
        "indicator_id": figure.indicator_id,
        "value_as_written": figure.counter,
    }  # its inputs' counter word (124家), as a figure's own
    return format_value(row, lang)


_OPERATORS = {"sum": " + ", "share": " ÷ ", "ratio": " ÷ "}


def calculation(figure: Calculated, lang: str) -> str:
    """How a calculated figure was got from its inputs: ``848 + 985 + 1437``, ``100% − 70%``."""
    numbers = [format_number(v, lang) for v in figure.values]
    if figure.operation == "difference_from_100":
        return f"100% − {numbers[0]}%" if numbers else ""
    return _OPERATORS.get(figure.operation, ", ").join(numbers)


def marked(figure: Calculated, lang: str, inputs: bool = True) -> Markup:
    """A calculated figure's text, marked as calculated with its inputs; its definition on hover.

    ``inputs=False`` marks it without them (shares, whose total is stated just before).
    """
    labels = reference.labels(lang)
    mark = (
        labels["page.calculated_mark"].format(inputs=calculation(figure, lang))
        if inputs
        else labels["page.calculated_short"]
    )
    return Markup(
        '<span class="wuwei-calculated" title="{}">{}</span><span class="calc-mark">{}</span>'
    ).format(getattr(figure, f"definition_{lang}"), format_calculated(figure, lang), mark)


# ---------------------------------------------------------------- citations


def source_numbers(*frames: pd.DataFrame) -> dict[str, int]:
    """source_id → citation number (1, 2, …) for the sources these rows cite, in id order."""
    ids: set[str] = set()
    for frame in frames:
        if frame is not None and "source_id" in frame:
            ids.update(str(s) for s in frame["source_id"].dropna())
    return {source_id: n for n, source_id in enumerate(sorted(ids), start=1)}


def anchor(number: int) -> str:
    """The HTML id of a source's row in the sources table."""
    return f"wuwei-source-{number}"


def cite(source_ids: Iterable[str], numbers: dict[str, int]) -> Markup:
    """A superscript citation marker linking to the sources table: ``[1]``."""
    ids = sorted({str(s) for s in source_ids}, key=lambda s: numbers.get(s, 0))
    links = [
        Markup('<a href="#{}" title="{}">{}</a>').format(anchor(numbers[s]), s, numbers[s])
        for s in ids
        if s in numbers
    ]
    if not links:
        return Markup("")
    return Markup('<sup class="wuwei-cite">[') + Markup(", ").join(links) + Markup("]</sup>")


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    """One figure of the data, ready to be stated."""

    indicator_id: str
    label: str  # the indicator's name, plus the place when it is below the report's region
    name: str
    place: str
    value: float
    qualifier: str
    unit: str
    number: str  # qualified number without the unit: "1000多" / "more than 1,000"
    text: str  # qualified number with the unit: "1000多人" / "more than 1,000 persons"
    status: str
    status_label: str  # shown for planned / cumulative / in-progress figures, else ""
    source_id: str
    cite: Markup
    share: str = ""  # calculated share of its group's total, marked as calculated
    role: str = ""  # how a template names it within its group (catalogue column role)


@dataclass
class Group:
    """Figures the prose states together, with the catalogue's figures calculated from them."""

    key: str
    facts: list[Fact]
    lang: str
    numbers: dict[str, int]
    calculated: list[Calculated] = field(default_factory=list)
    by_role: dict[str, Fact] = field(init=False)
    total: float | None = field(init=False, default=None)
    total_text: str = field(init=False, default="")
    largest: Fact | None = field(init=False, default=None)
    cite: Markup = field(init=False)

    def __post_init__(self) -> None:
        self.cite = cite((f.source_id for f in self.facts), self.numbers)
        shares = {c.inputs[0]: c for c in self.calculated if c.operation == "share"}
        self.facts = [
            replace(f, share=marked(shares[f.indicator_id], self.lang, inputs=False))
            if f.indicator_id in shares
            else f
            for f in self.facts
        ]
        self.by_role = {}
        for fact in self.facts:
            if fact.role:
                self.by_role.setdefault(fact.role, fact)
        total = next((c for c in self.calculated if c.operation == "sum"), None)
        if total is not None:
            self.total = total.value
            self.total_text = marked(total, self.lang)
            self.largest = max(
                (f for f in self.facts if f.indicator_id in total.inputs), key=lambda f: f.value
            )

    def get(self, role: str) -> Fact | None:
        """The group's figure with this catalogue role (e.g. ``"care"``), if stated."""
        return self.by_role.get(role)

    def calc(self, role: str) -> Markup | None:
        """The group's calculated figure with this catalogue role (e.g. ``"remaining"``), marked."""
        found = next((c for c in self.calculated if c.role == role), None)
        return marked(found, self.lang) if found else None


def facts_from(indicators: pd.DataFrame, lang: str, region_zh: str, numbers: dict[str, int]) -> list[Fact]:
    """Every row of ``indicators`` as a Fact, in table order."""
    statuses = reference.statuses()
    known = catalogue.load().indicators
    facts = []
    for _, row in indicators.iterrows():
        place_zh = str(row["region_zh"])
        place = "" if place_zh == region_zh else str(row[f"region_{lang}"])
        name = str(row[f"name_{lang}"])
        label = name
        if place:
            label = f"{name}（{place}）" if lang == "zh" else f"{name} ({place})"
        status = str(row.get("status", "unstated"))
        status_label = statuses.get(status, {}).get(f"name_{lang}", status) if status in STATUS_SHOWN else ""
        facts.append(
            Fact(
                indicator_id=str(row["indicator_id"]),
                label=label,
                name=name,
                place=place,
                value=float(row["value"]),
                qualifier=str(row.get("qualifier") or "exact"),
                unit=str(row["unit"]),
                number=format_value(row, lang, unit=False),
                text=format_value(row, lang),
                status=status,
                status_label=status_label,
                source_id=str(row["source_id"]),
                cite=cite([row["source_id"]], numbers),
                role=known[row["indicator_id"]].role if row["indicator_id"] in known else "",
            )
        )
    return facts


def groups_from(
    facts: list[Fact], theme: str, lang: str, numbers: dict[str, int],
    calculated: dict[str, Calculated] | None = None,
) -> dict[str, Group]:  # fmt: skip
    """The theme's prose groups that have at least one figure, facts in catalogue order."""
    known = catalogue.load().indicators
    groups = {}
    for key, group in catalogue.load().prose(theme).items():
        ids = group.members
        members = sorted(
            (f for f in facts if f.indicator_id in ids), key=lambda f: (ids.index(f.indicator_id), f.place)
        )
        if members:
            mine = [c for c in (calculated or {}).values() if known[c.indicator_id].prose == key]
            groups[key] = Group(key, members, lang, numbers, mine)
    return groups


@dataclass(frozen=True)
class Measure:
    """A named programme or initiative (no figure)."""

    name: str
    description: str
    place: str
    cite: Markup


def measures_from(
    measures: pd.DataFrame, lang: str, region_zh: str, numbers: dict[str, int]
) -> list[Measure]:
    result = []
    for _, row in measures.iterrows():
        place = "" if str(row["region_zh"]) == region_zh else str(row[f"region_{lang}"])
        result.append(
            Measure(
                name=str(row[f"name_{lang}"]),
                description=str(row.get(f"description_{lang}", "") or ""),
                place=place,
                cite=cite([row["source_id"]], numbers),
            )
        )
    return result


# ---------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the commentary templates: autoescape on, undefined is an error."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR / "commentary")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def template_name(theme: str, lang: str) -> str:
    return f"{theme}.{lang}.html.j2"


def build_commentary(
    indicators: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    theme: str,
    lang: str,
    region_zh: str,
    region_name: str,
    year: int,
    numbers: dict[str, int] | None = None,
) -> Markup:
    """The commentary of one theme, region and year as an HTML fragment.

    ``indicators`` and ``measures`` are already narrowed to the theme, region
    and year; ``region_zh`` is the report's own place (figures of places below
    it are labelled with their place); ``region_name`` is how the text names it.
    """
    numbers = numbers if numbers is not None else source_numbers(indicators, measures)
    facts = facts_from(in_report_order(indicators, theme), lang, region_zh, numbers)
    themes = reference.themes()
    groups = groups_from(
        facts, theme, lang, numbers, calculate(indicators, catalogue.load().calculated(theme))
    )
    grouped = {f.indicator_id for g in groups.values() for f in g.facts}
    others = [f for f in facts if f.indicator_id not in grouped]
    context = {
        "lang": lang,
        "theme": theme,
        "theme_name": themes[theme][f"name_{lang}"],
        "region": region_name,
        "year": year,
        "facts": facts,
        "groups": groups,
        "others": others,
        "others_cite": cite((f.source_id for f in others), numbers),
        "measures": measures_from(measures, lang, region_zh, numbers),
        "measures_cite": cite(measures["source_id"] if len(measures) else [], numbers),
        "fmt": lambda value: format_number(value, lang),
    }
    html = environment().get_template(template_name(theme, lang)).render(**context)
    return Markup(html.strip())


def escape_text(text: object) -> Markup:
    """Escape any data text for HTML (re-exported for report and tests)."""
    return escape(str(text))
