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


def test_arrow_arenas_are_committed_as_used_unless_the_environment_says_otherwise(tmp_path, monkeypatch):
    import os

    from wuwei_analysis import cli

    monkeypatch.delenv("MIMALLOC_ARENA_EAGER_COMMIT", raising=False)
    assert cli.main(["check", str(tmp_path)]) == 2  # an empty folder: a problem, not a crash
    assert os.environ["MIMALLOC_ARENA_EAGER_COMMIT"] == "0"
    monkeypatch.setenv("MIMALLOC_ARENA_EAGER_COMMIT", "1")
    cli.main(["check", str(tmp_path)])
    assert os.environ["MIMALLOC_ARENA_EAGER_COMMIT"] == "1"


def test_the_command_imports_no_pyarrow_before_it_sets_the_allocator():
    # mimalloc reads its settings when pyarrow first loads: main() must run before that import
    code = "import sys, wuwei_analysis.cli; print('pyarrow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
