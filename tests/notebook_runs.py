"""Notebook executions for the tests: in spawned worker processes, errors recorded, not raised."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill

from wuwei_analysis import config
from wuwei_analysis.build import watchdog

KERNEL = "python3"
TIMEOUT = 300


@dataclass
class Run:
    """One notebook execution and what came out of it."""

    key: str
    notebook: Path
    parameters: dict = field(default_factory=dict)
    engine: str = "papermill"  # or "nbclient": the notebook as committed, defaults only
    output: Path | None = None
    reports_dir: Path | None = None  # nbclient runs: where charts go (default: beside the output)
    env: dict[str, str] = field(default_factory=dict)  # set in the worker, so the kernel has it too
    error: str = ""


def execute(run: Run) -> Run:
    """Worker: execute one notebook with missing glyphs as errors; keep the output notebook."""
    os.environ["WUWEI_STRICT_GLYPHS"] = "1"
    os.environ.update(run.env)
    try:
        if run.engine == "papermill":
            papermill.execute_notebook(
                str(run.notebook),
                str(run.output),
                parameters=run.parameters,
                kernel_name=KERNEL,
                cwd=str(run.output.parent),
                progress_bar=False,
                execution_timeout=TIMEOUT,
            )
        else:
            from nbclient import NotebookClient

            nb = nbformat.read(run.notebook, as_version=4)
            # Defaults as committed, but charts go to the run's folder, not the checkout's scratch folder.
            os.environ["WUWEI_SCRATCH_DIR"] = str(run.reports_dir or run.output.parent / "reports")
            try:
                NotebookClient(
                    nb,
                    timeout=TIMEOUT,
                    kernel_name=KERNEL,
                    resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}},
                ).execute()
            finally:
                nbformat.write(nb, run.output)
    except Exception as error:  # the test reads it; the output notebook is kept
        run.error = f"{type(error).__name__}: {error}"
    return run


def execute_all(plan: list[Run], workers: int) -> dict[str, Run]:
    """Execute every run, ``workers`` at a time, each in a fresh (spawned) process."""
    context = multiprocessing.get_context("spawn")
    # Under a watchdog, as a build is: the pool's workers and the resource tracker it starts end
    # with the block, so no test leaves them running (conftest checks).
    with watchdog.watched():
        watchdog.fresh_resource_tracker()  # tagged, so it ends with the block too
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return {run.key: run for run in pool.map(execute, plan)}
