"""What changed between two builds' processed indicators: new, changed and removed figures.

The summary compares the figures of its place and year with those of the previous
build (``previous_dir``, the processed folder the last published build read), so a
reader sees what the refresh changed. Rows are matched on :data:`KEY`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wuwei_analysis import reference
from wuwei_analysis.errors import DataError, Problem, relative_name
from wuwei_analysis.report.params import INDICATORS_FILE

# compare(): rows are matched on KEY; a row whose COMPARED fields differ has changed.
KEY = ("indicator_id", "region_code", "region_zh", "year")
COMPARED = ("value", "value_high", "unit", "qualifier")
CARRIED = ("value_as_written",)  # shown beside old and new values when the tables have it
DESCRIBED = ("theme", "name_zh", "name_en", "region_en")  # taken from the current row, else the old one
CHANGES = ("new", "changed", "removed")
CHANGE_COLUMNS = [
    "change", *DESCRIBED[:1], "indicator_id", *DESCRIBED[1:3], "region_code", "region_zh", *DESCRIBED[3:],
    "year", *(f"{side}_{c}" for c in (*COMPARED, *CARRIED) for side in ("old", "new")),
]  # fmt: skip
_NUMERIC = ("value", "value_high")


def _check_unique(frame: pd.DataFrame, which: str) -> None:
    duplicated = frame[frame.duplicated(list(KEY), keep=False)]
    if len(duplicated):
        raise DataError(
            [
                Problem(
                    which,
                    column="indicator_id",
                    value=str(row["indicator_id"]),
                    rule=f"more than one row for {dict(zip(KEY, (row[k] for k in KEY), strict=True))}",
                )
                for _, row in duplicated.drop_duplicates(list(KEY)).iterrows()
            ]  # fmt: skip
        )


def _prepared(frame: pd.DataFrame, which: str) -> pd.DataFrame:
    missing = [c for c in (*KEY, "value", "unit") if c not in frame.columns]
    if missing:
        raise DataError([Problem(which, column=c, rule="required column is missing") for c in missing])
    frame = frame.copy()
    for column in ("value_high",):
        if column not in frame:
            frame[column] = float("nan")
    for column in ("qualifier",):
        if column not in frame:
            frame[column] = "exact"
    for column in (*CARRIED, *DESCRIBED):
        if column not in frame:
            frame[column] = ""
    # Vocabularies as text: the previous build's table may have other categories, or none.
    text = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    frame = frame.astype(
        {**text, "region_code": str, "year": "int64", "value": "float64", "value_high": "float64"}
    )
    _check_unique(frame, which)
    return frame[[*KEY, *COMPARED, *CARRIED, *DESCRIBED]]


def _differs(old: pd.Series, new: pd.Series) -> pd.Series:
    """Element-wise inequality where two missing values are equal."""
    both_missing = old.isna() & new.isna()
    return ~both_missing & ~(old == new).fillna(False).astype(bool)


def compare(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What changed between two indicator tables.

    Rows are matched on (indicator_id, region_code, region_zh, year). A row only
    in ``current`` is ``new``, only in ``previous`` ``removed``; a row in both is
    ``changed`` when its value, value_high, unit or qualifier differ (two missing
    values are equal). Unchanged rows are left out. Old and new fields are kept
    as the tables have them (``old_value``, ``new_value``, … ``*_value_as_written``),
    missing on the side that has no row. Sorted by change (new, changed,
    removed), then theme, indicator, place and year. Duplicate keys raise
    :class:`~wuwei_analysis.errors.DataError`.
    """
    old = _prepared(previous, "previous indicators")
    new = _prepared(current, "current indicators")
    merged = old.merge(new, on=list(KEY), how="outer", suffixes=("_old", "_new"), indicator=True)
    changed = pd.Series(False, index=merged.index)
    for column in COMPARED:
        changed |= _differs(merged[f"{column}_old"], merged[f"{column}_new"])
    sides = {"right_only": "new", "left_only": "removed", "both": "changed"}
    merged["change"] = merged["_merge"].astype(str).map(sides)
    merged = merged[(merged["_merge"] != "both") | changed].copy()
    for column in DESCRIBED:
        now, before = merged[f"{column}_new"], merged[f"{column}_old"]
        merged[column] = now.where(now.notna() & (now != ""), before).fillna("")
    for column in (*COMPARED, *CARRIED):
        merged[f"old_{column}"] = merged.pop(f"{column}_old")
        merged[f"new_{column}"] = merged.pop(f"{column}_new")
        if column not in _NUMERIC:
            for side in ("old", "new"):
                merged[f"{side}_{column}"] = (
                    merged[f"{side}_{column}"].astype(object).where(merged[f"{side}_{column}"].notna(), "")
                )
    theme_rank = {theme: n for n, theme in enumerate(reference.themes())}
    merged["_change"] = merged["change"].map({c: n for n, c in enumerate(CHANGES)})
    merged["_theme"] = merged["theme"].map(lambda t: theme_rank.get(t, len(theme_rank)))
    merged = merged.sort_values(["_change", "_theme", "indicator_id", "region_code", "region_zh", "year"])
    result = merged[CHANGE_COLUMNS].reset_index(drop=True)
    return result.astype(
        {"year": "int64", **{f"{s}_{c}": "float64" for c in _NUMERIC for s in ("old", "new")}}
    )


def load_previous(previous_dir: Path) -> pd.DataFrame:
    """The previous build's processed indicators."""
    path = Path(previous_dir) / INDICATORS_FILE
    return _prepared(pd.read_parquet(path), relative_name(path))
