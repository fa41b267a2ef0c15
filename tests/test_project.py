"""The project's own files agree with each other."""

from __future__ import annotations

import ast
import re
import sys

import tomllib
import yaml

from wuwei_analysis import config

ROOT = config.PROJ_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pyproject_packages() -> set[str]:
    project = _project()
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


# Import name → distribution name, where they differ.
DISTRIBUTIONS = {
    "bs4": "beautifulsoup4",
    "IPython": "ipython",
    "yaml": "pyyaml",
    "jupyter_client": "jupyter-client",
}
# Declared and needed, though no module imports them.
NOT_IMPORTED = {
    "runtime": {"ipykernel"},  # the kernel papermill starts
    "lab": {"jupyterlab"},  # the analyst's UI
    "fonts": {"mplfonts"},  # a font file, loaded by path
    "dev": {"ruff", "pre-commit"},  # command-line tools
}
# conda-forge's name → the distribution's, where they differ.
CONDA_NAMES = {"playwright-python": "playwright"}
# Local modules the tests import: their own helpers and the benchmark scripts.
LOCAL_MODULES = {p.stem for folder in ("tests", "benchmarks") for p in (ROOT / folder).glob("*.py")}


def _third_party_imports(folder) -> set[str]:
    """Distribution names of every top-level import under ``folder`` outside the standard library."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {name.split(".")[0] for name in names}
    local = {"wuwei_analysis", *LOCAL_MODULES}
    return {_name(DISTRIBUTIONS.get(n, n)) for n in found - set(sys.stdlib_module_names) - local}


def _environment_packages() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    names: set[str] = set()
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            names |= {_name(r) for r in entry["pip"] if not r.startswith("-e")}
        else:
            names.add(CONDA_NAMES.get(_name(entry), _name(entry)))
    return names - {"python", "pip"}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_packages() == _pyproject_packages()


def test_every_import_of_the_package_is_a_runtime_dependency():
    runtime = {_name(r) for r in _project()["dependencies"]}
    imported = _third_party_imports(ROOT / "wuwei_analysis")
    assert imported - runtime == set(), "imported by the package but not in [project] dependencies"
    assert runtime - imported == NOT_IMPORTED["runtime"], "declared but never imported"


def test_every_import_of_the_tests_is_declared_and_dev_holds_only_what_they_need():
    runtime = {_name(r) for r in _project()["dependencies"]}
    dev = {_name(r) for r in _project()["optional-dependencies"]["dev"]}
    imported = _third_party_imports(ROOT / "tests")
    assert imported - runtime - dev == set(), "imported by the tests but not declared"
    assert dev - imported == NOT_IMPORTED["dev"], "in [dev] but neither imported nor a tool"


def test_the_extras_hold_only_what_is_not_imported():
    extras = _project()["optional-dependencies"]
    for extra in ("lab", "fonts"):
        assert {_name(r) for r in extras[extra]} == NOT_IMPORTED[extra], extra
    assert not _third_party_imports(ROOT / "wuwei_analysis") & (NOT_IMPORTED["lab"] | NOT_IMPORTED["fonts"])


def test_license_is_an_spdx_expression():
    assert _project()["license"] == "MIT"


def test_every_package_folder_is_in_the_wheel():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "wuwei_analysis").rglob("__init__.py")
    }
    assert on_disk | {"wuwei_analysis.reference_data"} == set(setuptools["packages"])
    assert setuptools["package-dir"]["wuwei_analysis.reference_data"] == "data/reference"


def test_environment_yml_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "-e ." in pip


def test_ci_runs_the_test_command_the_readme_shows():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_makefile_targets_are_documented():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z_-]+):", makefile, re.MULTILINE)
    for target in targets:
        assert re.search(rf"^{target}:.*## ", makefile, re.MULTILINE), f"{target} has no ## help text"
