"""Publishing is one switch (issue 10, item 4): a reader sees the previous edition or the new one.

A build assembles a whole new edition in ``reports/.site/<build-id>/`` and switches
``reports/current`` to it with one ``os.replace``; ``reports/index.html``, ``reports/zh`` … are
stable links into ``current/``. Every page, the index and the manifest name the data version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_build import SLICE, Workspace

from wuwei_analysis import errors
from wuwei_analysis.build import edition, publish
from wuwei_analysis.build.folders import LOCK_NAME

pytestmark = pytest.mark.slow

VERSION_META = re.compile(r'<meta\b[^>]*\bname="wuwei-data-version"[^>]*>')
CONTENT = re.compile(r'\bcontent="([0-9a-f]*)"')
PAGES = 6  # health, urban, summary × zh, en


def version_of(page: Path) -> str:
    found = VERSION_META.search(page.read_text(encoding="utf-8"))
    assert found, f"{page} has no wuwei-data-version"
    return CONTENT.search(found.group(0)).group(1)


def site_versions(reports: Path) -> dict[str, str]:
    """``{name: data version}`` for the index, every page and the manifest, as a reader opens them."""
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    found = {
        "manifest.json": manifest["current_data_version"],
        "index.html": version_of(reports / "index.html"),
    }
    for page in sorted(reports.glob(f"*/{SLICE}/*.html")):
        found[page.relative_to(reports).as_posix()] = version_of(page)
    for entry in manifest["notebooks"].values():  # what the manifest records for each page
        found[f"manifest:{entry['html']}"] = entry["snapshot"]
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and "://" not in href and not href.startswith("#"):
            self.hrefs.append(href)


def unresolved_links(page: Path) -> list[str]:
    """The relative links of ``page`` that lead nowhere, resolved the way a browser does (by URL)."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    missing = []
    for href in parser.hrefs:
        target = os.path.normpath(os.path.join(os.path.dirname(page), href.split("#")[0]))
        if not os.path.exists(target):
            missing.append(href)
    return missing


@pytest.fixture
def built(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path, {"theme": "theme", "summary": "summary"})
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    return ws


def test_a_build_killed_mid_publish_leaves_the_old_edition_whole(built: Workspace, monkeypatch):
    ws = built
    old = ws.manifest()["current_data_version"]
    old_edition = edition.current_edition(ws.reports)
    assert set(site_versions(ws.reports).values()) == {old}
    assert len(site_versions(ws.reports)) == 2 + 2 * PAGES

    ws.set_value("health_doctors", "900")
    real_publish, published = publish.publish, []

    def publish_then_die(*args, **kwargs):
        if len(published) == 2:  # two pages of the new edition are in; the third never arrives
            raise KeyboardInterrupt
        published.append(real_publish(*args, **kwargs))
        return published[-1]

    monkeypatch.setattr(publish, "publish", publish_then_die)
    status, log = ws.build(force=True)
    assert status == errors.EXIT_INTERRUPTED, log
    assert len(published) == 2
    # Readers still see the old edition, every page of it, all on the old data version.
    assert edition.current_edition(ws.reports) == old_edition
    versions = site_versions(ws.reports)
    assert set(versions.values()) == {old}, versions
    assert ws.manifest()["complete"] is True

    monkeypatch.setattr(publish, "publish", real_publish)
    status, log = ws.build(force=True)
    assert status == errors.EXIT_OK, log
    new = ws.manifest()["current_data_version"]
    assert new != old and ws.manifest()["data_version"] == new
    versions = site_versions(ws.reports)
    assert set(versions.values()) == {new}, versions
    assert len(versions) == 2 + 2 * PAGES
    # The killed build's edition is gone; the previous one is kept for a rollback.
    kept = sorted(p.name for p in (ws.reports / edition.SITE_NAME).iterdir())
    assert kept == sorted([old_edition, ws.manifest()["edition"]])
    assert ws.manifest()["previous_edition"] == old_edition


def test_older_editions_are_pruned_and_links_resolve_through_current(built: Workspace):
    ws = built
    editions = [edition.current_edition(ws.reports)]
    for value in ("901", "902"):
        ws.set_value("health_doctors", value)
        status, log = ws.build()
        assert status == errors.EXIT_OK, log
        editions.append(edition.current_edition(ws.reports))
    assert len(set(editions)) == 3
    kept = sorted(p.name for p in (ws.reports / edition.SITE_NAME).iterdir())
    assert kept == sorted(editions[1:])  # the current and the previous one
    assert os.readlink(ws.reports / "current") == f".site/{editions[-1]}"
    for name in ("index.html", "manifest.json", "zh", "en"):
        assert os.readlink(ws.reports / name) == f"current/{name}"
    # Unchanged files are shared with the previous edition, not copied.
    urban = Path(SLICE) / "urban.html"
    previous = ws.reports / edition.SITE_NAME / editions[1] / "en" / urban
    assert (ws.reports / "en" / urban).stat().st_ino == previous.stat().st_ino
    # Relative links work from the reader-facing names, both ways.
    assert unresolved_links(ws.reports / "index.html") == []
    pages = sorted(ws.reports.glob(f"*/{SLICE}/*.html"))
    assert len(pages) == PAGES and all(unresolved_links(p) == [] for p in pages)


def test_a_no_op_rebuild_switches_nothing_and_writes_nothing(built: Workspace):
    ws = built

    def stamps() -> dict[Path, int]:
        return {p: p.lstat().st_mtime_ns for p in ws.reports.rglob("*") if p.name != LOCK_NAME}

    before = stamps()
    link = os.readlink(ws.reports / "current")
    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    assert os.readlink(ws.reports / "current") == link
    assert stamps() == before


def test_an_old_layout_reports_folder_is_migrated_after_the_first_edition(built: Workspace, monkeypatch):
    ws = built
    # The layout before editions: real files and folders in reports/.
    old = ws.reports.parent / "old-reports"
    shutil.copytree(edition.current_root(ws.reports), old)
    shutil.copytree(ws.reports / ".data", old / ".data")
    shutil.rmtree(ws.reports)
    old.rename(ws.reports)
    ws.set_value("health_doctors", "900")

    def die(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "publish", die)
    status, log = ws.build()
    assert status == errors.EXIT_INTERRUPTED, log
    assert not (ws.reports / "current").exists()
    assert (ws.reports / "zh").is_dir() and not (ws.reports / "zh").is_symlink()  # untouched
    monkeypatch.undo()

    status, log = ws.build()
    assert status == errors.EXIT_OK, log
    for name in ("index.html", "manifest.json", "zh", "en"):
        assert os.readlink(ws.reports / name) == f"current/{name}"
    assert len(list((ws.reports / edition.SITE_NAME).iterdir())) == 1
    version = ws.manifest()["current_data_version"]
    assert version_of(ws.reports / "index.html") == version
    assert version_of(ws.reports / "en" / SLICE / "health.html") == version
    assert unresolved_links(ws.reports / "index.html") == []


@pytest.mark.browser
def test_a_browser_follows_the_links_through_current(built: Workspace):
    import browser_support as bs

    ws = built
    index = "file://" + str(ws.reports / "index.html")  # not resolved: as a bookmark would be
    with bs.Browser() as browser:
        visit = browser.visit(index)
        assert not visit.failed_loads and not visit.page_errors, visit
        hrefs = browser.page.eval_on_selector_all('a[href$=".html"]', "els => els.map(e => e.href)")
        assert len(hrefs) == 6 and all("/reports/" in h and "/.site/" not in h for h in hrefs), hrefs
        page = browser.visit(hrefs[0])
        assert not page.failed_loads and not page.page_errors, page
        content = browser.page.get_attribute('meta[name="wuwei-data-version"]', "content")
        assert content == ws.manifest()["current_data_version"]
