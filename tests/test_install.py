"""The package as a user installs it: a wheel in a fresh venv, run from a folder outside the checkout.

The venv gets the wheel and nothing else; it reads the already installed dependencies through a
``.pth`` file (as ``--system-site-packages`` would), so the test downloads nothing but, on a cold
pip cache, the build backend. PYTHONPATH is removed, so the checkout cannot be imported by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

import wuwei_analysis
from wuwei_analysis import config

ROOT = config.PROJ_ROOT
pytestmark = pytest.mark.slow


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(the venv's bin folder, a work folder outside the checkout, the environment to run in)."""
    root = tmp_path_factory.mktemp("install")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("WUWEI_")
    }
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(ROOT)],
        root,
        env,
        300,
    )
    wheel = next((root / "dist").glob("wuwei_analysis-*.whl"))

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root, env
        ).stdout.strip()
    )
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_dependencies.pth").write_text("\n".join(sorted(here)) + "\n", encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], root, env)
    # The kernel `make kernel` registers, here into the venv: papermill -k wuwei starts this python.
    _run([str(python), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", "wuwei"], root, env)

    work = root / "work"
    work.mkdir()
    shutil.copytree(ROOT / "data" / "raw", work / "raw")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return bin_dir, work, env


def test_the_installed_package_is_the_wheel_with_its_reference_data(installed):
    bin_dir, work, env = installed
    code = "import json, wuwei_analysis as w; from wuwei_analysis import config as c; print(json.dumps([w.__file__, str(c.REFERENCE_DIR), str(c.PROJ_ROOT)]))"
    module, reference, project = json.loads(_run([str(bin_dir / "python"), "-c", code], work, env).stdout)
    assert Path(module).is_relative_to(bin_dir.parent) and not Path(module).is_relative_to(ROOT)
    assert Path(reference).name == "reference_data" and (Path(reference) / "regions.csv").is_file()
    assert Path(project) == work  # an installed package works in the folder it is run from
    version = _run([str(bin_dir / "wuwei"), "--version"], work, env).stdout
    assert version.strip().endswith(wuwei_analysis.__version__)


def test_wuwei_check_and_a_notebook_run_outside_the_checkout(installed):
    bin_dir, work, env = installed
    _run([str(bin_dir / "wuwei"), "check", "raw"], work, env)
    _run([str(bin_dir / "wuwei"), "clean", "--raw-dir", "raw", "--out-dir", "processed"], work, env)
    out = work / "health-en.ipynb"
    _run(
        [str(bin_dir / "python"), "-m", "papermill", str(ROOT / "notebooks" / "theme.ipynb"), str(out),
         "-k", "wuwei", "-p", "lang", "en", "-p", "processed_dir", "processed", "--cwd", str(work)],
        work, env, 300,
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert sorted(p.name for p in (work / ".scratch" / "en").rglob("figures/*.png"))  # the scratch folder
    assert not (work / "reports").exists()
