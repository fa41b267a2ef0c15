"""Unattended runs (issue 10): what a killed, terminated or interrupted build leaves behind.

The builds here run the tiny notebooks of ``tests/build_fixtures/`` in a separate process, as cron
would, with an extra environment variable that every process the build starts inherits; a scan
of ``/proc`` for that variable finds whatever the build left running.
"""

from __future__ import annotations

import os
import re
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
from wuwei_analysis.build import watchdog
from wuwei_analysis.build.folders import LOCK_NAME

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir("/proc"), reason="scans /proc (Linux)"),
]

TAG_ENV = "WUWEI_RELIABILITY_TAG"


def tagged(tag: str) -> list[int]:
    """Live processes whose environment carries ``TAG_ENV=tag``."""
    return watchdog.processes_with(TAG_ENV, tag)


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
        _wait_for_line(proc, r"run\s+\S*health/")
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


# --- parameters and paths checked before any work -----------------------------------------


def test_a_fractional_timeout_runs_the_notebooks(tmp_path: Path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build(themes=("health",), langs=("en",), timeout=30.5)
    assert status == errors.EXIT_OK, log
    assert "did not start" not in log


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_seconds_exits_2(value: str, capsys):
    from wuwei_analysis import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["build", "--timeout", value])
    assert stop.value.code == errors.EXIT_BAD_INPUT
    assert "--timeout: must be a number of seconds" in capsys.readouterr().err


def test_output_folders_inside_the_raw_folder_are_refused(tmp_path: Path, capsys):
    from wuwei_analysis import cli

    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    raw_before = build_inputs.tree_hash(ws.raw)
    assert cli.main(["clean", "--raw-dir", str(ws.raw), "--out-dir", str(ws.raw)]) == errors.EXIT_BAD_INPUT
    assert cli.main(["clean", "--raw-dir", str(ws.raw), "--out-dir", str(ws.raw / "out")]) == 2
    assert "inside the raw data folder" in capsys.readouterr().err
    for overrides in ({"processed_dir": ws.raw}, {"reports_dir": ws.raw / "reports"}):
        status, log = ws.build(**overrides)
        assert status == errors.EXIT_BAD_INPUT and "inside the raw data folder" in log, log
    status, log = ws.build(reports_dir=ws.processed / "reports")
    assert status == errors.EXIT_BAD_INPUT and "inside the processed data folder" in log, log
    assert build_inputs.tree_hash(ws.raw) == raw_before
    assert not (ws.processed / "reports").exists()


# --- exit 4 naming the path and the cause -------------------------------------------------


def test_a_lock_path_that_is_a_folder_is_exit_4(tmp_path: Path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    (ws.reports / LOCK_NAME).mkdir(parents=True)
    status, log = ws.build()
    assert status == errors.EXIT_OUTPUT, log
    assert "Is a directory" in log and LOCK_NAME in log


def test_an_unreadable_processed_folder_is_exit_4(tmp_path: Path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build(processed_dir=Path("/proc/self"))
    assert status == errors.EXIT_OUTPUT, log
    assert "cannot write processed data to /proc/self/" in log and "No such file or directory" in log


def test_a_full_disk_in_a_worker_is_an_output_error_not_a_kernel_failure(tmp_path, monkeypatch):
    import errno

    from test_build import _worker_task

    from wuwei_analysis.build import worker as build_worker

    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    fake_clean(ws.raw, ws.processed)
    target = str(tmp_path / "full" / "summary.ipynb")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)

    monkeypatch.setattr(build_worker.papermill, "execute_notebook", full)
    result = build_worker.run_task(_worker_task(ws, tmp_path / "full"))
    assert result.kind == "output" and result.attempts == 1, result
    assert result.error == f"cannot write: No space left on device ({target})"


# --- damaged processed data heals ---------------------------------------------------------


def _damage(processed: Path, how: str) -> None:
    parquet = processed / "indicators.parquet"
    if how == "truncated":
        parquet.write_bytes(parquet.read_bytes()[:100])
    elif how == "random":
        parquet.write_bytes(os.urandom(2048))
    elif how == "empty":
        parquet.write_bytes(b"")
    elif how == "wrong-schema":
        import pandas as pd

        pd.DataFrame({"a": [1], "b": ["x"]}).to_parquet(parquet)
    elif how == "edited":  # readable, but not what the cleaner wrote
        csv = processed / "indicators.csv"
        csv.write_text(csv.read_text(encoding="utf-8-sig").replace("848", "849"), encoding="utf-8")


@pytest.mark.parametrize("how", ["truncated", "random", "empty", "wrong-schema", "edited"])
def test_damaged_processed_data_is_cleaned_again_from_raw(tmp_path: Path, how: str):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build(themes=("health",), langs=("en",))
    assert status == errors.EXIT_OK, log
    good = build_inputs.tree_hash(ws.processed)
    _damage(ws.processed, how)
    (ws.processed / "extra.csv").write_bytes("名称,值\n武威,1\n".encode("gbk"))  # a stray file
    status, log = ws.build(themes=("health",), langs=("en",))
    assert status == errors.EXIT_OK, log
    assert "Traceback" not in log
    if how == "edited":
        assert "clean  running (processed data changed or missing)" in log, log
    else:
        assert re.search(
            r"clean  running \(indicators\.parquet is unreadable \(.+\); re-cleaning from raw\)", log
        )
    assert "ignoring extra.csv in the processed folder" in log, log
    (ws.processed / "extra.csv").unlink()
    assert build_inputs.tree_hash(ws.processed) == good


def test_damaged_processed_data_with_bad_raw_data_is_exit_2(tmp_path: Path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    fake_clean(ws.raw, ws.processed)
    _damage(ws.processed, "random")
    ws.set_value("health_doctors", "many")
    status, log = ws.build()
    assert status == errors.EXIT_BAD_INPUT, log
    assert "not a number" in log and "Traceback" not in log
    status, log = ws.build(clean=False)  # nothing may re-clean it: say which file and why
    assert status == errors.EXIT_BAD_INPUT, log
    assert "indicators.parquet" in log and "unreadable processed file" in log


# --- one immutable snapshot of the processed data -----------------------------------------


def test_notebooks_read_the_snapshot_whose_hash_the_manifest_records(tmp_path: Path):
    import nbformat

    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build(themes=("health", "summary"), langs=("en",))
    assert status == errors.EXIT_OK, log
    version = ws.manifest()["data_version"]
    snapshot = ws.reports / ".data" / version
    assert build_inputs.scan_processed(snapshot).version == version
    nb = nbformat.read(ws.reports / "en" / "620600" / "2025" / "health.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    # The notebook ran on the snapshot; the published copy names no build-machine folder (the
    # snapshot lies outside the project here, so it reads as the default, see build/portable.py).
    assert str(snapshot) not in injected.source and 'processed_dir = ""' in injected.source
    # A clean that rewrites the processed folder afterwards changes no snapshot.
    ws.set_value("health_doctors", "900")
    fake_clean(ws.raw, ws.processed)
    assert build_inputs.scan_processed(snapshot).version == version


def test_a_file_rewritten_after_the_scan_is_not_snapshotted(tmp_path: Path):
    from wuwei_analysis.build import publish

    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    fake_clean(ws.raw, ws.processed)
    data = build_inputs.scan_processed(ws.processed)
    ws.set_value("health_doctors", "900")
    fake_clean(ws.raw, ws.processed)  # a concurrent `wuwei clean`
    (tmp_path / "staging").mkdir()
    with pytest.raises(publish.DataChanged):
        publish.snapshot_data(ws.processed, data, ws.reports, tmp_path / "staging")
    assert not (ws.reports / ".data" / data.version).exists()
