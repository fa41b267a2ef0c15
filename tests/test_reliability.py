"""Unattended runs (issue 10): what a killed, terminated or interrupted build leaves behind.

The builds here run the tiny notebooks of ``tests/build_fixtures/`` in a separate process, as cron
would, with an extra environment variable that every process the build starts inherits; a scan
of ``/proc`` for that variable finds whatever the build left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from test_build import BUILD_PROCESS, THEMES, Workspace, _wait_for_line, fake_clean

from wuwei_analysis import errors
from wuwei_analysis.build import inputs as build_inputs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir("/proc"), reason="scans /proc (Linux)"),
]

TAG_ENV = "WUWEI_RELIABILITY_TAG"


def tagged(tag: str) -> list[int]:
    """Live processes whose environment carries ``TAG_ENV=tag``."""
    needle = f"{TAG_ENV}={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                    continue
            with open(f"/proc/{name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(name))
        except (OSError, IndexError):
            continue
    return found


def wait_until_none(tag: str, seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def start_build(ws: Workspace, tag: str, *extra: str) -> subprocess.Popen:
    args = ["--raw-dir", ws.raw, "--processed-dir", ws.processed, "--reports-dir", ws.reports]
    args += ["--notebooks-dir", ws.notebooks, "--no-clean", *extra]
    return subprocess.Popen(
        [sys.executable, "-c", BUILD_PROCESS, build_inputs.library_hash(), *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, TAG_ENV: tag},
    )


@pytest.mark.parametrize(
    "signum, status",
    [
        (signal.SIGKILL, -signal.SIGKILL),
        (signal.SIGTERM, errors.EXIT_TERMINATED),
        (signal.SIGINT, errors.EXIT_INTERRUPTED),
    ],
    ids=["kill-9", "sigterm", "sigint"],
)
def test_a_stopped_build_leaves_no_process_running(tmp_path: Path, signum: int, status: int):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    ws.use("health", "slow")  # a kernel is busy when the signal arrives
    fake_clean(ws.raw, ws.processed)
    tag = uuid.uuid4().hex
    proc = start_build(ws, tag, "--theme", ",".join(THEMES), "--jobs", "2")
    try:
        _wait_for_line(proc, r"run\s+health/")
        assert set(tagged(tag)) - {proc.pid}  # its watchdog, forkserver, workers, kernels
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == status
        tail = proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert not wait_until_none(tag), "the stopped build left processes running"
    if signum != signal.SIGKILL:
        assert "interrupted" in tail and "Traceback" not in tail, tail
        assert not (ws.reports / ".staging").exists()  # a clean stop removes its work folder
    status, log = ws.build(clean=False, themes=("urban", "summary"))
    assert status == errors.EXIT_OK, log
