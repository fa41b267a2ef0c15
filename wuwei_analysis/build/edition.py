"""Editions: the published site changes with one atomic switch.

Each build that changes anything assembles a complete new edition in ``reports/.site/<build-id>/``:
the files it does not change are hard-linked from the current edition (copied where linking
fails), the reports it ran are moved in from staging, and the index and the manifest are written
into it last. Then ``reports/current`` — a symbolic link to ``.site/<edition>`` — is replaced by a
freshly made link with one ``os.replace``. A reader therefore sees the previous edition or the
new one, never a mix; a build killed before the switch changes nothing a reader sees.

The names readers use are stable links into ``current/``: ``reports/index.html`` →
``current/index.html``, ``reports/zh`` → ``current/zh``, and so on for every top-level name of the
edition. They are made once; a reports folder of the old layout (real files) is migrated after
its first edition exists, one name at a time.

The current and the previous edition are kept (the previous one for a rollback); older ones, and
editions of killed builds, are deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

from wuwei_analysis.build.folders import writing

SITE_NAME = ".site"
CURRENT_NAME = "current"


def current_edition(reports: Path) -> str | None:
    """The name of the edition ``reports/current`` points to (None before the first switch)."""
    link = reports / CURRENT_NAME
    if not link.is_symlink() or not link.is_dir():
        return None
    return Path(os.readlink(link)).name


def current_root(reports: Path) -> Path:
    """The folder readers see now: the current edition, or ``reports`` itself (old layout)."""
    name = current_edition(reports)
    return reports / SITE_NAME / name if name else reports


def public_names(root: Path) -> list[str]:
    """The top-level names of a site folder that readers use (hidden ones and ``current`` aside)."""
    if not root.is_dir():
        return []
    return sorted(
        entry.name
        for entry in root.iterdir()
        if not entry.name.startswith(".") and entry.name != CURRENT_NAME and not entry.is_symlink()
    )


def start(reports: Path, name: str) -> Path:
    """Make ``reports/.site/<name>/``: a copy of the current site, its files hard-linked."""
    source = current_root(reports)
    target = reports / SITE_NAME / name
    with writing(reports, "assemble a new edition"):
        target.mkdir(parents=True)
        for top in public_names(source):
            _clone(source / top, target / top)
    return target


def _clone(source: Path, target: Path) -> None:
    if source.is_dir():
        target.mkdir()
        for entry in source.iterdir():
            if not entry.is_symlink():
                _clone(entry, target / entry.name)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def switch(reports: Path, name: str, scratch: Path) -> str | None:
    """Point ``reports/current`` at edition ``name`` in one ``os.replace``; the edition it replaced.

    Then the reader-facing links are made (or migrated), and editions other than the new and
    the replaced one are deleted.
    """
    previous = current_edition(reports)
    with writing(reports, "switch to the new edition"):
        fresh = scratch / f"current-{uuid.uuid4().hex[:8]}"
        os.symlink(f"{SITE_NAME}/{name}", fresh)
        os.replace(fresh, reports / CURRENT_NAME)
        link_public(reports, scratch)
    prune(reports, {name, previous or ""})
    return previous


def link_public(reports: Path, scratch: Path) -> None:
    """``reports/<name>`` → ``current/<name>`` for every top-level name of the current edition.

    A real file or folder there (the old layout) is replaced by its link; only done once an
    edition exists, so readers always have the name.
    """
    edition = current_edition(reports)
    if edition is None:
        return
    for name in public_names(reports / SITE_NAME / edition):
        path, wanted = reports / name, f"{CURRENT_NAME}/{name}"
        if path.is_symlink() and os.readlink(path) == wanted:
            continue
        fresh = scratch / f"link-{uuid.uuid4().hex[:8]}"
        os.symlink(wanted, fresh)
        if path.is_dir() and not path.is_symlink():  # old layout: a folder cannot be replaced by a link
            aside = scratch / f"old-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(path, aside)
            os.replace(fresh, path)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(fresh, path)


def prune(reports: Path, keep: set[str]) -> None:
    """Delete every edition not in ``keep`` (older ones, and those of builds killed mid-way)."""
    folder = reports / SITE_NAME
    if not folder.is_dir():
        return
    for edition in folder.iterdir():
        if edition.name not in keep:
            shutil.rmtree(edition, ignore_errors=True)
            with contextlib.suppress(OSError):
                edition.unlink()


def tidy(reports: Path, previous: str | None, scratch: Path) -> None:
    """At the start of a build (lock held): finish a migration cut short, drop killed editions."""
    current = current_edition(reports)
    if current is None:
        return
    with writing(reports, "link the published site"):
        link_public(reports, scratch)
    prune(reports, {current, previous or ""})
