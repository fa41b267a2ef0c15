"""Figures calculated from the data: the catalogue's rows with an operation and named inputs.

The source states each input; it does not state the result, so every result is a
:class:`Calculated` (``calculated`` is always true) that text and charts mark as such.
A result is left out rather than guessed when an input is missing, approximate, stated
more than once (several places) or in another unit than its fellow inputs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from wuwei_analysis import reference
from wuwei_analysis.catalogue import Indicator

DECIMALS = {"share": 1, "ratio": 1}  # places a result keeps when written (else 2, as any figure)
NOT_COUNTERS = (
    "零〇一二三四五六七八九十百千万亿两点多余"  # numerals, multipliers and qualifiers end values too
)


def written_counter(written: str) -> str:
    """The counter word a value as written ends with (15家 → 家, 1000多名 → 名); '' when none."""
    last = written.strip()[-1:]
    if last and unicodedata.east_asian_width(last) == "W" and last not in NOT_COUNTERS:
        return last
    return ""


@dataclass(frozen=True)
class Calculated:
    """One calculated figure and what it was calculated from."""

    indicator_id: str
    role: str
    operation: str
    inputs: tuple[str, ...]  # the inputs present, in catalogue order
    value: float
    unit: str
    definition_zh: str
    definition_en: str
    calculated: bool = True
    values: tuple[float, ...] = ()  # the inputs' values, in the order of ``inputs``
    counter: str = ""  # the counter word all its inputs are written with (家), if they share one

    @property
    def decimals(self) -> int:
        return DECIMALS.get(self.operation, 2)


@dataclass(frozen=True)
class _Input:
    value: float
    unit: str
    counter: str = ""


_UNUSABLE = _Input(float("nan"), "")  # stated, but approximate or more than once: no result from it


def _inputs(indicators: pd.DataFrame) -> dict[str, _Input]:
    """indicator_id → its figure when exact and stated once, else :data:`_UNUSABLE`."""
    counts = indicators["indicator_id"].astype(str).value_counts()
    known = {}
    for _, row in indicators.iterrows():
        indicator_id = str(row["indicator_id"])
        usable = counts[indicator_id] == 1 and str(row.get("qualifier") or "exact") == "exact"
        counter = written_counter(str(row.get("value_as_written") or ""))
        known[indicator_id] = _Input(float(row["value"]), str(row["unit"]), counter) if usable else _UNUSABLE
    return known


def _sum(items: list[_Input | None]) -> _Input | None:
    """The sum of the inputs stated (two or more), when all are usable and share one count unit."""
    if any(i is _UNUSABLE for i in items):
        return None
    present = [i for i in items if i is not None]
    units = {i.unit for i in present}
    if len(present) < 2 or len(units) != 1:
        return None
    unit = units.pop()
    known = reference.units().get(unit)
    if known is None or known.kind != "count":
        return None
    counters = {i.counter for i in present}
    return _Input(sum(i.value for i in present), unit, counters.pop() if len(counters) == 1 else "")


def _apply(operation: str, items: list[_Input | None], unit: str) -> _Input | None:
    """The result of ``operation`` on the inputs, or None when they do not allow one."""
    if operation == "sum":
        return _sum(items)
    if any(i is None or i is _UNUSABLE for i in items):
        return None
    inputs = [i for i in items if i is not None]
    values = [i.value for i in inputs]
    if operation == "share" and values[1] > 0:
        return _Input(100.0 * values[0] / values[1], "percent")
    if operation == "difference_from_100" and inputs[0].unit == "percent" and values[0] <= 100:
        return _Input(100.0 - values[0], "percent")
    if operation == "ratio" and values[1] != 0:  # counts of the numerator's kind per denominator
        return _Input(values[0] / values[1], unit, inputs[0].counter if inputs[0].unit == unit else "")
    return None


def calculate(indicators: pd.DataFrame, rows: Iterable[Indicator]) -> dict[str, Calculated]:
    """indicator_id → result for each calculated row whose inputs allow it, rows in order.

    ``indicators`` are the figures of one report (already narrowed to a region and year);
    an input may be a figure or an earlier calculated row.
    """
    if indicators.empty:
        return {}
    known = _inputs(indicators)
    results: dict[str, Calculated] = {}
    for row in rows:
        items = [known.get(i) for i in row.inputs]
        outcome = _apply(row.operation, items, row.unit)
        if outcome is None:
            continue
        present = tuple(i for i, item in zip(row.inputs, items, strict=True) if item is not None)
        results[row.indicator_id] = Calculated(
            row.indicator_id,
            row.role,
            row.operation,
            present,
            outcome.value,
            outcome.unit,
            row.definition_zh,
            row.definition_en,
            values=tuple(item.value for item in items if item is not None),
            counter=outcome.counter,
        )
        known[row.indicator_id] = outcome
    return results
