"""Tests for wuwei_analysis.cells: the one reader of parameter names, for the build and the notebooks."""

from __future__ import annotations

import pytest

from wuwei_analysis.cells import assigned_names


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('lang = "zh"\nyear = 2025\n', {"lang", "year"}),
        ('region: str = "620600"\nyear: int = 2025\n', {"region", "year"}),  # annotated
        ("a = b = 1\n", {"a", "b"}),
        ("# Parameters\nlang = 'en'\ncolour = 'red'\n", {"lang", "colour"}),  # papermill's injected cell
        ("import os\nx += 1\nfor i in range(3):\n    pass\nos.x = 1\nt[0] = 1\n", set()),
        ("if True:\n    nested = 1\n", set()),  # only top-level names are parameters
        ("", set()),
    ],
)
def test_assigned_names_reads_top_level_assignments(source, expected):
    assert assigned_names(source) == expected


def test_assigned_names_still_reads_a_cell_that_does_not_parse():
    # An IPython magic or a typo must not hide every parameter of the cell.
    source = '%matplotlib inline\nlang = "zh"\nyear: int = 2025\nif x == 1:\n'
    assert assigned_names(source) == {"lang", "year"}
