"""Kill `wuwei build` at random moments and check what it leaves (issue 10).

In a temporary workspace (a copy of data/raw; data/raw itself is never touched) it starts
`wuwei build` ROUNDS times, each after a synthetic change to one figure's English name, and kills
it after a random delay with SIGKILL or SIGTERM. After each kill it checks:

- no process of the build is left (every process the build starts inherits a unique variable,
  found by scanning /proc);
- the published site is consistent: the manifest is complete, the index and every page carry the
  manifest's data version;

and after the last round that the next build exits 0. Prints a summary; exits 1 on any violation.

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
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG_ENV = "WUWEI_STRESS_TAG"
NAME = "Old urban compounds planned for renovation"
VERSION_META = re.compile(r'<meta name="wuwei-data-version" content="([0-9a-f]+)"')


def tagged(tag: str) -> list[int]:
    """Live processes whose environment carries the round's tag."""
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


def site_problems(reports: Path) -> list[str]:
    """What makes the published site inconsistent (a mix of two builds), if anything."""
    manifest_path = reports / "manifest.json"
    if not manifest_path.exists():
        return []  # nothing published yet: consistent
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = []
    if not manifest.get("complete"):
        problems.append("manifest not complete (a build was cut short mid-publish)")
    version = (manifest.get("data_version") or "")[:12]
    pages = [reports / "index.html", *sorted(reports.glob("*/*.html"))]
    for page in pages:
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        if not text.rstrip().endswith("</html>"):
            problems.append(f"{page.relative_to(reports)} is truncated")
        found = VERSION_META.search(text)
        if found and version and not version.startswith(found.group(1)[:12]):
            problems.append(
                f"{page.relative_to(reports)} shows data {found.group(1)[:12]}, manifest {version}"
            )
    return problems


def build(ws: Path, tag: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "wuwei_analysis.cli", "build", "--jobs", "2"]
    command += ["--raw-dir", str(ws / "raw"), "--processed-dir", str(ws / "processed")]
    command += ["--reports-dir", str(ws / "reports")]
    env = {**os.environ, TAG_ENV: tag, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ws, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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
    parser.add_argument("--max-delay", type=float, default=20.0, help="longest wait before a kill (s)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    violations: list[str] = []
    kills = {"SIGKILL": 0, "SIGTERM": 0, "finished first": 0}
    with tempfile.TemporaryDirectory(prefix="wuwei-stress-") as tmp:
        ws = Path(tmp)
        shutil.copytree(ROOT / "data" / "raw", ws / "raw")
        started = time.monotonic()
        for number in range(1, args.rounds + 1):
            change_a_figure(ws / "raw", number)
            tag = uuid.uuid4().hex
            proc = build(ws, tag)
            delay = rng.uniform(0.2, args.max_delay)
            signum = rng.choice([signal.SIGKILL, signal.SIGTERM])
            try:
                proc.wait(timeout=delay)
                kills["finished first"] += 1
            except subprocess.TimeoutExpired:
                proc.send_signal(signum)
                kills[signum.name] += 1
                proc.wait()
            proc.stderr.close()
            deadline = time.monotonic() + 30
            while (left := tagged(tag)) and time.monotonic() < deadline:
                time.sleep(0.1)
            if left:
                violations.append(f"round {number}: {len(left)} processes left after {signum.name}")
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
            violations += [f"round {number}: {p}" for p in site_problems(ws / "reports")]
            print(f"round {number:2}: {signum.name} after {delay:4.1f}s, exit {proc.returncode}", flush=True)
        tag = uuid.uuid4().hex
        final = build(ws, tag)
        _, err = final.communicate()
        if final.returncode != 0:
            violations.append(f"the build after the kills exited {final.returncode}: {err.decode()[-400:]}")
        violations += [f"after the last build: {p}" for p in site_problems(ws / "reports")]
        if tagged(tag):
            violations.append("the last build left processes running")
        elapsed = time.monotonic() - started
    print(
        f"{args.rounds} rounds in {elapsed:.0f}s: {kills['SIGKILL']} SIGKILL, {kills['SIGTERM']} SIGTERM, "
        f"{kills['finished first']} finished before the kill; next build exit {final.returncode}; "
        f"{len(violations)} violation(s)"
    )
    for violation in violations:
        print(f"  VIOLATION {violation}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
