"""Fixtures shared by the test modules.

- ``fixture_processed``: the processed tables of :mod:`processed_fixture` (the bundled rows as the
  contract has them), written once per session; tests read it and never change it.
- ``bundled_processed``: what ``wuwei clean`` makes of ``data/raw/``, once per session.
- ``reports_dir``: a fresh reports folder, also set as ``WUWEI_REPORTS_DIR`` and
  ``WUWEI_SCRATCH_DIR`` for the test, so that nothing a test draws lands in the checkout's
  ``reports/`` or ``.scratch/``.
- ``source_article``: the bundled source article; the test is skipped where it is not beside the
  checkout.
- ``no_leftover_processes`` (autouse): fails a test that leaves a process running — a worker,
  a forkserver, a resource tracker, a kernel, a build — after it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

import processed_fixture as pf
import pytest

from wuwei_analysis import config
from wuwei_analysis.build import watchdog

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


# Every process the tests start inherits this variable (builds add WUWEI_BUILD_ID beside it), so
# the leak check finds this session's processes and never another engineer's.
SESSION_ENV = "WUWEI_TEST_SESSION"
os.environ[SESSION_ENV] = uuid.uuid4().hex
BROWSER_TOOLS = (b"/usr/lib/chromium/", b"playwright/driver/")  # started by the browser fixture, not a build
LEFTOVER_GRACE = 10.0  # seconds a process that is already exiting may take to go


# What marks a process as the project's: a build's id in its environment, or its command line.
PROJECT_MARKERS = (
    b"WUWEI_BUILD_ID=",
    b"multiprocessing.forkserver",
    b"multiprocessing.resource_tracker",
    b"ipykernel",
    b"wuwei",
)


def project_processes() -> set[int]:
    """Live (not zombie) processes of the project started by this test session (not this one)."""
    found = set()
    for pid in watchdog.processes_with(SESSION_ENV, os.environ[SESSION_ENV]):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:  # gone meanwhile
            continue
        if any(tool in cmdline for tool in BROWSER_TOOLS):
            continue  # the browser tests' one browser lives for the module, by design
        if any(marker in cmdline or any(v.startswith(marker) for v in environ) for marker in PROJECT_MARKERS):
            found.add(pid)
    return found


def _describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        return f"{pid}: {command[:160]}"
    except OSError:
        return f"{pid}: (gone)"


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Fail the test if a process of the project (worker, forkserver, kernel, build) outlives it.

    Session and module fixtures count too: a build a fixture ran must leave nothing behind.
    """
    if not os.path.isdir("/proc"):
        yield
        return
    yield
    deadline = time.monotonic() + LEFTOVER_GRACE
    while (left := project_processes()) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling a deadline: processes that are exiting get time to go
    if left:
        described = [_describe(pid) for pid in sorted(left)]
        for pid in left:  # so that one leak does not fail every later test
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail("the test left processes running:\n" + "\n".join(described), pytrace=False)
