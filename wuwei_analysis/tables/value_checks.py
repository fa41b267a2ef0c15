"""Checks of a figure's value: its unit, its range, its qualifier and the quote that states it.

Like :mod:`~wuwei_analysis.tables.checks` (whose helpers these use), each returns the problems it
finds and never raises; each runs over whole columns, and Python touches single rows only where a
column operation cannot decide (a value found inside its quote, not at its end).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wuwei_analysis import reference
from wuwei_analysis.errors import Problem
from wuwei_analysis.tables.checks import blank, lookup, problems_where


def resolve_units(frame: pd.DataFrame, parsed: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """The canonical unit of each row, from the unit column or the value's own unit word."""
    aliases = reference.unit_aliases()
    problems: list[Problem] = []
    unit = lookup(frame["unit"], lambda u: aliases.get(reference.lookup_key(u), ""))
    from_counter = lookup(parsed["counter"], lambda c: aliases.get(reference.lookup_key(c), "") if c else "")
    stated = ~blank(frame["unit"])
    problems += problems_where(
        frame,
        stated & (unit == ""),
        "unit",
        "unknown unit",
        "use a unit from data/reference/units.csv, or add one there",
    )
    unit = unit.where(stated, from_counter)
    ok = parsed["kind"].isin(["number", "percent", "ratio", "range"])
    problems += problems_where(
        frame,
        ~stated & (unit == "") & ok,
        "unit",
        "no unit",
        "fill the unit column (the value's own word, if any, does not name a unit)",
    )
    # A unit word written on the value must agree with the unit column.
    both = stated & (unit != "") & (parsed["counter"] != "")
    if both.any():
        problems += _misfit_words(frame, parsed["counter"].where(both, ""), unit.where(both, ""))
    kind_units = {"percent": "percent", "ratio": "ratio"}
    for kind, unit_id in kind_units.items():
        mismatch = (parsed["kind"] == kind) & (unit != unit_id) & (unit != "")
        problems += problems_where(frame, mismatch, "unit", f"a {kind} value needs unit {unit_id!r}")
    return unit, problems


def _misfit_words(frame: pd.DataFrame, counter: pd.Series, unit: pd.Series) -> list[Problem]:
    """Rows whose unit word does not fit their unit: decided once per distinct (word, unit) pair,
    then joined back onto the rows. A row with a blank word or unit is not compared."""
    aliases = reference.unit_aliases()
    known = reference.units()
    pairs = pd.DataFrame({"counter": counter, "unit": unit})
    distinct = pairs.drop_duplicates()
    distinct = distinct[(distinct["counter"] != "") & (distinct["unit"] != "")]
    fits = [
        word in known[unit_id].counters or aliases.get(reference.lookup_key(word)) == unit_id
        for word, unit_id in zip(distinct["counter"], distinct["unit"], strict=True)
    ]
    if all(fits):  # the usual case: no join of every row
        return []
    misfits = pairs.reset_index().merge(distinct[[not f for f in fits]], on=["counter", "unit"])
    rows = frame.loc[misfits["index"], ["_file", "_line", "value"]]
    return [
        Problem(
            file,
            int(line),
            "value",
            value,
            f"unit word {word!r} does not fit unit {unit_id!r}",
            "words that fit: " + ", ".join(known[unit_id].counters or ("none",)),
        )
        for file, line, value, word, unit_id in zip(
            rows["_file"], rows["_line"], rows["value"], misfits["counter"], misfits["unit"], strict=True
        )
    ]


def check_ranges(frame: pd.DataFrame, parsed: pd.DataFrame, unit: pd.Series) -> list[Problem]:
    problems = []
    highest = parsed[["value", "value_high"]].max(axis=1)
    for unit_id, spec in reference.units().items():
        rows = unit == unit_id
        if spec.min is not None:
            below = rows & (parsed["value"] < spec.min)
            problems += problems_where(
                frame, below, "value", f"below {spec.min:g} for unit {unit_id!r}", "counts cannot be negative"
            )
        if spec.max is not None:
            above = rows & (highest > spec.max)
            hint = "write percentages on one scale, 0–100 (70%, not 7000%)"
            problems += problems_where(
                frame, above, "value", f"above {spec.max:g} for unit {unit_id!r}", hint
            )
    # 0.7 in a percent column is 70 % on another scale, or 0.7 %: refuse to guess.
    bare_fraction = (unit == "percent") & (parsed["kind"] == "number") & (parsed["value"].abs() < 1)
    problems += problems_where(
        frame,
        bare_fraction & (parsed["value"] != 0),
        "value",
        "ambiguous percentage scale",
        "percentages use one scale, 0–100: write 70% (not 0.7) or 0.7%",
    )
    return problems


def check_value_in_quote(frame: pd.DataFrame) -> list[Problem]:
    # A value found as written is found once spaces are squashed out of both (the quote's spaces
    # inside it go with the value's), so only the other rows are squashed.
    ends = _quote_ends_with_value(frame["value"].astype(str), frame["quote"].astype(str))
    rest = np.flatnonzero(~ends)  # the others are looked at one by one
    values = frame["value"].iloc[rest].astype(str).tolist()
    quotes = frame["quote"].iloc[rest].astype(str).tolist()
    missed = [i for i, (value, quote) in enumerate(zip(values, quotes, strict=True)) if value not in quote]
    bad = np.zeros(len(frame), dtype=bool)
    bad[rest[missed]] = [_squash(values[i]) not in _squash(quotes[i]) for i in missed]
    bad = pd.Series(bad, index=frame.index)
    hint = "the quote must state the figure as written in the value column"
    return problems_where(frame, bad, "quote", "quote does not contain the value", hint)


def _quote_ends_with_value(value: pd.Series, quote: pd.Series) -> np.ndarray:
    """Rows whose quote ends with their value (a clause usually ends with its figure): decided with
    Arrow, one group of rows per value length, whose quotes' last characters are compared."""
    value_text, quote_text = _arrow_text(value), _arrow_text(quote)
    lengths = pc.utf8_length(value_text).to_numpy(zero_copy_only=False)
    ends = np.zeros(len(value), dtype=bool)
    for length in np.unique(lengths[lengths > 0]).tolist():
        rows = pa.array(np.flatnonzero(lengths == length))
        tail = pc.utf8_slice_codeunits(quote_text.take(rows), -length)
        ends[rows.to_numpy()] = pc.fill_null(pc.equal(tail, value_text.take(rows)), False).to_numpy(
            zero_copy_only=False
        )
    return ends


def _arrow_text(column: pd.Series) -> pa.Array:
    """A text column as one Arrow string array."""
    array = (
        pa.array(column.array) if isinstance(column.dtype, pd.StringDtype) else pa.array(column, pa.string())
    )
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _squash(text: str) -> str:
    return "".join(str(text).split())


def check_qualifier(frame: pd.DataFrame, parsed: pd.DataFrame) -> list[Problem]:
    """A qualifier column, where filled, names a known qualifier and agrees with the value's own."""
    stated = frame["qualifier"].str.strip()
    valid = set(reference.qualifiers())
    problems = problems_where(
        frame,
        (stated != "") & ~stated.isin(valid),
        "qualifier",
        "unknown qualifier",
        "one of: " + ", ".join(sorted(valid)),
    )
    problems += problems_where(
        frame,
        (stated != "") & stated.isin(valid) & (stated != parsed["qualifier"]) & parsed["kind"].ne("error"),
        "qualifier",
        "qualifier disagrees with the value",
        "leave it blank to read it from the value",
    )
    return problems


def unit_as_written(frame: pd.DataFrame, parsed: pd.DataFrame) -> pd.Series:
    """The unit word the source writes: the value's own (130家 → 家), else the unit cell."""
    counter = parsed["counter"].fillna("").astype(str)
    return counter.where(counter != "", frame["unit"].astype(str).str.strip())
