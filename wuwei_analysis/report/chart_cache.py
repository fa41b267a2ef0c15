"""Charts drawn once per build: a chart whose drawing inputs were seen before reuses its files.

Many pages of a build draw the same chart: the ranking of one indicator across the places of a
year is on every one of those places' pages, in each language. A chart's drawing is a pure
function of its inputs — the drawing function and its arguments (the rows, language, title,
source line, colour) — and of the frame (desk or phone), the format and resolution, and the
matplotlib settings in force. :func:`drawing_key` hashes the first two, :func:`file_key` adds
the rest; the first notebook to draw a chart keeps its bytes under that key, later ones read them.

Only a build has a cache: ``wuwei build`` names a folder in its staging area in
:data:`~wuwei_analysis.config.CHART_CACHE_ENV` for its workers' kernels, and deletes it with the staging area. An analyst's run has
none and draws every chart, so a tweak of a chart's figure always shows.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib as mpl

from wuwei_analysis import config
from wuwei_analysis.files import atomic_write_bytes, sha256_bytes, sha256_text


def folder() -> Path | None:
    """The build's chart cache, or None outside a build."""
    value = os.environ.get(config.CHART_CACHE_ENV, "")
    return Path(value) if value else None


def drawing_key(draw: Callable[[], Any]) -> str:
    """A hash of what ``draw`` draws from: its function and arguments ("" when they cannot be hashed).

    ``draw`` is a :func:`functools.partial` of a module-level drawing function. Its arguments are
    pickled whole (data frames with their values and dtypes), so two drawings share a key only if
    they are given equal inputs; inputs that merely look alike at most miss the cache.
    """
    if not isinstance(draw, partial) or "<locals>" in draw.func.__qualname__:
        return ""
    what = (draw.func.__module__, draw.func.__qualname__, draw.args, sorted(draw.keywords.items()))
    try:
        payload = pickle.dumps(what, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return ""
    return sha256_bytes(payload)


def file_key(drawing: str, frame: str, fmt: str, dpi: int) -> str:
    """The key of one file of a drawing: the drawing, its frame, format and resolution, and every
    matplotlib setting in force (call it inside the house style, where the chart is saved)."""
    settings = repr(sorted((name, repr(value)) for name, value in mpl.rcParams.items()))
    return sha256_text("\0".join((drawing, frame, fmt, str(dpi), mpl.__version__, settings)))


def fetch(key: str) -> bytes | None:
    """The bytes kept under ``key``, or None (no cache, or not drawn yet in this build)."""
    root = folder()
    if root is None or not key:
        return None
    try:
        return (root / key[:2] / key).read_bytes()
    except OSError:
        return None


def keep(key: str, data: bytes) -> None:
    """Keep ``data`` under ``key`` for the rest of the build (no-op outside a build).

    Written by the package's one atomic writer, so a reader never sees part of a file, without
    its fsyncs (the cache dies with the build); a second worker keeping the same key writes the
    same bytes. A cache that cannot be written only costs drawing again, so a failed write is
    left at that.
    """
    root = folder()
    if root is None or not key:
        return
    with contextlib.suppress(OSError):
        atomic_write_bytes(root / key[:2] / key, data, sync=False)
