"""A build's watchdog: when the build dies, however it dies, its workers and kernels die too.

A build starts one watchdog process and keeps the write end of a pipe whose read end only the
watchdog holds. Every process the build starts afterwards — the multiprocessing forkserver and
resource tracker, the workers, the Jupyter kernels they launch — inherits the environment
variable :data:`BUILD_ID_ENV` with the build's id. When the pipe reaches end of file (the build
finished, or was killed with SIGKILL, SIGTERM or by the out-of-memory killer), the watchdog kills
every process that carries the id, then exits.

The watchdog runs in a session of its own, so Ctrl-C in a terminal or a kill of the build's
process group does not reach it before it has done its job. The scheme needs no co-operation
from the processes it watches: kernels start sessions of their own and forkserver workers are not
children of the build, so neither process groups nor PR_SET_PDEATHSIG reach them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

BUILD_ID_ENV = "WUWEI_BUILD_ID"
SWEEPS = 3  # scans that must find nothing before the watchdog is sure every process is gone
SWEEP_PAUSE = 0.05  # seconds between scans: a forkserver may fork once more while it is killed
STOP_TIMEOUT = 30.0  # seconds the build waits for its watchdog to finish the sweep


@dataclass
class Watchdog:
    """The build's side of a running watchdog: its process and the pipe's write end."""

    build_id: str
    process: subprocess.Popen
    pipe: int

    def stop(self) -> None:
        """Close the pipe and wait until the watchdog has killed what the build left running."""
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(build_id: str | None = None) -> Watchdog:
    """Start a watchdog for this process; the caller then marks its children with the id."""
    build_id = build_id or uuid.uuid4().hex
    read_end, write_end = os.pipe()  # both non-inheritable: no exec'd child keeps the pipe open
    env = {k: v for k, v in os.environ.items() if k != BUILD_ID_ENV}
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, build_id],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    finally:
        os.close(read_end)
    return Watchdog(build_id, process, write_end)


@contextmanager
def watched() -> Iterator[Watchdog]:
    """Run the body with a watchdog: processes started inside it die with this one, or at its end."""
    dog = start()
    previous = os.environ.get(BUILD_ID_ENV)
    os.environ[BUILD_ID_ENV] = dog.build_id
    try:
        yield dog
    finally:
        if previous is None:
            os.environ.pop(BUILD_ID_ENV, None)
        else:
            os.environ[BUILD_ID_ENV] = previous
        dog.stop()


def fresh_resource_tracker() -> None:
    """Start the resource tracker, quietly replacing one the last watched block's watchdog killed.

    The watchdog kills a build's forkserver and resource tracker when the build ends, so the next
    build in the same process (the test suite runs many) starts both afresh, tagged with its own
    id; multiprocessing warns "process died unexpectedly" when it relaunches the tracker.
    """
    import warnings
    from multiprocessing import resource_tracker

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="resource_tracker: process died", category=UserWarning)
        resource_tracker.ensure_running()


def processes_with(name: str, value: str) -> list[int]:
    """Live processes (zombies excluded) whose environment holds ``name=value``, this one excluded."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                    continue
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except (OSError, IndexError):  # gone, or not ours to read
            continue
    return found


def tagged_processes(build_id: str) -> list[int]:
    """Process ids whose environment carries ``build_id`` (this process excluded)."""
    return processes_with(BUILD_ID_ENV, build_id)


def sweep(build_id: str) -> int:
    """Kill every process tagged with ``build_id`` until a few scans in a row find none.

    A first scan that finds none ends it at once (a no-op build started no process): with no
    tagged process alive none can start another, and the build itself is not found (its tag is
    set in ``os.environ`` after it started, which ``/proc/<pid>/environ`` does not show).
    """
    if not tagged_processes(build_id):
        return 0
    killed, quiet = 0, 0
    while quiet < SWEEPS:
        pids = tagged_processes(build_id)
        quiet = 0 if pids else quiet + 1
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(SWEEP_PAUSE)
    return killed


def _main(build_id: str) -> int:
    """The watchdog process: wait for end of file on stdin, then sweep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        try:
            if not os.read(0, 4096):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    if os.path.isdir("/proc"):
        sweep(build_id)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
