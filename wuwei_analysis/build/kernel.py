"""Warm kernels: one started Jupyter kernel per build worker, reused for many notebooks.

A fresh kernel costs about as much as a theme notebook itself (start, then importing pandas,
matplotlib, seaborn and the report modules). A worker therefore keeps one kernel and, before
each notebook, puts it back into the state a fresh kernel would have
(:mod:`wuwei_analysis.build.kernel_state` says what that covers), in the notebook's folder.
It starts a fresh kernel when the last one failed (the worker calls :func:`discard` after a
cell error, a timeout or a dead kernel), when it died while idle, and after
:data:`KERNEL_RUNS` notebooks. ``wuwei build --fresh-kernels`` does without all this:
papermill starts and stops a kernel per notebook.

Kernels never outlive their worker: a worker shuts its kernel down when it exits normally
(the pool's ``shutdown``); when the worker is killed, the kernel sees its parent change and
exits (ipykernel's parent poller), and the build's watchdog kills it anyway, as it carries the
build's ``WUWEI_BUILD_ID``.
"""

from __future__ import annotations

import logging

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.util import run_sync

from wuwei_analysis.build.options import KERNEL_RUNS  # bounds what escapes a reset: threads, memory

# What every report imports, imported once per kernel; the state saved after them is "fresh".
PRELOAD = ("pandas", "seaborn", "wuwei_analysis.report.page", "wuwei_analysis.report.summary")
STATE_MODULE = "wuwei_analysis.build.kernel_state"

_log = logging.getLogger(__name__)  # a worker's log goes to the build's workers.log


class WarmKernel:
    """A started kernel with the :data:`PRELOAD` modules imported and its fresh state saved."""

    def __init__(self, kernel_name: str, start_timeout: float, cwd: str):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        # One client for the kernel's life: a new client waits for IOPub to go quiet (0.2 s, in
        # jupyter_client's wait_for_ready) before its first cell, twice a notebook otherwise.
        self.kc = None
        self.runs = 0  # notebooks handed out
        try:
            self._run(_call("prepare", PRELOAD), cwd)
        except BaseException:
            self.shutdown()
            raise

    @property
    def pid(self) -> int:
        """The kernel's process id (0 before it starts)."""
        return int(getattr(self.km.provisioner, "pid", 0) or 0)

    def alive(self) -> bool:
        return bool(self.km.has_kernel and run_sync(self.km.is_alive)())

    def reset(self, cwd: str) -> None:
        """The state of a fresh kernel started in ``cwd`` (raises if the kernel is broken)."""
        self._run(_call("restore", cwd), cwd)

    def shutdown(self) -> None:
        """Kill the kernel at once (it holds nothing to save) and remove its connection file."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)

    def _run(self, code: str, cwd: str) -> None:
        """Run ``code`` in the kernel (starting it in ``cwd`` first if need be), through nbclient.

        nbclient brings the timeouts and the dead-kernel checks; a raising cell raises
        ``CellExecutionError``. The kernel's start, imports and reset are bounded by the start
        timeout, not by ``--timeout``: they are not the notebook's cells. The client nbclient
        starts the first time is kept (:attr:`kc`) for the resets and notebooks that follow.
        """
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=self.kernel_name,
            timeout=int(self.start_timeout),
            startup_timeout=int(self.start_timeout),
        )
        client.kc = self.kc
        try:
            with client.setup_kernel(cwd=cwd):
                client.execute_cell(nb.cells[0], 0, store_history=False)
        finally:
            self.kc = client.kc  # stopped by shutdown()


def _call(function: str, *args: object) -> str:
    """Code that calls ``kernel_state.<function>(*args)`` and binds no name in the user namespace."""
    return f"__import__({STATE_MODULE!r}, fromlist=['_']).{function}({', '.join(map(repr, args))})"


# --- the worker's one kernel ----------------------------------------------------------------

_current: WarmKernel | None = None
_finalizer_registered = False


def ready(kernel_name: str, start_timeout: float, cwd: str, runs: int = KERNEL_RUNS) -> WarmKernel:
    """This worker's kernel, reset for a notebook that runs in ``cwd``; started when needed.

    A fresh kernel replaces one that has run ``runs`` notebooks, or that died while idle: seen
    dead, or failing its reset (a killed kernel can look alive until its last thread exits). A
    fresh kernel that fails to start or reset raises; the worker retries it as a failed start.
    """
    global _current
    if _current is not None and (_current.runs >= runs or not _current.alive()):
        discard()
    if _current is not None:
        try:
            _current.reset(cwd)
        except Exception as exc:  # noqa: BLE001 - a broken idle kernel: replaced below
            _log.warning(
                "the warm kernel failed its reset (%s: %s); starting a fresh one", type(exc).__name__, exc
            )
            discard()
    if _current is None:
        _shut_down_on_exit()
        _current = WarmKernel(kernel_name, start_timeout, cwd)
        try:
            _current.reset(cwd)
        except BaseException:
            discard()
            raise
    _current.runs += 1
    return _current


def current() -> WarmKernel | None:
    return _current


def discard() -> None:
    """Shut down this worker's kernel; the next notebook gets a fresh one."""
    global _current
    kernel, _current = _current, None
    if kernel is not None:
        kernel.shutdown()


def _shut_down_on_exit() -> None:
    """Shut the kernel down when the worker process exits normally (the pool's shutdown).

    A pool worker leaves through ``os._exit`` after multiprocessing's finalizers, so ``atexit``
    would not run; a :class:`multiprocessing.util.Finalize` with an exit priority does.
    """
    global _finalizer_registered
    if not _finalizer_registered:
        from multiprocessing import util

        util.Finalize(None, discard, exitpriority=10)
        _finalizer_registered = True
