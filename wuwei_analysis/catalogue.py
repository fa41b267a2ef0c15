"""The indicator catalogue: what each indicator is, where it is drawn and told, what it compares with.

The one reader of ``data/reference/indicators.csv`` (one row per indicator, calculated ones included),
``indicator_groups.csv`` (the charts and prose groups of each theme) and ``headlines.csv`` (the
summary's headline figures). The format is documented in ``data/raw/README.md``. Like OWID's
``harmonize_countries(warn_on_missing_countries=True, warn_on_unused_countries=True)``, it says which
figures of the data have no catalogue row (:func:`missing`) and which rows no figure uses
(:func:`unused`); such figures still show in their theme, among the other figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from wuwei_analysis import config, reference
from wuwei_analysis.errors import DataError, Problem, relative_name

INDICATORS_FILE = "indicators.csv"
GROUPS_FILE = "indicator_groups.csv"
HEADLINES_FILE = "headlines.csv"
NOT_DRAWN = "none"  # chart column: stated in the text and the table, never drawn
CHART_KINDS = ("panels", "roles", "plan_progress")
# operation → how many named inputs it takes (None: two or more)
OPERATIONS = {"sum": None, "share": 2, "difference_from_100": 1, "ratio": 2}


@dataclass(frozen=True)
class Indicator:
    """One catalogue row: a figure of the data, or one calculated from named inputs."""

    indicator_id: str
    theme: str
    order: int  # place in the theme's report
    prose: str  # prose group key, or ""
    role: str  # how a template names it within its group, or ""
    chart: str  # chart key, NOT_DRAWN, or "" (drawn among the other figures)
    chart_order: int
    unit: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    compare_with: tuple[str, ...]  # other ids it can be compared with (plan ↔ progress)
    operation: str  # "" for a figure of the data
    inputs: tuple[str, ...]
    unit_en: str = ""  # the English word a figure is counted in ("children"); "" for the unit's own

    @property
    def calculated(self) -> bool:
        return bool(self.operation)


@dataclass(frozen=True)
class Group:
    """A chart or a prose group of a theme, with its member figures in order."""

    theme: str
    use: str  # "chart" | "prose"
    key: str
    kind: str  # a chart kind, or "text"
    order: int
    title_zh: str
    title_en: str
    members: tuple[str, ...]

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]
    groups: tuple[Group, ...]
    headlines: dict[str, tuple[str, ...]]

    def charts(self, theme: str) -> tuple[Group, ...]:
        """The theme's charts, in order."""
        return tuple(g for g in self.groups if g.theme == theme and g.use == "chart")

    def prose(self, theme: str) -> dict[str, Group]:
        """The theme's prose groups by key, in order."""
        return {g.key: g for g in self.groups if g.theme == theme and g.use == "prose"}

    def report_order(self, theme: str) -> tuple[str, ...]:
        """The theme's figures (not calculated) in the order its report states them."""
        rows = [i for i in self.indicators.values() if i.theme == theme and not i.calculated]
        return tuple(i.indicator_id for i in sorted(rows, key=lambda i: i.order))

    def not_drawn(self, theme: str) -> frozenset[str]:
        return frozenset(i.indicator_id for i in self.indicators.values()
                         if i.theme == theme and i.chart == NOT_DRAWN)  # fmt: skip

    def calculated(self, theme: str) -> tuple[Indicator, ...]:
        """The theme's calculated rows, in order (an input may be an earlier calculated row)."""
        rows = [i for i in self.indicators.values() if i.theme == theme and i.calculated]
        return tuple(sorted(rows, key=lambda i: i.order))


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (line, {k: (v or "").strip() for k, v in row.items() if k})
            for line, row in enumerate(csv.DictReader(handle), start=2)
        ]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def _int(text: str) -> int:
    return int(text) if text.lstrip("-").isdigit() else 0


def _indicator(row: dict[str, str]) -> Indicator:
    return Indicator(
        indicator_id=row["indicator_id"],
        theme=row["theme"],
        order=_int(row["order"]),
        prose=row["prose"],
        role=row["role"],
        chart=row["chart"],
        chart_order=_int(row["chart_order"]),
        unit=row["unit"],
        unit_en=row.get("unit_en", ""),
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        definition_zh=row["definition_zh"],
        definition_en=row["definition_en"],
        compare_with=_split(row["compare_with"]),
        operation=row["operation"],
        inputs=_split(row["inputs"]),
    )


def _row_problems(name: str, line: int, item: Indicator, known: dict[str, Indicator],
                  groups: set[tuple[str, str, str]], units: set[str], themes: tuple[str, ...]) -> list[Problem]:  # fmt: skip
    def problem(column: str, value: str, rule: str) -> Problem:
        return Problem(name, line=line, column=column, value=value, rule=rule)

    found = []
    if item.theme not in themes:
        found.append(problem("theme", item.theme, "not a theme of themes.csv"))
    if item.prose and (item.theme, "prose", item.prose) not in groups:
        found.append(problem("prose", item.prose, f"no prose group of this theme in {GROUPS_FILE}"))
    if item.chart not in ("", NOT_DRAWN) and (item.theme, "chart", item.chart) not in groups:
        found.append(problem("chart", item.chart, f"no chart of this theme in {GROUPS_FILE}"))
    if item.unit not in units:
        found.append(problem("unit", item.unit, "not a unit_id of units.csv"))
    for other in (*item.compare_with, *item.inputs):
        if other not in known:
            found.append(
                problem("inputs" if other in item.inputs else "compare_with", other, "no such indicator")
            )
    wanted = OPERATIONS.get(item.operation, -1)
    if item.operation and wanted == -1:
        found.append(problem("operation", item.operation, f"not one of {', '.join(OPERATIONS)}"))
    elif item.operation and len(item.inputs) != (wanted or max(2, len(item.inputs))):
        found.append(
            problem("inputs", "|".join(item.inputs), f"{item.operation} takes {wanted or 'two or more'}")
        )
    elif item.inputs and not item.operation:
        found.append(problem("operation", "", "inputs are named but no operation"))
    return found


@lru_cache(maxsize=8)
def load(reference_dir: Path = config.REFERENCE_DIR) -> Catalogue:
    """Read and check the catalogue; every mistake in it is a :class:`~wuwei_analysis.errors.Problem`."""
    reference_dir = Path(reference_dir)
    problems: list[Problem] = []
    group_rows = _rows(reference_dir / GROUPS_FILE)
    group_keys = {(r["theme"], r["use"], r["key"]) for _, r in group_rows}
    for line, r in group_rows:
        if r["use"] == "chart" and r["kind"] not in CHART_KINDS:
            problems.append(Problem(relative_name(reference_dir / GROUPS_FILE), line, "kind", r["kind"],
                                    f"a chart kind is one of {', '.join(CHART_KINDS)}"))  # fmt: skip
    units = set(reference.units(reference_dir))
    name = relative_name(reference_dir / INDICATORS_FILE)
    rows = [(line, _indicator(r)) for line, r in _rows(reference_dir / INDICATORS_FILE)]
    indicators: dict[str, Indicator] = {}
    for line, item in rows:
        if item.indicator_id in indicators:
            problems.append(Problem(name, line, "indicator_id", item.indicator_id, "listed twice"))
        indicators.setdefault(item.indicator_id, item)
    for line, item in rows:
        problems += _row_problems(
            name, line, item, indicators, group_keys, units, reference.theme_ids(reference_dir)
        )
    headlines: dict[str, list[str]] = {}
    for line, r in _rows(reference_dir / HEADLINES_FILE):
        theme, indicator_id = r.get("theme", ""), r.get("indicator_id", "")
        if theme not in reference.theme_ids(reference_dir) or indicator_id not in indicators:
            rule = "a headline needs a known theme and a catalogue indicator_id"
            problems.append(
                Problem(
                    relative_name(reference_dir / HEADLINES_FILE), line, "indicator_id", indicator_id, rule
                )
            )
        headlines.setdefault(theme, []).append(indicator_id)
    if problems:
        raise DataError(problems)
    groups = []
    for _, r in sorted(group_rows, key=lambda lr: (lr[1]["theme"], lr[1]["use"], _int(lr[1]["order"]))):
        column, order = ("chart", "chart_order") if r["use"] == "chart" else ("prose", "order")
        members = sorted((i for i in indicators.values()
                          if i.theme == r["theme"] and getattr(i, column) == r["key"] and not i.calculated),
                         key=lambda i: getattr(i, order))  # fmt: skip
        groups.append(Group(r["theme"], r["use"], r["key"], r["kind"], _int(r["order"]), r["title_zh"],
                            r["title_en"], tuple(i.indicator_id for i in members)))  # fmt: skip
    return Catalogue(indicators, tuple(groups), {t: tuple(ids) for t, ids in headlines.items()})


def missing(indicators: pd.DataFrame, catalogue: Catalogue | None = None) -> list[Problem]:
    """Figures of the data whose indicator_id has no catalogue row: one problem per figure row."""
    return _missing_problems(_missing_rows(indicators, catalogue))


def _missing_rows(indicators: pd.DataFrame, catalogue: Catalogue | None) -> pd.DataFrame:
    known = (catalogue or load()).indicators
    return indicators[~indicators["indicator_id"].astype(str).isin(known)]


def _missing_problems(rows: pd.DataFrame) -> list[Problem]:
    files = rows["source_file"].astype(str) if "source_file" in rows else [""] * len(rows)
    lines = rows["source_line"] if "source_line" in rows else [None] * len(rows)
    return [
        Problem(
            file,
            line=int(line) if pd.notna(line) else None,
            column="indicator_id",
            value=str(indicator_id),
            rule=f"no row in data/reference/{INDICATORS_FILE}",
            hint="it is shown among its theme's other figures; add a row to name, define and place it",
        )
        for file, line, indicator_id in zip(files, lines, rows["indicator_id"], strict=True)
    ]


def unused(indicators: pd.DataFrame, catalogue: Catalogue | None = None) -> list[Problem]:
    """Catalogue rows (not calculated) of the themes in the data that no figure uses."""
    catalogue = catalogue or load()
    present, themes = set(indicators["indicator_id"].astype(str)), set(indicators["theme"].astype(str))
    return [
        Problem(
            f"data/reference/{INDICATORS_FILE}",
            column="indicator_id",
            value=i.indicator_id,
            rule="catalogue row that no figure of the data uses",
        )  # fmt: skip
        for i in catalogue.indicators.values()
        if i.theme in themes and not i.calculated and i.indicator_id not in present
    ]


def warnings(indicators: pd.DataFrame, catalogue: Catalogue | None = None, limit: int = 5) -> list[str]:
    """:func:`missing` and :func:`unused` as warning lines (not errors), summarised: the first
    ``limit`` figures with no catalogue row (in file and line order) and the first ``limit`` unused
    rows, each followed by how many more there are."""
    rows = _missing_rows(indicators, catalogue)
    if {"source_file", "source_line"} <= set(rows.columns):
        rows = rows.sort_values(["source_file", "source_line"], kind="stable")
    found = [str(p) for p in _missing_problems(rows.head(limit))]
    if len(rows) > limit:
        found.append(
            f"… and {len(rows) - limit:,} more figures with no row in data/reference/{INDICATORS_FILE} "
            f"({len(rows):,} in all)"
        )
    spare = unused(indicators, catalogue)
    found += [str(p) for p in spare[:limit]]
    if len(spare) > limit:
        found.append(f"… and {len(spare) - limit:,} more catalogue rows that no figure of the data uses")
    return found
