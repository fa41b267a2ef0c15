"""What ``notebooks/explore.ipynb`` calls: the tidy figures, a place × year pivot, one chart.

For an analyst starting out with the processed data: every figure is one row (tidy/long), so a
pivot of one indicator by place and year is one call, and a seaborn chart of it another.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from wuwei_analysis import config, reference
from wuwei_analysis.report import chart_style
from wuwei_analysis.report.context import load_processed

# The columns worth seeing first (names in the notebook's language); the rest — the quote,
# the source and other provenance — stay in the frame.
OVERVIEW = [
    "theme",
    "indicator_id",
    "name_{lang}",
    "region_{lang}",
    "year",
    "value",
    "unit",
    "qualifier",
    "period",
    "status",
]


def load(processed_dir: Path | str = "") -> pd.DataFrame:
    """The processed indicators (one row per figure) from ``processed_dir`` (default: config's)."""
    return load_processed(Path(processed_dir) if processed_dir else config.PROCESSED_DATA_DIR).indicators


def overview(indicators: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The tidy frame with the columns an analyst reads first, names in ``lang``; one row per figure."""
    columns = [c.format(lang=lang) for c in OVERVIEW]
    return indicators[[c for c in columns if c in indicators]]


def default_indicator(indicators: pd.DataFrame) -> str:
    """The indicator with the most places and years (the first in file order on a tie)."""
    counts = (
        indicators.groupby("indicator_id", sort=False, observed=True)[["region_zh", "year"]]
        .nunique()
        .sum(axis=1)
    )
    return str(counts.idxmax())


def place_by_year(indicators: pd.DataFrame, indicator_id: str, lang: str = "zh") -> pd.DataFrame:
    """One indicator as a table: a row per place, a column per year (blank where there is none).

    Raises KeyError naming the indicators there are when ``indicator_id`` has no figure.
    """
    rows = indicators[indicators["indicator_id"] == indicator_id]
    if rows.empty:
        raise KeyError(
            f"no figures for {indicator_id!r}; there are: {sorted(set(indicators['indicator_id']))}"
        )
    # observed=True: only the places and years there are (and no pandas FutureWarning when an
    # analyst pivots by a categorical column such as theme or unit)
    return rows.pivot_table(
        index=f"region_{lang}", columns="year", values="value", aggfunc="first", observed=True
    )


def chart(indicators: pd.DataFrame, indicator_id: str, lang: str = "zh") -> Figure:
    """A seaborn bar chart of one indicator by place, a colour per year; the title names its period(s).

    Drawn in the house style (:func:`chart_style.house_style`), which leaves the analyst's own
    matplotlib and seaborn settings as they were.
    """
    rows = indicators[indicators["indicator_id"] == indicator_id].copy()
    rows["year"] = rows["year"].astype(str)
    years = rows["year"].nunique()
    with chart_style.house_style():
        fig = Figure(figsize=(7, 1.4 + 0.5 * len(rows)))
        ax = fig.add_subplot()
        palette = chart_style.PALETTE[:years]
        sns.barplot(rows, y=f"region_{lang}", x="value", hue="year", ax=ax, palette=palette, legend=years > 1)
        for container in ax.containers:
            ax.bar_label(container, fmt="%g", padding=3)
        if years > 1:  # beside the bars, never over them
            sns.move_legend(ax, "upper left", bbox_to_anchor=(1, 1), frameon=False)
        periods = sorted({reference.period_name(str(p), lang) for p in rows["period"]})
        years_named = "" if years > 1 else f" · {rows.iloc[0]['year']}"
        ax.set_title(f"{rows.iloc[0][f'name_{lang}']}{years_named} · {' / '.join(periods)}")
        ax.set_xlabel(str(rows.iloc[0][f"unit_{lang}"]))
        ax.set_ylabel("")
        fig.tight_layout()
    return fig


def show_chart(indicators: pd.DataFrame, indicator_id: str, lang: str = "zh") -> Figure:
    """Draw :func:`chart` and show it as a PNG in the notebook (the figure is returned)."""
    import io

    from IPython.display import Image, display

    fig = chart(indicators, indicator_id, lang)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    display(Image(buffer.getvalue()))
    return fig
