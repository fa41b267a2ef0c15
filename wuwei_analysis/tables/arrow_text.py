"""Whole-column tests on Arrow text: one pass over all of a column's bytes, not one call per cell.

A string array keeps its cells' bytes one after another in one buffer; run together, they hold a
match of a pattern whenever a cell does. So one match over the bytes says whether a per-cell check
is needed at all (most columns hold no quote, comma or total word). It may say yes without cause (a
match across two cells, or bytes behind a null): the per-cell check then finds nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def values_view(strings: pa.Array) -> memoryview:
    """The values of a string array run together: a view of its data buffer between the first and
    last offsets (no copy)."""
    if len(strings) == 0 or strings.buffers()[2] is None:
        return memoryview(b"")
    wide = pa.types.is_large_string(strings.type) or pa.types.is_large_binary(strings.type)
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64 if wide else np.int32)
    first, last = offsets[strings.offset], offsets[strings.offset + len(strings)]
    return memoryview(strings.buffers()[2])[first:last]


def any_match(strings: pa.Array, pattern: str) -> bool:
    """Whether any cell of ``strings`` may match the RE2 ``pattern`` (see the module's note)."""
    values = values_view(strings)
    if len(values) == 0:
        return False
    offsets = pa.py_buffer(np.array([0, len(values)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(values)])
    return bool(pc.match_substring_regex(whole, pattern)[0].as_py())


def column_may_match(column: pd.Series, pattern: str) -> bool:
    """:func:`any_match` over a pandas text column (Arrow-backed, in chunks, or of Python strings)."""
    array = pa.array(column.array) if isinstance(column.dtype, pd.StringDtype) else None
    if array is None or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return True  # not Arrow text: the per-cell check decides
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return any(any_match(chunk, pattern) for chunk in chunks)
