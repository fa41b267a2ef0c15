"""Kill `wuwei build` at random moments and check what it leaves (issue 10).

In a temporary workspace (a copy of data/raw; data/raw itself is never touched) it starts
`wuwei build` ROUNDS times, each after a synthetic change to one figure's English name, and kills
it after a random delay with SIGKILL or SIGTERM. After each kill it checks:

- no process of the build is left (every process the build starts inherits a unique variable,
  found by scanning /proc);
- the published site is consistent (one edition, one data version): ``reports/current`` points at a
  whole edition, its manifest is complete, the index's ``<meta name="wuwei-data-version">`` is the
  manifest's data version, and every page's meta tag is the data version the manifest records for
  it (a page whose data slice did not change keeps the snapshot it was built from);

and after the last round that the next build exits 0. Before the kills it runs one full build and
one timed incremental build: kills land uniformly within 1.2× that time, so the window covers
publishing; a kill "during publishing" is one that arrives after the build logged a report
``ok`` (it reads the build's log as it comes). Prints a summary; exits 1 on any violation.

    python benchmarks/stress_kill.py [--rounds 20] [--seed 1] [--max-delay 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG_ENV = "WUWEI_STRESS_TAG"
NAME = "Old urban compounds planned for renovation"
VERSION_META = re.compile(r'<meta\b[^>]*\bname="wuwei-data-version"[^>]*>')
CONTENT = re.compile(r'\bcontent="([0-9a-f]*)"')


def page_version(text: str) -> str | None:
    """The page's ``<meta name="wuwei-data-version">`` (attributes in any order), if any."""
    found = VERSION_META.search(text)
    return CONTENT.search(found.group(0)).group(1) if found and CONTENT.search(found.group(0)) else None


def tagged(tag: str) -> list[int]:
    """Live processes whose environment carries the round's tag."""
    from wuwei_analysis.build import watchdog

    return watchdog.processes_with(TAG_ENV, tag)


def site_problems(reports: Path) -> tuple[list[str], set[str]]:
    """What makes the published site inconsistent (a mix of two builds), and its data versions."""
    manifest_path = reports / "manifest.json"
    if not manifest_path.exists():
        return [], set()  # nothing published yet: consistent
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = []
    if not (reports / "current").is_symlink():
        problems.append("reports/current is not a link to an edition")
    if not manifest.get("complete"):
        problems.append("manifest not complete (a build was cut short mid-publish)")
    version = manifest.get("current_data_version") or ""
    index = (reports / "index.html").read_text(encoding="utf-8")
    if page_version(index) != version:
        problems.append(f"index.html shows data {page_version(index)}, manifest {version[:12]}")
    seen = {version}
    for entry in manifest.get("notebooks", {}).values():
        if not entry.get("html"):
            continue
        page = reports / entry["html"]
        if not page.is_file():
            problems.append(f"{entry['html']} is in the manifest but not on the site")
            continue
        text = page.read_text(encoding="utf-8")
        if not text.rstrip().endswith("</html>"):
            problems.append(f"{entry['html']} is truncated")
        shown = page_version(text)
        seen.add(shown or "")
        if shown != entry.get("snapshot"):
            problems.append(
                f"{entry['html']} shows data {str(shown)[:12]}, manifest {str(entry.get('snapshot'))[:12]}"
            )
    pages = {p.relative_to(reports).as_posix() for p in reports.glob("*/*/*/*.html")}
    listed = {e.get("html") for e in manifest.get("notebooks", {}).values()}
    problems += [f"{p} is on the site but not in the manifest" for p in sorted(pages - listed)]
    return problems, seen


def build(ws: Path, tag: str) -> tuple[subprocess.Popen, list[str]]:
    """Start a build; its log lines arrive in the returned list as it writes them."""
    command = [sys.executable, "-m", "wuwei_analysis.cli", "build", "--jobs", "2"]
    command += ["--raw-dir", str(ws / "raw"), "--processed-dir", str(ws / "processed")]
    command += ["--reports-dir", str(ws / "reports")]
    env = {**os.environ, TAG_ENV: tag, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, cwd=ws, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            lines.append(line.decode("utf-8", "replace"))

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def published_some(lines: list[str]) -> bool:
    return any(re.match(r"\[\s*\d+/\d+\] ok ", line) for line in lines)


def change_a_figure(raw: Path, round_number: int) -> None:
    """A synthetic change between rounds: one figure's English name (never in data/raw)."""
    path = raw / "urban.csv"
    text = path.read_text(encoding="utf-8")
    text = re.sub(re.escape(NAME) + r"( \(round \d+\))?", f"{NAME} (round {round_number})", text, count=1)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--max-delay", type=float, default=0, help="cap on the wait before a kill (s; 0: 1.2× a timed build)"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    violations: list[str] = []
    kills = {"SIGKILL": 0, "SIGTERM": 0, "finished first": 0, "during publishing": 0}
    versions_seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="wuwei-stress-") as tmp:
        ws = Path(tmp)
        shutil.copytree(ROOT / "data" / "raw", ws / "raw")
        started = time.monotonic()
        windows = []
        for number in (0, 1):  # a full build, then a timed incremental one: the kill window
            change_a_figure(ws / "raw", number)
            begun = time.monotonic()
            proc, lines = build(ws, uuid.uuid4().hex)
            if proc.wait() != 0:
                print("".join(lines[-20:]))
                return 1
            windows.append(time.monotonic() - begun)
        window = min(args.max_delay, 1.2 * windows[1]) if args.max_delay else 1.2 * windows[1]
        print(f"full build {windows[0]:.1f}s, incremental {windows[1]:.1f}s: kills within {window:.1f}s")
        for number in range(2, args.rounds + 2):
            change_a_figure(ws / "raw", number)
            tag = uuid.uuid4().hex
            proc, lines = build(ws, tag)
            delay = rng.uniform(0.2, window)
            signum = rng.choice([signal.SIGKILL, signal.SIGTERM])
            moment = "finished first"
            try:
                proc.wait(timeout=delay)
                kills["finished first"] += 1
            except subprocess.TimeoutExpired:
                during = published_some(lines)
                proc.send_signal(signum)
                kills[signum.name] += 1
                kills["during publishing"] += during
                moment = f"{signum.name} after {delay:4.1f}s{' (during publishing)' if during else ''}"
                proc.wait()
            deadline = time.monotonic() + 30
            while (left := tagged(tag)) and time.monotonic() < deadline:
                time.sleep(0.1)
            if left:
                violations.append(f"round {number}: {len(left)} processes left after {signum.name}")
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
            problems, seen = site_problems(ws / "reports")
            versions_seen |= seen
            violations += [f"round {number}: {p}" for p in problems]
            print(
                f"round {number - 1:2}: {moment}, exit {proc.returncode}, {len(problems)} problem(s)",
                flush=True,
            )
        tag = uuid.uuid4().hex
        final, lines = build(ws, tag)
        final.wait()
        if final.returncode != 0:
            violations.append(f"the build after the kills exited {final.returncode}: {''.join(lines)[-400:]}")
        problems, _ = site_problems(ws / "reports")
        violations += [f"after the last build: {p}" for p in problems]
        if tagged(tag):
            violations.append("the last build left processes running")
        elapsed = time.monotonic() - started
    print(
        f"{args.rounds} rounds in {elapsed:.0f}s: {kills['SIGKILL']} SIGKILL, {kills['SIGTERM']} SIGTERM, "
        f"{kills['finished first']} finished before the kill, {kills['during publishing']} kills during "
        f"publishing; next build exit {final.returncode}; {len(versions_seen)} data versions seen; "
        f"{len(violations)} violation(s)"
    )
    for violation in violations:
        print(f"  VIOLATION {violation}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
