"""The worker pool: processes that run notebooks, started early, stopped with the build.

Notebooks run through papermill in worker processes (:mod:`wuwei_analysis.build.worker`), so
the build process never imports pandas, papermill or nbconvert. A worker that dies takes its
pool with it (``BrokenProcessPool``): every task in flight is reported as failed and a new pool
starts for the rest.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from wuwei_analysis.build.task import Result, Task, failed

WORKER_DIED = "the worker process died"

J = TypeVar("J")


def pool_size(jobs: int | None, count: int) -> int:
    """Workers for ``count`` notebooks: ``--jobs``, else one per CPU, never more than needed."""
    return max(1, min(jobs or os.cpu_count() or 1, count))


class WorkerPool:
    """A ``ProcessPoolExecutor`` of notebook workers, with kernel and library chatter in ``log_path``.

    ``chart_cache`` is the build's chart cache folder (:mod:`wuwei_analysis.report.chart_cache`),
    handed to the workers' kernels through their environment.
    """

    def __init__(self, log_path: Path, chart_cache: Path | None = None):
        self.log_path = log_path
        self.chart_cache = chart_cache
        self.executor = None
        self.size = 0

    def start(self, workers: int, warm: bool = False):
        """Start the pool if it is not running; ``warm`` builds the HTML exporter in each worker."""
        if self.executor is not None:
            return self.executor
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["wuwei_analysis.build.worker"])
        except ValueError:  # no forkserver on this platform
            context = multiprocessing.get_context("spawn")
        else:
            from wuwei_analysis.build import watchdog  # here: it imports subprocess (fcntl)

            watchdog.fresh_resource_tracker()
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=worker_init,
            initargs=(str(self.log_path), str(self.chart_cache or "")),
        )
        self.size = workers
        if warm:
            for _ in range(workers):
                self.executor.submit(worker_warm_up)
        return self.executor

    def stop(self, wait: bool) -> None:
        """Stop the pool; without ``wait``, terminate the workers (no notebook keeps running).

        Either way the pool is gone when this returns — its management thread joined and its
        queues' semaphores released — so the watchdog that sweeps after the build kills no
        resource tracker that the pool would still need.
        """
        executor, self.executor = self.executor, None
        if executor is None:
            return
        if not wait:
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
        del executor
        gc.collect()

    def run_all(
        self,
        jobs: list[J],
        workers: int,
        make_task: Callable[[J], Task],
        finished: Callable[[J, Result], None],
    ) -> None:
        """Run ``jobs`` in this order, ``workers`` at a time; ``finished`` is called as each ends.

        ``make_task`` turns a job into its :class:`Task` when it is sent to a worker.
        """
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = list(jobs)
        running: dict[Future, J] = {}
        try:
            while pending or running:
                self.start(workers)  # no local reference: a traceback must not keep the pool alive
                while pending and len(running) < self.size:
                    job = pending.pop(0)
                    running[self.executor.submit(worker_run, make_task(job))] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    job = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        result = failed("worker", WORKER_DIED)
                    except Exception as exc:
                        result = failed("error", f"{type(exc).__name__}: {exc}")
                    finished(job, result)
                if broken:  # every task in the pool is lost; report them and start a new pool
                    for job in list(running.values()):
                        finished(job, failed("worker", WORKER_DIED))
                    running.clear()
                    self.stop(wait=False)
        except BaseException:
            self.stop(wait=False)
            raise
        self.stop(wait=True)


# --- worker entry points (module-level so they pickle by reference; the heavy imports happen
#     in the worker, never in the build process) ----------------------------------------------


def worker_init(log_path: str, chart_cache: str = "") -> None:
    from wuwei_analysis.build import worker

    worker.init_worker(log_path, chart_cache)


def worker_warm_up() -> int:
    from wuwei_analysis.build import worker

    return worker.warm_up()


def worker_run(task: Task) -> Result:
    from wuwei_analysis.build import worker

    return worker.run_task(task)
