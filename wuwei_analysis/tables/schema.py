"""The processed-data contract as pandera schemas: checked right before saving."""

from __future__ import annotations

import pandera.pandas as pa

from wuwei_analysis import config

_THEMES = list(config.THEMES)
_QUALIFIERS = ["exact", "more_than", "about", "less_than", "at_least", "at_most", "range"]
_STATUSES = ["achieved", "planned", "cumulative", "in_progress", "unstated"]

INDICATORS = pa.DataFrameSchema(
    {
        "theme": pa.Column(str, pa.Check.isin(_THEMES)),
        "indicator_id": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")),
        "name_zh": pa.Column(str, pa.Check.str_length(min_value=1)),
        "name_en": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region_code": pa.Column(str, pa.Check.str_matches(r"^\d{6}$")),
        "region_zh": pa.Column(str, pa.Check.str_length(min_value=1)),
        "region_en": pa.Column(str, pa.Check.str_length(min_value=1)),
        "year": pa.Column(int, pa.Check.in_range(1949, 2100)),
        "value": pa.Column(float, nullable=False),
        "value_high": pa.Column(float, nullable=True),
        "unit": pa.Column(str, pa.Check.str_length(min_value=1)),
        "qualifier": pa.Column(str, pa.Check.isin(_QUALIFIERS)),
        "status": pa.Column(str, pa.Check.isin(_STATUSES)),
        "value_as_written": pa.Column(str),
        "source_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "quote": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    unique=["indicator_id", "region_code", "region_zh", "year"],
    strict=False,
    coerce=False,
)

MEASURES = pa.DataFrameSchema(
    {
        "theme": pa.Column(str, pa.Check.isin(_THEMES)),
        "region_code": pa.Column(str, pa.Check.str_matches(r"^\d{6}$")),
        "name_zh": pa.Column(str, pa.Check.str_length(min_value=1)),
        "name_en": pa.Column(str, pa.Check.str_length(min_value=1)),
        "source_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "quote": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    strict=False,
)
