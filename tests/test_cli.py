"""The command line as a user meets it: the console script and ``python -m``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import wuwei_analysis


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wuwei_analysis", *args], capture_output=True, text=True)


def test_version_is_the_installed_one():
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wuwei {wuwei_analysis.__version__}"
    assert version("wuwei_analysis") == wuwei_analysis.__version__


def test_python_m_runs_the_same_commands():
    done = _run("--help")
    assert done.returncode == 0
    for command in ("clean", "check", "build"):
        assert command in done.stdout


def test_no_command_is_a_usage_error_not_a_traceback():
    done = _run()
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "usage: wuwei" in done.stderr
