"""`wuwei build`: incremental, parallel, failure-isolating, atomic, offline HTML.

The builds run the tiny notebooks in ``tests/build_fixtures/`` (see ``make_fixtures.py``) on a
fake cleaner that turns ``raw/indicators.csv`` into processed CSV and parquet, in temporary
folders. One baseline build (health, urban, summary × zh, en; both themes from ``theme.ipynb``)
is shared: each test that needs a built reports folder works on its own copy. A test gives one
theme a failing notebook of its own (``notebooks/<theme>.ipynb``) to fail that theme alone.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from wuwei_analysis import config, errors, reference
from wuwei_analysis.build import export as build_html
from wuwei_analysis.build import inputs as build_inputs
from wuwei_analysis.build import run as build
from wuwei_analysis.build import site_index as build_site
from wuwei_analysis.build.folders import LOCK_NAME

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent / "build_fixtures"
THEMES = ("health", "urban", "summary")
LANGS = ("zh", "en")
CODE_MARKER = "wuwei-fixture-code"
SLICE = "620600/2025"  # the one place and year of RAW: reports go to <lang>/620600/2025/
RAW = """theme,indicator_id,region_code,year,value
health,health_doctors,620600,2025,848
health,health_nurses,620600,2025,985
urban,urban_parks,620600,2025,12
urban,urban_roads,620600,2025,31
"""


def fake_clean(raw_dir: Path, out_dir: Path) -> None:
    """The cleaner's contract in miniature: processed CSV + parquet, or DataError and nothing."""
    import pandas as pd

    frame = pd.read_csv(Path(raw_dir) / "indicators.csv", dtype=str)
    bad = frame[pd.to_numeric(frame["value"], errors="coerce").isna()]
    if len(bad):
        raise errors.DataError(
            [
                errors.Problem("indicators.csv", int(i) + 2, "value", v, "not a number")
                for i, v in bad["value"].items()
            ]
        )
    frame["value"] = frame["value"].astype(float)
    frame["year"] = frame["year"].astype(int)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_dir / "indicators.csv", index=False, encoding="utf-8-sig")
    frame.to_parquet(out_dir / "indicators.parquet", index=False)


class Workspace:
    """Notebooks, raw and processed data and a reports folder under one root."""

    def __init__(self, root: Path, notebooks: dict[str, str] | None = None):
        self.root = root
        self.notebooks = root / "notebooks"
        self.raw = root / "raw"
        self.processed = root / "processed"
        self.reports = root / "reports"
        if notebooks is not None:
            self.notebooks.mkdir(parents=True)
            self.raw.mkdir()
            (self.raw / "indicators.csv").write_text(RAW, encoding="utf-8")
            for theme, fixture in notebooks.items():
                self.use(theme, fixture)

    def use(self, theme: str, fixture: str) -> None:
        shutil.copyfile(FIXTURES / f"{fixture}.ipynb", self.notebooks / f"{theme}.ipynb")

    def options(self, **overrides) -> build.BuildOptions:
        values = dict(
            raw_dir=self.raw,
            processed_dir=self.processed,
            reports_dir=self.reports,
            notebooks_dir=self.notebooks,
            themes=THEMES,
            langs=LANGS,
            clean_fn=fake_clean,
            timeout=60,
            log=io.StringIO(),
        )
        values.update(overrides)
        return build.BuildOptions(**values)

    def build(self, **overrides) -> tuple[int, str]:
        options = self.options(**overrides)
        raw_before = build_inputs.tree_hash(self.raw) if self.raw.is_dir() else ""
        status = build.run_build(options)
        if raw_before:
            assert build_inputs.tree_hash(self.raw) == raw_before, "the build changed the raw data"
        return status, options.log.getvalue()

    def manifest(self) -> dict:
        return json.loads((self.reports / "manifest.json").read_text(encoding="utf-8"))

    def set_value(self, indicator_id: str, value: str) -> None:
        path = self.raw / "indicators.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines = [
            ",".join([*line.split(",")[:4], value]) if f",{indicator_id}," in line else line for line in lines
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def decisions(log: str) -> dict[str, str]:
    """``{"health/en": "ok" | "skip" | "FAIL"}``: the last word logged for each notebook."""
    found = {}
    for match in re.finditer(r"^\[\s*\d+/\d+\] (\w+)\s+(\S+/\w+)", log, flags=re.M):
        verb, label = match.groups()
        if verb != "run":
            found["/".join(label.split("/")[-2:])] = verb  # 620600/2025/urban/zh → urban/zh
    return found


def ran(log: str) -> set[str]:
    return {label for label, verb in decisions(log).items() if verb == "ok"}


@pytest.fixture(scope="module", autouse=True)
def steady_library():
    """The library hash as of the start of this module.

    Other work on the package while these tests run would otherwise change it between two
    builds of one test, and every notebook would (rightly) run again.
    """
    frozen = build_inputs.library_hash()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_inputs, "library_hash", lambda: frozen)
        yield frozen


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, steady_library) -> tuple[Path, str]:
    ws = Workspace(tmp_path_factory.mktemp("baseline"), {"theme": "theme", "summary": "summary"})
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    return ws.root, log


@pytest.fixture
def ws(baseline, tmp_path) -> Workspace:
    root, _ = baseline
    shutil.copytree(root, tmp_path / "ws", symlinks=True)
    return Workspace(tmp_path / "ws")


def stamps(folder: Path) -> dict[str, int]:
    """Modification times of every file but the lock (each build writes its pid there)."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and p.name != LOCK_NAME
    }


# --- end to end ---------------------------------------------------------------------------


def test_first_build_publishes_every_report_with_index_and_manifest(baseline):
    root, log = baseline
    reports = root / "reports"
    labels = {f"{theme}/{lang}" for theme in THEMES for lang in LANGS}
    assert decisions(log) == dict.fromkeys(labels, "ok")
    assert "(never built)" in log and "clean  running (never cleaned)" in log
    assert re.search(r"^6 notebooks: 6 ran, 0 skipped, 0 failed in [\d.]+s", log, flags=re.M)
    assert "\033[" not in log  # plain text when not on a terminal

    for lang in LANGS:
        for theme in THEMES:
            assert (reports / lang / SLICE / f"{theme}.html").is_file()
            nbformat.validate(nbformat.read(reports / lang / SLICE / f"{theme}.ipynb", as_version=4))
        # The charts the notebooks saved are published beside the reports.
        assert {p.name for p in (reports / lang / SLICE / "figures").iterdir()} == {"health.png", "urban.png"}
    assert not (reports / ".staging").exists()
    assert not (reports / "_failed").exists()

    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is True and manifest["status"] == "ok"
    entry = manifest["notebooks"]["en/620600/2025/urban"]
    assert entry["status"] == "ok" and entry["duration_s"] > 0
    assert Path(entry["notebook"]).name == "theme.ipynb"  # one notebook, run with theme="urban"
    assert set(entry["inputs"]) == {
        "notebook",
        "data",
        "library",
        "reference",
        "parameters",
        "packages",
        "pages",
    }
    assert entry["parameters"] == {"theme": "urban", "lang": "en", "region": "620600", "year": 2025}
    assert entry["html"] == "en/620600/2025/urban.html" and entry["figures"] == [
        "en/620600/2025/figures/urban.png"
    ]
    assert manifest["packages"]["pandas"] and manifest["packages"]["papermill"]

    index = (reports / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert "zh/620600/2025/health.html" in links and "en/620600/2025/summary.html" in links
    assert "manifest.json" in links and "data/indicators.csv" in links  # build details, downloads
    for link in links:
        assert not re.match(r"[a-z]+:|/", link), link  # relative
        assert link.startswith("#") or (reports / link).is_file(), link
    assert "医疗卫生" in index and "Urban quality of life" in index
    # the landing page is for readers: hashes and build times stay in the manifest it links
    assert manifest["notebooks"]["zh/620600/2025/urban"]["data_version"] not in index
    assert build_html.find_external_references(index) == []


def test_the_executed_notebook_names_no_build_machine_folder(baseline):
    """Published notebooks run on the analyst's machine: blank folders (the defaults), and a re-run
    writes its charts to the scratch folder, never into the published site."""
    root, _ = baseline
    nb = nbformat.read(root / "reports" / "en" / SLICE / "health.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert injected.source.startswith("# Parameters")
    assert 'reports_dir = ""' in injected.source and 'processed_dir = ""' in injected.source
    assert nb.metadata.papermill.parameters["reports_dir"] == ""
    text = json.dumps(nb)
    assert ".staging" not in text and str(root) not in text and str(config.PROJ_ROOT) not in text


def test_second_build_runs_nothing_and_writes_nothing(ws):
    before = stamps(ws.reports)
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    assert set(decisions(log).values()) == {"skip"}
    assert "clean  skipped (raw data unchanged)" in log
    assert "(unchanged)" in log and "0 ran, 6 skipped, 0 failed" in log
    assert stamps(ws.reports) == before


# A build in its own process, with this module's library hash (see ``steady_library``).
BUILD_PROCESS = (
    "import sys; from wuwei_analysis.build import inputs as build_inputs; frozen = sys.argv.pop(1); "
    "build_inputs.library_hash = lambda: frozen; from wuwei_analysis.build import run as build; sys.exit(build.main(sys.argv[1:]))"
)


def test_noop_rebuild_is_fast_and_loads_no_heavy_module(ws, steady_library):
    script = (
        "import sys, time; t = time.perf_counter(); from wuwei_analysis.build import run as build, inputs as build_inputs; "
        "frozen = sys.argv.pop(1); build_inputs.library_hash = lambda: frozen; "
        "rc = build.main(sys.argv[1:]); "
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'papermill', 'nbconvert', 'matplotlib') if m in sys.modules); "
        "print(heavy, round(time.perf_counter() - t, 3)); sys.exit(rc)"
    )
    args = ["--raw-dir", ws.raw, "--processed-dir", ws.processed, "--reports-dir", ws.reports]
    args += ["--notebooks-dir", ws.notebooks, "--theme", ",".join(THEMES), "--no-clean"]
    started = time.perf_counter()
    command = [sys.executable, "-c", script, steady_library, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    wall = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[]"), done.stdout
    assert "0 ran, 6 skipped" in done.stderr
    assert wall < 5  # the benchmark holds it to 1 s; leave room for a loaded CI machine


def test_changing_one_figure_reruns_only_that_theme_and_the_summary(ws):
    ws.set_value("urban_parks", "13")
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    assert ran(log) == {"urban/zh", "urban/en", "summary/zh", "summary/en"}
    assert {label for label, verb in decisions(log).items() if verb == "skip"} == {"health/zh", "health/en"}
    assert "clean  running (raw changed)" in log
    assert re.search(r"run\s+\S*urban/en\s+\(data changed\)", log)
    # The summary compares with the previous edition's data, kept by the build.
    summary = (ws.reports / "en" / SLICE / "summary.html").read_text(encoding="utf-8")
    assert "Compared with the previous edition: 2 changed rows." in summary
    manifest = ws.manifest()
    assert manifest["previous_data_version"] and manifest["data_version"] != manifest["previous_data_version"]
    assert sorted(p.name for p in (ws.reports / ".data").iterdir()) == sorted(
        [manifest["data_version"], manifest["previous_data_version"]]
    )

    # And the build after that runs nothing, the summary included.
    status, log = ws.build()
    assert set(decisions(log).values()) == {"skip"}, log


def test_force_reruns_everything(ws):
    status, log = ws.build(force=True, langs=("en",), themes=("health",))
    assert status == errors.EXIT_OK, log
    assert decisions(log) == {"health/en": "ok"} and "(--force)" in log


def test_notebook_library_and_parameter_changes_are_detected(ws, monkeypatch):
    before = stamps(ws.reports)
    committed = (ws.notebooks / "theme.ipynb").read_bytes()
    nb = nbformat.read(ws.notebooks / "theme.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("One more sentence."))
    nbformat.write(nb, ws.notebooks / "theme.ipynb")
    status, log = ws.build(dry_run=True)
    assert status == errors.EXIT_OK
    assert re.search(r"health/zh\s+would run \(notebook changed\)", log)
    assert re.search(r"urban/zh\s+would run \(notebook changed\)", log)
    assert re.search(r"summary/zh\s+\(unchanged\)", log)
    (ws.notebooks / "theme.ipynb").write_bytes(committed)
    nbformat.write(nb, ws.notebooks / "health.ipynb")  # a notebook of its own for one theme
    status, log = ws.build(dry_run=True)
    assert re.search(r"health/zh\s+would run \(notebook changed\)", log)
    assert re.search(r"urban/zh\s+\(unchanged\)", log)
    (ws.notebooks / "health.ipynb").unlink()
    # A report's region and year now come from the data (one job per place and year), so naming
    # the one slice there is changes no parameter: nothing would run.
    status, log = ws.build(dry_run=True, regions=("武威市",), years=(2025,))
    assert re.search(r"urban/en\s+\(unchanged\)", log) and "dry run: 0 of 6 notebooks would run" in log
    monkeypatch.setattr(build_inputs, "library_hash", lambda: "another library")
    status, log = ws.build(dry_run=True)
    assert re.search(r"urban/en\s+would run \(library code changed\)", log)
    assert "clean  would run (library changed)" in log
    monkeypatch.undo()
    versions = {**build_inputs.package_versions(), "pandas": "0.0"}
    monkeypatch.setattr(build_inputs, "package_versions", lambda: versions)
    status, log = ws.build(dry_run=True, themes=("urban",))
    assert re.search(r"urban/en\s+would run \(package versions changed\)", log)
    assert stamps(ws.reports) == before  # a dry run writes nothing


def test_outputs_saved_by_jupyter_do_not_trigger_a_run(ws):
    nb = nbformat.read(ws.notebooks / "theme.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 7
            cell.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    nbformat.write(nb, ws.notebooks / "theme.ipynb")
    status, log = ws.build(dry_run=True)
    assert "dry run: 0 of 6 notebooks would run" in log, log


def test_a_modified_or_missing_report_is_rebuilt(ws):
    (ws.reports / "zh" / SLICE / "urban.html").write_text("<html>edited</html>", encoding="utf-8")
    (ws.reports / "en" / SLICE / "health.ipynb").unlink()
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    assert ran(log) == {"urban/zh", "health/en"}
    assert "published html was modified" in log and "published ipynb missing" in log


# --- failures -----------------------------------------------------------------------------


def test_a_failing_notebook_keeps_the_previous_report_and_exits_non_zero(ws):
    good_html = (ws.reports / "en" / SLICE / "urban.html").read_bytes()
    ws.use("urban", "raises")
    status, log = ws.build(langs=("en",))
    assert status == errors.EXIT_FAILED, log
    assert decisions(log) == {"health/en": "skip", "urban/en": "FAIL", "summary/en": "skip"}
    assert re.search(
        r"FAIL\s+\S*urban/en\s+[\d.]+s: ZeroDivisionError: division by zero \(cell In \[\d+\]\)", log
    )
    assert "kept in" in log and "_failed/en/620600/2025/urban.ipynb" in log
    assert "1 failed" in log

    assert (ws.reports / "en" / SLICE / "urban.html").read_bytes() == good_html
    kept = nbformat.read(ws.reports / "_failed" / "en" / SLICE / "urban.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in kept.cells[0].metadata.get("tags", [])
    assert any(o.get("ename") == "ZeroDivisionError" for c in kept.cells for o in c.get("outputs", []))

    manifest = ws.manifest()
    assert manifest["status"] == "failed"
    entry = manifest["notebooks"]["en/620600/2025/urban"]
    assert entry["status"] == "failed" and entry["failed_ipynb"] == "_failed/en/620600/2025/urban.ipynb"
    assert entry["html"] == "en/620600/2025/urban.html"  # the published report is still described
    index = (ws.reports / "index.html").read_text(encoding="utf-8")
    assert (
        'data-theme="urban" data-region="620600" data-year="2025" data-state="failed"' in index
        and 'href="_failed/en/620600/2025/urban.ipynb"' in index
    )
    assert 'href="en/620600/2025/urban.html"' in index

    # Fixed (back to theme.ipynb): the next build runs it again, publishes it and clears the failure.
    (ws.notebooks / "urban.ipynb").unlink()
    status, log = ws.build(langs=("en",))
    assert status == errors.EXIT_OK, log
    assert ran(log) == {"urban/en"} and "(failed last time)" in log
    assert not (ws.reports / "_failed" / "en" / SLICE / "urban.ipynb").exists()
    assert ws.manifest()["status"] == "ok"


@pytest.mark.parametrize("fresh", [False, True], ids=["warm", "fresh"])
def test_cell_timeouts_and_kernel_deaths_are_isolated_failures(ws, fresh):
    """``dies`` kills its kernel before any import: with the 2 s limit on every cell, a pandas
    import slowed past 2 s on a loaded machine once timed out first (no "kernel died" line)."""
    previous = {
        lang: (ws.reports / "en" / SLICE / f"{lang}.html").read_bytes() for lang in ("health", "urban")
    }
    ws.use("health", "sleeps")
    ws.use("urban", "dies")
    status, log = ws.build(langs=("en",), timeout=2, fresh_kernels=fresh)
    assert status == errors.EXIT_FAILED, log
    assert decisions(log) == {"health/en": "FAIL", "urban/en": "FAIL", "summary/en": "skip"}
    assert re.search(
        r"FAIL\s+\S*health/en .*longer than the 2 s limit \(--timeout\) \(cell In \[\d+\]\)", log
    )
    assert re.search(r"FAIL\s+\S*urban/en .*the kernel died \(cell (In \[\d+\]|#\d+)\)", log)
    for theme in ("health", "urban"):
        assert (ws.reports / "en" / SLICE / f"{theme}.html").read_bytes() == previous[theme]
        kept = nbformat.read(ws.reports / "_failed" / "en" / SLICE / f"{theme}.ipynb", as_version=4)
        assert "Execution stopped" in kept.cells[0].source
    assert (ws.reports / "_failed" / "workers.log").is_file()


def test_a_notebook_without_parameters_cell_fails_alone(ws):
    ws.use("urban", "no_parameters")
    status, log = ws.build(langs=("en",))
    assert status == errors.EXIT_FAILED
    assert re.search(r"FAIL\s+\S*urban/en .*no cell tagged 'parameters'", log)
    assert decisions(log)["health/en"] == "skip"


def test_bad_raw_data_stops_the_build_before_anything_is_published(ws):
    before = stamps(ws.reports)
    ws.set_value("urban_parks", "twelve")
    status, log = ws.build()
    assert status == errors.EXIT_BAD_INPUT
    assert "indicators.csv, line 4, column 'value': not a number (value 'twelve')" in log
    assert not decisions(log)
    assert stamps(ws.reports) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"langs": ("fr",)}, "unknown language"),
        ({"themes": ("../../etc",)}, "unknown theme"),
        ({"regions": ("../../tmp",)}, "region must be a code"),
        ({"regions": ("a/b",)}, "region must be a code"),
        ({"years": ("2025",)}, "year must be a whole number"),
        ({"parameters": {"colour": "red"}}, "unknown parameter 'colour': not declared"),
        ({"parameters": {"reports_dir": "/tmp/elsewhere"}}, "'reports_dir' is set by the build"),
        ({"parameters": {"lang": "en"}}, "'lang' is set by the build"),
        ({"jobs": 0}, "--jobs"),
        ({"timeout": -1}, "--timeout"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(ws, overrides, message):
    before = stamps(ws.reports)
    status, log = ws.build(force=True, **overrides)
    assert status == errors.EXIT_BAD_INPUT, log
    assert message in log
    assert not decisions(log)
    assert stamps(ws.reports) == before


def test_the_parameter_validator_runs_before_any_kernel(ws, monkeypatch):
    before = stamps(ws.reports)
    status, log = ws.build(force=True, years=(1999,))  # not a year in the processed data
    assert status == errors.EXIT_BAD_INPUT, log
    assert "year=1999 is not allowed" in log
    assert not decisions(log) and stamps(ws.reports) == before


# --- concurrency, kills, output folder ----------------------------------------------------


def _run_build_process(ws: Workspace, *extra: str) -> subprocess.Popen:
    args = ["--raw-dir", ws.raw, "--processed-dir", ws.processed, "--reports-dir", ws.reports]
    args += ["--notebooks-dir", ws.notebooks, "--no-clean", *extra]
    return subprocess.Popen(
        [sys.executable, "-c", BUILD_PROCESS, build_inputs.library_hash(), *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(proc: subprocess.Popen, pattern: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            if re.search(pattern, line):
                return "".join(seen)
    proc.kill()
    raise AssertionError(f"no line matching {pattern!r}; got:\n{''.join(seen)}")


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigkill_mid_build_then_the_next_build_completes(tmp_path):
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    fake_clean(ws.raw, ws.processed)
    proc = _run_build_process(ws, "--theme", ",".join(THEMES), "--jobs", "2")
    _wait_for_line(proc, r"\] ok ")  # some reports published, others still running
    helpers = _descendants(proc.pid)  # the pool's forkserver, its workers and their kernels
    assert helpers
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    # The killed build leaves no worker (nor its forkserver, nor a kernel) running.
    deadline = time.monotonic() + 30
    while (alive := [pid for pid in helpers if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive, f"still running after the build was killed: {alive}"

    # Reports finished before the kill went into an edition that was never switched to: readers
    # see no page of it (this was the first build, so no site at all), and nothing half-written.
    assert not (ws.reports / "current").exists() and not (ws.reports / "manifest.json").exists()
    assert list(ws.reports.glob(f"*/{SLICE}/*.html")) == []
    killed = list((ws.reports / ".site").iterdir())
    assert len(killed) == 1 and list(killed[0].glob(f"*/{SLICE}/*.html"))  # its unswitched edition

    status, log = ws.build(clean=False)
    assert status == errors.EXIT_OK, log
    assert len(ran(log)) == 6, log
    assert ws.manifest()["complete"] is True
    assert len(list(ws.reports.glob(f"*/{SLICE}/*.html"))) == 6
    assert not (ws.reports / ".staging").exists()
    assert [p.name for p in (ws.reports / ".site").iterdir()] == [
        ws.manifest()["edition"]
    ]  # killed one pruned
    assert 'data-state="ok"' in (ws.reports / "index.html").read_text(encoding="utf-8")


def test_a_second_build_at_the_same_time_refuses(ws):
    ws.use("health", "slow")
    proc = _run_build_process(ws, "--theme", "health", "--lang", "en")
    try:
        _wait_for_line(proc, r"run\s+\S*health/en")
        status, log = ws.build(force=True)
        assert status == errors.EXIT_BUSY
        assert "another build is running in" in log and f"pid {proc.pid}" in log
        assert not decisions(log)
    finally:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        proc.stderr.close()
    assert ws.manifest()["complete"] is True
    # Once the first is done, the lock is free again.
    status, log = ws.build(langs=("en",))
    assert status == errors.EXIT_OK, log


def test_the_lock_is_an_flock_on_the_reports_folder(ws):
    with open(ws.reports / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        status, log = ws.build()
    assert status == errors.EXIT_BUSY, log
    status, log = ws.build()
    assert status == errors.EXIT_OK, log


def test_an_unwritable_reports_folder_is_a_clear_error(ws, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    status, log = ws.build(reports_dir=blocker / "reports")
    assert status == errors.EXIT_OUTPUT, log
    assert "wuwei build: cannot create the reports folder: Not a directory" in log
    status, log = ws.build(reports_dir=blocker)
    assert status == errors.EXIT_OUTPUT, log
    assert "cannot create the reports folder: File exists" in log


def test_a_full_disk_while_publishing_keeps_the_previous_report(ws, monkeypatch):
    good_html = (ws.reports / "en" / SLICE / "urban.html").read_bytes()
    real_replace = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).endswith(".html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    status, log = ws.build(force=True, themes=("urban",), langs=("en",))
    monkeypatch.undo()
    assert status == errors.EXIT_OUTPUT, log
    assert "No space left on device" in log
    assert (ws.reports / "en" / SLICE / "urban.html").read_bytes() == good_html
    assert not [p for p in ws.reports.rglob("*.tmp") if ".staging" not in p.parts]
    status, log = ws.build(themes=("urban",), langs=("en",))
    assert status == errors.EXIT_OK, log
    # The full disk also stopped the index of the new edition, so it was never switched to: the
    # site is the previous edition, whole, and its report of urban/en needs no new run.
    assert ran(log) == set() and decisions(log)["urban/en"] == "skip", log


def _worker_task(ws: Workspace, folder: Path):
    from wuwei_analysis.build import site_index as build_site
    from wuwei_analysis.build.task import Task

    folder.mkdir()
    return Task(
        theme="summary",
        lang="en",
        notebook=str(ws.notebooks / "summary.ipynb"),
        parameters={"lang": "en", "processed_dir": str(ws.processed), "reports_dir": str(folder)},
        task_dir=str(folder),
        reports_dir=str(ws.reports),
        ipynb=str(folder / "summary.ipynb"),
        html=str(folder / "summary.html"),
        timeout=60,
        html_context=build_site.report_context("summary", "en", "620600", 2025),
    )


def test_kernel_start_failures_are_retried(ws, tmp_path, monkeypatch):
    from wuwei_analysis.build import worker as build_worker

    real = build_worker.papermill.execute_notebook
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= build_worker.START_RETRIES:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_worker.papermill, "execute_notebook", flaky)
    result = build_worker.run_task(_worker_task(ws, tmp_path / "flaky"))
    assert result.status == "ok", result
    assert result.attempts == build_worker.START_RETRIES + 1

    def never(*args, **kwargs):
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(build_worker.papermill, "execute_notebook", never)
    result = build_worker.run_task(_worker_task(ws, tmp_path / "never"))
    assert result.status == "failed" and result.kind == "kernel-start"
    assert result.attempts == build_worker.START_RETRIES + 1
    assert "did not start: RuntimeError: Kernel didn't respond" in result.error


# --- HTML ---------------------------------------------------------------------------------

_ANY_URL_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:(?:https?|ftp):)?//)"""
    r"""|url\(\s*["']?\s*(?:(?:https?|ftp):)?//|@import""",
    re.I,
)


def test_the_html_is_offline_code_free_and_labelled(baseline):
    root, _ = baseline
    for lang in LANGS:
        for theme in THEMES:
            html = (root / "reports" / lang / SLICE / f"{theme}.html").read_text(encoding="utf-8")
            assert CODE_MARKER not in html and "import pandas" not in html
            assert "processed_dir" not in html and "reports_dir" not in html  # parameters, injected too
            assert "jp-InputArea-editor" not in html and 'class="highlight' not in html
            assert "fixture-stderr-marker" not in html
            assert not _ANY_URL_REFERENCE.search(html), _ANY_URL_REFERENCE.search(html)
            assert build_html.find_external_references(html) == []
            assert "<script" not in html.lower()
            assert f'<html lang="{config.HTML_LANG[lang]}">' in html
            title = re.search(r"<title>(.*?)</title>", html).group(1)
            assert build_site.theme_name(theme, lang) in title
            assert "2025" in title and ("武威市" in title if lang == "zh" else "Wuwei City" in title)
            assert "max-width: 960px" in html and "overflow-x: auto" in html
            for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html):
                assert src.startswith("data:image/"), src[:40]
            if theme != "summary":
                # chart (PNG), SVG output and the markdown attachment, all embedded
                assert html.count('src="data:image/png;base64,') >= 2
                assert 'src="data:image/svg+xml;base64,' in html
                # a link to a source keeps its text and shows the address, without linking out
                assert "the source</a>" in html and "(https://example.org/source)" in html


def test_make_inert_removes_everything_that_could_load_or_run():
    page = """<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example/x.css">
    <style>@import url("https://fonts.example/f.css"); body { background: url(//cdn.example/b.png) }</style>
    <script src="https://cdn.example/require.js"></script></head><body>
    <a href="https://example.org/a">a source</a> <a href="#local">here</a> <a href="mailto:x@example.org">mail</a>
    <img src="http://example.org/x.png"> <img src="data:image/png;base64,AAAA">
    <img srcset="https://example.org/1x.png 1x, //example.org/2x.png 2x">
    <iframe src="https://example.org"></iframe><object data="https://example.org/o"></object>
    <div style="background-image:url('https://example.org/bg.png')" onclick="steal()">x</div>
    <svg><image href="https://example.org/i.png"/><use xlink:href="//example.org/s.svg#a"/></svg>
    <a href="javascript:alert(1)">js</a><form action="https://example.org/post"><input></form>
    <video poster="https://example.org/p.png"></video></body></html>"""
    assert len(build_html.find_external_references(page)) >= 10
    inert = build_html.make_inert(page)
    assert build_html.find_external_references(inert) == []
    assert not _ANY_URL_REFERENCE.search(inert)
    assert "onclick" not in inert and "javascript:" not in inert and "<iframe" not in inert
    assert 'href="#local"' in inert and 'href="mailto:x@example.org"' in inert
    assert 'src="data:image/png;base64,AAAA"' in inert
    assert "a source</a>" in inert and "(https://example.org/a)" in inert


def _image_notebook(payloads: list[str], phone: str | list[str]) -> nbformat.NotebookNode:
    """Image outputs (one a chart with its phone drawing), a link out and markup in a caption."""
    cells = [nbformat.v4.new_markdown_cell("[the source](https://example.org/s) & <b>bold</b>")]
    for n, payload in enumerate(payloads):
        data = {"image/png": payload, "text/plain": "<Figure>"}
        if n == 0:
            data["application/vnd.wuwei.phone-png+base64"] = phone
        output = nbformat.v4.new_output(
            "display_data", data=data, metadata={"image/png": {"alt": f"chart {n} <&>"}}
        )
        cells.append(nbformat.v4.new_code_cell("", outputs=[output]))
    for n, cell in enumerate(cells):
        cell.id = f"cell-{n}"
    return nbformat.v4.new_notebook(cells=cells)


_PAGE_CONTEXT = {"html_lang": "en", "title": "t", "heading": "h", "meta": [], "footer": "", "footer_meta": []}


@pytest.mark.parametrize(
    "payload",
    [
        "iVBORw0KGgo" + "AbC+/=" * 3000,
        "//8AAAA/w==",
        "iVBOR w0KG\ngo=\n",
        "not base64 <b>&amp;",
        'AA//"></img>',
    ],
    ids=["png", "starts-with-slashes", "whitespace", "markup", "breaks-out"],
)
def test_images_set_aside_while_rendering_give_the_same_page(payload):
    """The page with image payloads swapped for stand-ins while rendered is the page without
    (or the same refusal: a data URI whose payload starts with // reads as an address)."""
    nb = _image_notebook([payload, "iVBORw0KGgoQ2hhcnQ="], "iVBORw0KGgoUGhvbmU=")

    def render(set_aside: bool) -> str:
        try:
            return build_html._render(nb, dict(_PAGE_CONTEXT), set_aside=set_aside)
        except build_html.ExternalReferenceError as exc:
            return f"refused: {exc}"

    fast = render(True)
    assert fast == render(False)
    assert fast.startswith("refused") == payload.startswith("//")
    assert "wuweiImage" not in fast
    if not fast.startswith("refused"):
        assert 'srcset="data:image/png;base64,iVBORw0KGgoUGhvbmU="' in fast


def test_a_phone_drawing_read_back_as_lines_is_the_same_picture():
    """nbformat may store an unknown type's text as a list of lines: the page joins it, once."""
    as_string = build_html.render_report(
        _image_notebook(["iVBORw0KGgo="], "iVBORw0KGgoUGhv\nbmU="), _PAGE_CONTEXT
    )
    as_lines = build_html.render_report(
        _image_notebook(["iVBORw0KGgo="], ["iVBORw0KGgoUGhv\n", "bmU="]), _PAGE_CONTEXT
    )
    assert as_lines == as_string and 'srcset="data:image/png;base64,iVBORw0KGgoUGhv\nbmU="' in as_string


def test_text_that_mentions_an_address_is_not_a_reference():
    """Escaped data such as a name `<img src=https://x>` shows as text; it loads nothing."""
    text = "<p>&lt;img src=https://example.org/x.png&gt; src=https://example.org/y url(//example.org/z)</p>"
    assert build_html.find_external_references(text) == []
    assert build_html.find_external_references("<p><img src=https://example.org/x.png></p>") != []


# --- hashing, options ---------------------------------------------------------------------


def test_processed_data_is_hashed_per_theme(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    (raw / "indicators.csv").write_text(RAW, encoding="utf-8")
    fake_clean(raw, out)
    (out / "sources.csv").write_text("shared by every theme\n", encoding="utf-8")
    (out / "notes.md").write_text("not a processed table: ignored\n", encoding="utf-8")
    first = build_inputs.scan_processed(out)
    assert set(first.files) == {"indicators.csv", "indicators.parquet", "sources.csv"}
    assert first.ignored == ("notes.md",)

    (raw / "indicators.csv").write_text(
        RAW.replace("urban_parks,620600,2025,12", "urban_parks,620600,2025,13")
    )
    fake_clean(raw, out)
    second = build_inputs.scan_processed(out, cache=first.files)
    assert second.theme_hash("health") == first.theme_hash("health")
    assert second.theme_hash("urban") != first.theme_hash("urban")
    assert second.version != first.version

    (out / "sources.csv").write_text("changed\n", encoding="utf-8")
    third = build_inputs.scan_processed(out, cache=second.files)
    assert third.theme_hash("health") != second.theme_hash("health")

    # Unchanged files reuse the cached split (no table is read again).
    cached = {
        name: {**info, "themes": {"health": "cached"}}
        for name, info in third.files.items()
        if "themes" in info
    }
    again = build_inputs.scan_processed(out, cache={**third.files, **cached})
    assert again.files["indicators.parquet"]["themes"] == {"health": "cached"}


def test_rows_without_a_theme_count_for_every_theme(tmp_path):
    table = tmp_path / "data_dictionary.csv"
    table.write_text("kind,name,theme\ncolumn,value,\nindicator,health_doctors,health\n", encoding="utf-8")
    first = build_inputs.scan_processed(tmp_path)
    table.write_text(
        "kind,name,theme\ncolumn,value (changed),\nindicator,health_doctors,health\n", encoding="utf-8"
    )
    second = build_inputs.scan_processed(tmp_path)
    assert first.theme_hash("urban") != second.theme_hash("urban")


def test_command_line_options():
    parser = argparse.ArgumentParser()
    build.add_build_arguments(parser)
    ns = parser.parse_args(
        ["-j", "3", "--force", "--timeout", "30", "--lang", "en", "-t", "health,urban", "-t", "summary"]
        + ["-p", "region", "620602", "-p", "year", "2024", "-p", "top_n", "5", "--no-clean", "-n"]
        + ["--reports-dir", "out"]
    )
    options = build.options_from_args(ns)
    assert options.jobs == 3 and options.force and options.timeout == 30
    assert options.langs == ("en",) and options.themes == ("health", "urban", "summary")
    assert options.regions == ("620602",) and options.years == (2024,) and options.parameters == {"top_n": 5}
    assert options.clean is False and options.dry_run is True and options.reports_dir == Path("out")

    defaults = build.options_from_args(parser.parse_args([]))
    assert defaults.langs == config.LANGS and defaults.themes == (*reference.theme_ids(), config.SUMMARY)
    assert defaults.reports_dir == config.REPORTS_DIR and defaults.jobs is None and defaults.timeout == 600
    with pytest.raises(SystemExit):
        parser.parse_args(["--jobs", "0"])
