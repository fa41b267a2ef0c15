"""Fixtures shared by the test modules.

- ``fixture_processed``: the processed tables of :mod:`processed_fixture` (the bundled rows as the
  contract has them), written once per session; tests read it and never change it.
- ``bundled_processed``: what ``wuwei clean`` makes of ``data/raw/``, once per session.
- ``reports_dir``: a fresh reports folder, also set as ``WUWEI_REPORTS_DIR`` and
  ``WUWEI_SCRATCH_DIR`` for the test, so that nothing a test draws lands in the checkout's
  ``reports/`` or ``.scratch/``.
- ``source_article``: the bundled source article; the test is skipped where it is not beside the
  checkout.
"""

from __future__ import annotations

from pathlib import Path

import processed_fixture as pf
import pytest

from wuwei_analysis import config

SOURCE_ARTICLE = config.SOURCES_DIR / pf.SOURCE_FILE


@pytest.fixture(scope="session")
def fixture_processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processed folder holding the fixture rows (read-only: copy before changing)."""
    return pf.write_processed(tmp_path_factory.mktemp("fixture-processed"))


@pytest.fixture(scope="session")
def bundled_processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processed folder cleaned from the bundled raw data (read-only: copy before changing)."""
    folder, _ = pf.bundled_processed(tmp_path_factory.mktemp("bundled-processed"))
    return folder


@pytest.fixture
def reports_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty reports folder, set as WUWEI_REPORTS_DIR for the test."""
    folder = tmp_path / "reports"
    folder.mkdir()
    monkeypatch.setenv("WUWEI_REPORTS_DIR", str(folder))
    monkeypatch.setenv("WUWEI_SCRATCH_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def source_article() -> Path:
    """The bundled source article; skips the test where it is not beside the checkout."""
    if not SOURCE_ARTICLE.is_file():
        pytest.skip(f"source article not beside the checkout: {SOURCE_ARTICLE.name}")
    return SOURCE_ARTICLE
