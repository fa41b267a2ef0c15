"""One notebook run, inside a build worker process: papermill, then HTML.

The build's pool (:mod:`wuwei_analysis.build.pool`) starts these workers and sends each a
:class:`~wuwei_analysis.build.task.Task`. A task runs its notebook with papermill's Python API
into the task's staging folder, renders the HTML beside it and reports back a
:class:`~wuwei_analysis.build.task.Result`; it never writes outside that folder, and it never
raises: every failure comes back as a result the build can show and keep.

Failures handled here:

- a cell raises: papermill writes the notebook with its error banner;
- a cell runs past ``--timeout`` or the kernel dies (``os._exit``, out of memory): the notebook
  as far as it got is written with the same kind of banner;
- the kernel fails to start (port race, slow start): retried, up to ``START_RETRIES`` times.

With ``task.kernel_runs`` above 0 the notebook runs in the worker's warm kernel
(:mod:`wuwei_analysis.build.kernel`), reset to a fresh kernel's state first; after any failure
that kernel is shut down, so the next notebook gets a fresh one. At 0, papermill starts and
stops a kernel for this notebook alone (``--fresh-kernels``).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import ERROR_MARKER_TAG
from papermill.log import logger as papermill_logger

from wuwei_analysis import config
from wuwei_analysis.build import export as build_html
from wuwei_analysis.build import kernel as warm_kernel
from wuwei_analysis.build.portable import make_portable
from wuwei_analysis.build.task import Result, Task, failed
from wuwei_analysis.errors import OUTPUT_ERRNOS

ENGINE_NAME = "wuwei"
KERNEL_NAME = "python3"
START_RETRIES = 2
START_TIMEOUT = 60  # seconds for a kernel to answer; a slow machine under load needs a margin


class _KeepPartialEngine(NBClientEngine):
    """papermill's nbclient engine, keeping the notebook as far as it ran when execution stops.

    papermill saves its error banner for a cell that raises, but a cell timeout or a dead kernel
    propagates without the notebook; we attach it to the exception to keep it for inspection.
    """

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kw,
    ):
        nb_man = NotebookExecutionManager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kw)
        except BaseException as exc:
            exc.wuwei_notebook = nb_man.nb
            raise
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, km=None, kc=None, **kw):
        """papermill's nbclient run; given ``km`` and its client ``kc`` (a warm kernel), run in
        it and leave both running for the next notebook."""
        if km is None:
            return super().execute_managed_notebook(nb_man, kernel_name, **kw)
        kw.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            timeout=kw.pop("execution_timeout", None),
            startup_timeout=kw.pop("start_timeout", START_TIMEOUT),
            log=papermill_logger,
            **kw,
        )
        client.kc = kc  # a ready client: no new one waiting for IOPub to settle
        try:
            return client.execute()
        finally:  # a client this run started itself goes with it; the warm kernel's stays
            if kc is None and client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE_NAME, _KeepPartialEngine)


def init_worker(log_path: str | None, chart_cache: str = "") -> None:
    """Pool initializer: send kernel and library chatter to a log file; name the build's chart
    cache for the kernels this worker starts (they inherit its environment).

    Workers need no death watch of their own: the build's watchdog
    (:mod:`wuwei_analysis.build.watchdog`) kills them, their forkserver and their kernels when
    the build ends, however it ends.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if chart_cache:
        os.environ[config.CHART_CACHE_ENV] = chart_cache


def whole_seconds(seconds: float) -> int:
    """``--timeout`` for nbclient, which takes whole seconds only: rounded up, so never shorter."""
    return math.ceil(seconds)


def warm_up() -> int:
    """Build the HTML exporter ahead of the first notebook (runs while the data is cleaned)."""
    build_html._exporter()
    return os.getpid()


def run_task(task: Task) -> Result:
    """Run one notebook and render its HTML; return a :class:`Result`, never raise."""
    started = time.monotonic()
    attempts = _Attempts()
    try:
        result = _run(task, attempts)
    except OSError as exc:
        if exc.errno in OUTPUT_ERRNOS:
            result = failed("output", output_message(exc))
        else:
            result = failed("error", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bug of ours must not take the build down: report it with the run
        result = failed("error", f"{type(exc).__name__}: {exc}")
    return replace(result, attempts=attempts.count, duration=time.monotonic() - started)


class _Attempts:
    """How many times the kernel was started (a start that fails is retried)."""

    count = 0


def _run(task: Task, attempts: _Attempts) -> Result:
    ipynb = Path(task.ipynb)
    task_dir = Path(task.task_dir)
    task_dir.mkdir(parents=True, exist_ok=True)
    while True:
        attempts.count += 1
        try:
            kernel = _kernel_for(task)
            nb = papermill.execute_notebook(
                task.notebook,
                str(ipynb),
                parameters=dict(task.parameters),
                engine_name=ENGINE_NAME,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=whole_seconds(task.timeout),
                start_timeout=task.start_timeout or START_TIMEOUT,
                cwd=str(task_dir),
                **kernel,
            )
            break
        except PapermillExecutionError as exc:
            warm_kernel.discard()  # the next notebook gets a fresh kernel
            # papermill already wrote the notebook with its error banner.
            _relocate(ipynb, task)
            where = f" (cell In [{exc.exec_count}])" if exc.exec_count is not None else ""
            error = f"{exc.ename}: {_first_line(exc.evalue)}{where}"
            return Result(status="failed", kind="error", error=error, ipynb=str(ipynb))
        except Exception as exc:
            warm_kernel.discard()
            partial = getattr(exc, "wuwei_notebook", None)
            if _never_started(partial) and attempts.count <= START_RETRIES and _retryable(exc):
                time.sleep(0.5 * attempts.count)
                continue
            kind, message = _describe(exc, partial, task.timeout)
            if _never_started(partial):
                return failed(kind, message)
            _add_banner(partial, message)
            _write_notebook(partial, ipynb, task)
            return Result(status="failed", kind=kind, error=message, ipynb=str(ipynb))

    _write_notebook(nb, ipynb, task)
    figures_dir = task_dir / (task.folder or task.lang) / "figures"
    html = build_html.render_report(nb, _offered_downloads(dict(task.html_context), figures_dir))
    html_path = Path(task.html)
    html_path.write_text(html, encoding="utf-8")
    figures = sorted(
        p.relative_to(figures_dir).as_posix()
        for p in figures_dir.rglob("*")
        if p.is_file() and not p.is_symlink()
    )
    return Result(status="ok", ipynb=str(ipynb), html=str(html_path), figures=tuple(figures))


def _kernel_for(task: Task) -> dict[str, Any]:
    """papermill's extra argument for the task's kernel: the worker's warm kernel, or none."""
    if task.kernel_runs < 1:
        return {}
    timeout = task.start_timeout or START_TIMEOUT
    kernel = warm_kernel.ready(KERNEL_NAME, timeout, task.task_dir, task.kernel_runs)
    return {"km": kernel.km, "kc": kernel.kc}


def _never_started(nb) -> bool:
    """True when no cell began executing: the failure happened while starting the kernel."""
    if nb is None:
        return True
    return not any(cell.get("metadata", {}).get("papermill", {}).get("start_time") for cell in nb.cells)


def _retryable(exc: BaseException) -> bool:
    """Kernel start failures worth another try (not, e.g., an unknown kernel name)."""
    from jupyter_client.kernelspec import NoSuchKernel

    if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:
        return False
    return not isinstance(exc, (NoSuchKernel, FileNotFoundError, MemoryError))


def output_message(exc: OSError) -> str:
    """A write that failed for want of room or rights: the cause and the path."""
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot write: {exc.strerror or exc}{where}"


def _describe(exc: BaseException, nb, timeout: float) -> tuple[str, str]:
    cell = _running_cell(nb)
    where = f" (cell {cell})" if cell else ""
    if isinstance(exc, CellTimeoutError):
        return "timeout", f"a cell ran longer than the {timeout:g} s limit (--timeout){where}"
    if isinstance(exc, DeadKernelError):
        return "kernel-died", f"the kernel died{where}"
    if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:  # a full disk is not a kernel problem
        return "output", output_message(exc)
    if _never_started(nb):
        return "kernel-start", f"the kernel did not start: {type(exc).__name__}: {_first_line(str(exc))}"
    return "error", f"{type(exc).__name__}: {_first_line(str(exc))}{where}"


def _running_cell(nb) -> str:
    """The cell execution stopped in: the last one that started."""
    if nb is None:
        return ""
    found = ""
    for index, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            count = cell.get("execution_count")
            found = f"In [{count}]" if count is not None else f"#{index + 1}"
    return found


def _first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else ""


def _add_banner(nb, message: str) -> None:
    """An error banner in papermill's manner (same tag, so papermill removes it on a re-run)."""
    banner = nbformat.v4.new_markdown_cell(
        f'<span style="color:red; font-size:2em;">Execution stopped: {message}.</span>'
    )
    banner.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(0, banner)


def _write_notebook(nb, path: Path, task: Task) -> None:
    _point_at_reports(nb, task)
    nbformat.write(nb, str(path))


def _relocate(path: Path, task: Task) -> None:
    if path.exists():
        _write_notebook(nbformat.read(str(path), as_version=4), path, task)


def _point_at_reports(nb, task: Task) -> None:
    """Name no build-machine folder in the kept notebook (see :mod:`wuwei_analysis.build.portable`).

    The notebook ran with ``reports_dir`` = its staging folder so that its charts could be
    published atomically; an analyst re-running the kept ``.ipynb`` writes to the scratch folder.
    """
    make_portable(nb)


def _offered_downloads(context: dict[str, Any], figures_dir: Path) -> dict[str, Any]:
    """The page context without its CSV link when the notebook wrote no CSV (no link leads nowhere)."""
    nav = context.get("nav")
    download = nav.get("download") if isinstance(nav, dict) else None
    if download and not (figures_dir / Path(download["href"]).name).is_file():
        context["nav"] = {**nav, "download": None}
    return context
