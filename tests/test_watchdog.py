"""The build's watchdog kills what a build started, however the build ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from wuwei_analysis.build import watchdog

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="the watchdog sweeps /proc (Linux)")

# A stand-in for a build: under a watchdog it starts a process in a session of its own (as Jupyter
# starts a kernel) and a forkserver pool worker (as the build does), prints their ids, then waits.
BUILD = textwrap.dedent(
    """
    import multiprocessing, os, subprocess, sys, time
    from wuwei_analysis.build import watchdog

    def pid(_):
        return os.getpid()

    if __name__ == "__main__":
        with watchdog.watched():
            kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                                      start_new_session=True)
            pool = multiprocessing.get_context("forkserver").Pool(1)
            worker = pool.apply(pid, (0,))
            print(kernel.pid, worker, flush=True)
            if sys.argv[1] == "wait":
                time.sleep(300)
            pool.terminate()
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _start(tmp_path, mode: str) -> tuple[subprocess.Popen, list[int]]:
    script = tmp_path / "fake_build.py"
    script.write_text(BUILD, encoding="utf-8")
    build = subprocess.Popen(
        [sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    line = build.stdout.readline()
    return build, [int(p) for p in line.split()]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_build_leaves_no_process(tmp_path, sig):
    build, children = _start(tmp_path, "wait")
    assert len(children) == 2 and all(_alive(p) for p in children)
    os.kill(build.pid, sig)
    build.wait(timeout=10)
    build.stdout.close()
    assert _wait_gone(children) == [], "processes outlived the killed build"


def test_a_finished_build_leaves_no_process_when_it_returns(tmp_path):
    build, children = _start(tmp_path, "finish")
    assert build.wait(timeout=60) == 0
    build.stdout.close()
    # stop() waits for the sweep: nothing is left the moment the build has returned
    assert [p for p in children if _alive(p)] == []


def test_the_sweep_spares_untagged_processes():
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert watchdog.sweep("not-a-build-of-ours") == 0
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_the_id_is_only_set_inside_the_watched_block():
    assert watchdog.BUILD_ID_ENV not in os.environ
    with watchdog.watched() as dog:
        assert os.environ[watchdog.BUILD_ID_ENV] == dog.build_id
    assert watchdog.BUILD_ID_ENV not in os.environ
    assert dog.process.returncode == 0
