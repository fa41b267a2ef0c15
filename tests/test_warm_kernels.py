"""Warm kernels: a build worker reuses one kernel, reset between notebooks (issue 14).

The fixture notebooks ``leaves_state`` and ``checks_state`` (``tests/build_fixtures``) print the
kernel's pid and a counter kept on the ``sys`` module, which survives a reset: it is 2 in the
second notebook of a shared kernel and 1 in a fresh one, so each test can tell whether two
notebooks shared a kernel. ``checks_state`` fails when it sees any state ``leaves_state`` left.
Builds use ``--jobs 1`` so that every notebook runs in the same worker, in plan order.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from test_build import FIXTURES, SLICE, Workspace, _running, fake_clean, steady_library  # noqa: F401

from wuwei_analysis import errors
from wuwei_analysis.build import kernel as warm_kernel
from wuwei_analysis.build import site_index as build_site
from wuwei_analysis.build import worker
from wuwei_analysis.build.task import Task

pytestmark = pytest.mark.slow

KERNEL_LINE = re.compile(r"kernel pid=(\d+) runs=(\d+) connection=(\S+)")


def kernel_seen(ipynb: Path) -> tuple[int, int, str]:
    """(pid, notebooks the kernel had run, connection file) as the notebook printed them."""
    nb = nbformat.read(ipynb, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    found = KERNEL_LINE.search(text)
    assert found, f"no kernel line in {ipynb}"
    return int(found[1]), int(found[2]), found[3]


# --- in a build ---------------------------------------------------------------------------


@pytest.mark.parametrize("fresh", [False, True], ids=["warm", "fresh"])
def test_a_notebook_sees_nothing_an_earlier_one_left_in_its_kernel(tmp_path, fresh):
    ws = Workspace(tmp_path, {"health": "leaves_state", "urban": "checks_state"})
    status, log = ws.build(themes=("health", "urban"), langs=("en",), jobs=1, fresh_kernels=fresh)
    assert status == errors.EXIT_OK, log  # checks_state raises on any state leaves_state left

    first = kernel_seen(ws.reports / "en" / SLICE / "health.ipynb")
    second = kernel_seen(ws.reports / "en" / SLICE / "urban.ipynb")
    if fresh:  # --fresh-kernels: one kernel per notebook
        assert first[0] != second[0] and first[1] == second[1] == 1
    else:  # one kernel ran both, so the isolation was really tested
        assert first[0] == second[0] and (first[1], second[1]) == (1, 2)
    # Every kernel was shut down by its worker (a kernel the watchdog killed leaves this file).
    assert not Path(first[2]).exists() and not Path(second[2]).exists()
    assert ws.manifest()["options"]["fresh_kernels"] is fresh


def _normalized(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without what differs between any two runs: timings, and the id papermill
    draws at random for its injected-parameters cell."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.pop("id", None)
    return nb


def _html_normalized(text: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\S*?Z|[+-]\d{2}:?\d{2})?", "<time>", text)


def test_warm_and_fresh_kernels_give_the_same_notebooks_and_pages(tmp_path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    pages = sorted(p for p in (ws.reports / "en").rglob("*") if p.suffix in (".ipynb", ".html"))
    pages += sorted(p for p in (ws.reports / "zh").rglob("*") if p.suffix in (".ipynb", ".html"))
    assert len(pages) == 12
    warm = {p: p.read_text(encoding="utf-8") for p in pages}

    status, log = ws.build(force=True, fresh_kernels=True)
    assert status == errors.EXIT_OK, log
    for page, text in warm.items():
        fresh = page.read_text(encoding="utf-8")
        if page.suffix == ".ipynb":
            assert _normalized(nbformat.reads(text, 4)) == _normalized(nbformat.reads(fresh, 4)), page
        else:
            assert _html_normalized(text) == _html_normalized(fresh), page


# --- one worker, in this process ----------------------------------------------------------


@pytest.fixture
def processed(tmp_path) -> Path:
    ws = Workspace(tmp_path / "ws", {})
    fake_clean(ws.raw, ws.processed)
    return ws.processed


@pytest.fixture
def one_worker():
    """This process as a build worker; its warm kernel is shut down after the test."""
    yield
    warm_kernel.discard()


def _task(fixture: str, processed: Path, folder: Path, kernel_runs: int = 5, timeout: float = 60) -> Task:
    folder.mkdir(parents=True)
    return Task(
        theme="health",
        lang="en",
        notebook=str(FIXTURES / f"{fixture}.ipynb"),
        parameters={
            "theme": "health",
            "lang": "en",
            "processed_dir": str(processed),
            "reports_dir": str(folder),
        },
        task_dir=str(folder),
        reports_dir=str(folder),
        ipynb=str(folder / "health.ipynb"),
        html=str(folder / "health.html"),
        timeout=timeout,
        html_context=build_site.report_context("health", "en", "620600", 2025),
        kernel_runs=kernel_runs,
    )


def test_the_state_check_sees_every_leak_without_the_reset(tmp_path, processed, one_worker, monkeypatch):
    """The check can fail: with the reset left out, checks_state names every kind of state.

    (Open figures are not among them: the inline backend closes them after each cell.)
    """
    monkeypatch.setattr(warm_kernel.WarmKernel, "reset", lambda self, cwd: None)
    assert worker.run_task(_task("leaves_state", processed, tmp_path / "a")).ok
    result = worker.run_task(_task("checks_state", processed, tmp_path / "b"))
    assert result.status == "failed" and result.kind == "error", result
    for kind in ("a global", "Out", "rcParams", "colour codes", "figure formats", "pandas options"):
        assert repr(kind) in result.error, result.error
    for kind in ("warning filters", "logging", "sys.path", "environment", "working folder"):
        assert repr(kind) in result.error, result.error


@pytest.mark.parametrize(
    ("fixture", "kind"), [("raises", "error"), ("sleeps", "timeout"), ("dies", "kernel-died")]
)
def test_after_a_failure_the_next_notebook_gets_a_fresh_kernel(
    tmp_path, processed, one_worker, fixture, kind
):
    assert worker.run_task(_task("checks_state", processed, tmp_path / "a", timeout=5)).ok
    pid, runs, _ = kernel_seen(tmp_path / "a" / "health.ipynb")
    assert runs == 1 and warm_kernel.current().pid == pid

    failed = worker.run_task(_task(fixture, processed, tmp_path / "b", timeout=2))
    assert failed.status == "failed" and failed.kind == kind, failed
    assert warm_kernel.current() is None
    assert not _running(pid), "the failed kernel is still running"

    assert worker.run_task(_task("checks_state", processed, tmp_path / "c", timeout=5)).ok
    new_pid, runs, _ = kernel_seen(tmp_path / "c" / "health.ipynb")
    assert new_pid != pid and runs == 1


def test_a_kernel_is_replaced_after_kernel_runs_notebooks(tmp_path, processed, one_worker):
    seen = []
    for n in range(3):
        assert worker.run_task(_task("checks_state", processed, tmp_path / f"{n}", kernel_runs=2)).ok
        seen.append(kernel_seen(tmp_path / f"{n}" / "health.ipynb")[:2])
    assert seen[0][0] == seen[1][0] != seen[2][0]
    assert [runs for _, runs in seen] == [1, 2, 1]


def test_a_kernel_that_died_while_idle_is_replaced(tmp_path, processed, one_worker):
    assert worker.run_task(_task("checks_state", processed, tmp_path / "a")).ok
    pid = warm_kernel.current().pid
    os.kill(pid, 9)
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    result = worker.run_task(_task("checks_state", processed, tmp_path / "b"))
    assert result.ok and result.attempts == 1, result
    assert kernel_seen(tmp_path / "b" / "health.ipynb")[:2][1] == 1


def test_one_client_serves_a_warm_kernel_for_its_resets_and_notebooks(tmp_path, processed, one_worker):
    """A new client waits for IOPub to go quiet (0.2 s) before its first cell: the kernel keeps one."""
    assert worker.run_task(_task("checks_state", processed, tmp_path / "a")).ok
    client = warm_kernel.current().kc
    assert client is not None and client.channels_running  # left running for the next notebook
    assert worker.run_task(_task("checks_state", processed, tmp_path / "b")).ok
    assert warm_kernel.current().kc is client and kernel_seen(tmp_path / "b" / "health.ipynb")[1] == 2
    warm_kernel.discard()
    assert not client.channels_running  # stopped with its kernel
