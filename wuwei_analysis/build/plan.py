"""How the build decides what to run: the clean step, then each notebook × language.

A notebook runs again only when one of its inputs changed — the processed data it reads (its
theme's rows; the summary reads everything), the notebook, the library code, the reference data,
its parameters, the versions of the key packages, or (for the summary) the previous edition —
or when its published report is missing, was modified, or failed last time. :func:`decide`
makes that call for one job and says why; :func:`clean_decision` does the same for the cleaner.

Every theme runs ``notebooks/theme.ipynb`` with ``theme`` as a parameter, unless the theme has
a notebook of its own, ``notebooks/<theme>.ipynb``; the summary runs ``notebooks/summary.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wuwei_analysis import config, errors, site_paths
from wuwei_analysis.build import inputs, slices
from wuwei_analysis.build.folders import SNAPSHOTS_NAME
from wuwei_analysis.build.manifest import Entry
from wuwei_analysis.build.options import BuildOptions
from wuwei_analysis.files import file_sha256, sha256_json, stat_key

THEME_NOTEBOOK = "theme"  # notebooks/theme.ipynb serves every theme

# What each changed input is called in the progress lines.
CHANGE_NAMES = {
    "data": "data changed",
    "notebook": "notebook changed",
    "library": "library code changed",
    "reference": "reference data changed",
    "parameters": "parameters changed",
    "packages": "package versions changed",
    "previous": "previous edition changed",
    "pages": "the site's pages changed",
}


def site_pages(
    options: BuildOptions,
    entries: dict[str, Entry] | None = None,
    parts: list[slices.Slice] | None = None,
) -> list[tuple[str, str, int, str]]:
    """The site's pages as (lang, region, year, theme): those already published and this build's.

    Every page's navigation links some of them, so they are an input of the pages (see
    :func:`nav_pages`): adding a theme, a language, a place or a year re-renders the navigation
    of the pages that link it, while rebuilding one theme leaves the rest alone. ``parts`` are this
    build's places and years (default: the default place and year).
    """
    parts = parts or [slices.Slice(config.DEFAULT_REGION, config.DEFAULT_YEAR)]
    pages = {
        (lang, p.region, p.year, theme) for p in parts for lang in options.langs for theme in options.themes
    }
    for key, entry in (entries or {}).items():
        if entry.published is None:
            continue
        where = key.split("/")
        if len(where) == 4 and where[2].isdigit():  # <lang>/<region>/<year>/<theme>
            pages.add((where[0], where[1], int(where[2]), where[3]))
    return sorted(pages)


def nav_pages(
    pages: list[tuple[str, str, int, str]] | list[site_paths.Page], lang: str, part: slices.Slice, theme: str
) -> list[list]:
    """The pages a page's navigation links (:func:`wuwei_analysis.site_paths.siblings`), as lists.

    ``pages`` may be :class:`~wuwei_analysis.site_paths.Page` tuples already (a build converts
    its list once, not once per page).
    """
    page = site_paths.Page(lang, part.region, part.year, theme)
    known = pages if all(isinstance(p, site_paths.Page) for p in pages) else site_paths.as_pages(pages)
    near = site_paths.siblings(page, known)
    return [list(p) for group in ("themes", "twin", "elsewhere") for p in near[group]]


@dataclass(frozen=True)
class Inputs:
    """The hashes every decision compares with the manifest's."""

    data: inputs.DataState
    library: str
    reference: str
    packages: dict[str, str]
    previous_version: str = ""  # the edition the summary compares with ("" when there is none)
    previous_data: inputs.DataState | None = None  # its data, split like ``data`` (None when none)


@dataclass(frozen=True)
class Job:
    """One notebook × language × place and year in this build, and what the build will do with it."""

    number: int
    theme: str
    lang: str
    notebook: inputs.NotebookInfo
    parameters: dict[str, Any]  # what the notebook receives (paths filled in when it runs)
    key_parameters: dict[str, Any]  # what identifies the result (no paths)
    components: dict[str, str]  # hash of each input, by name (see CHANGE_NAMES)
    key: str  # hash of all of them
    action: str = "skip"  # "run", "skip" or "fail" (cannot run)
    reason: str = ""
    part: slices.Slice = slices.Slice(config.DEFAULT_REGION, config.DEFAULT_YEAR)  # its place and year
    pages: tuple[tuple[str, str, int, str], ...] = ()  # the site's pages, for the navigation (site_pages)

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.theme}"

    @property
    def folder(self) -> str:
        """Where the report is published, relative to ``reports/``: ``zh/620600/2025``."""
        return self.part.folder(self.lang)

    @property
    def label(self) -> str:
        return f"{self.part.region}/{self.part.year}/{self.theme}/{self.lang}"


# --- notebooks -----------------------------------------------------------------------------


def notebook_path(notebooks_dir: Path, theme: str) -> Path:
    """The notebook a theme runs: its own if it has one, else ``theme.ipynb``."""
    own = Path(notebooks_dir) / f"{theme}.ipynb"
    if theme == config.SUMMARY or own.is_file():
        return own
    return Path(notebooks_dir) / f"{THEME_NOTEBOOK}.ipynb"


def read_notebooks(notebooks_dir: Path, themes: tuple[str, ...]) -> dict[str, inputs.NotebookInfo]:
    """Each theme's notebook, read without a kernel; a missing or broken one is a ParameterError."""
    found, missing = {}, []
    for theme in themes:
        path = notebook_path(notebooks_dir, theme)
        if not path.is_file():
            missing.append(errors.relative_name(path))
            continue
        try:
            found[theme] = inputs.read_notebook_info(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.ParameterError(f"{errors.relative_name(path)} is not a notebook: {exc}") from None
    if missing:
        raise errors.ParameterError(f"notebook(s) not found: {', '.join(dict.fromkeys(missing))}")
    return found


# --- clean ---------------------------------------------------------------------------------


def clean_decision(
    raw_dir: Path,
    clean_fn: Callable[[Path, Path], Any] | None,
    force: bool,
    previous: dict[str, Any],
    found: Inputs,
) -> tuple[dict[str, Any], str]:
    """The clean record for these inputs, and why the cleaner must run ("" when it need not)."""
    if not Path(raw_dir).is_dir():
        raise errors.ParameterError(f"raw data folder not found: {errors.relative_name(raw_dir)}")
    components = {
        "raw": inputs.tree_hash(raw_dir),
        "reference": found.reference,
        "library": found.library,
        "packages": sha256_json(found.packages),
        "function": "wuwei_analysis.tables.clean:clean"
        if clean_fn is None
        else f"{clean_fn.__module__}:{clean_fn.__qualname__}",
    }
    outputs = {name: info["sha256"] for name, info in found.data.files.items()}
    record = {"key": sha256_json(components), "inputs": components, "outputs": outputs}
    if force:
        return record, "--force"
    if not previous.get("key"):
        return record, "never cleaned"
    if previous["key"] != record["key"]:
        old = previous.get("inputs", {})
        changed = [name for name in components if old.get(name) != components[name]]
        return record, ", ".join(f"{name} changed" for name in changed) or "inputs changed"
    if previous.get("outputs") != outputs:
        return record, "processed data changed or missing"
    return record, ""


# --- notebooks × languages -----------------------------------------------------------------


def previous_version(fields: dict[str, Any], data: inputs.DataState, reports: Path) -> str:
    """Data version the summary compares with: the edition before the current data."""
    edition = fields.get("data_version")
    previous = fields.get("previous_data_version") if data.version == edition else edition
    if previous and (reports / SNAPSHOTS_NAME / previous).is_dir():
        return previous
    return ""


def previous_data(version: str, reports: Path, stored: Any) -> inputs.DataState | None:
    """The data of the edition the summary compares with, split by slice like the current data.

    ``stored`` is the manifest's ``previous_data_files`` (``{"version", "files"}``): when it is of
    this version, files whose bytes are unchanged are not read again (a no-op build reads none).
    """
    if not version:
        return None
    cache = stored.get("files") if isinstance(stored, dict) and stored.get("version") == version else None
    return inputs.scan_processed(reports / SNAPSHOTS_NAME / version, cache=cache)


def plan(
    notebooks: dict[str, inputs.NotebookInfo],
    found: Inputs,
    entries: dict[str, Entry],
    options: BuildOptions,
    processed: Path,
    reports: Path,
    parts: list[slices.Slice],
) -> list[Job]:
    """One :class:`Job` per place and year × theme × language, each with its decision and reason."""
    previous_dir = str(reports / SNAPSHOTS_NAME / found.previous_version) if found.previous_version else ""
    jobs = []
    pages = site_pages(options, entries, parts)
    known = site_paths.as_pages(pages)
    data_hashes: dict[tuple[str, slices.Slice], str] = {}  # one per theme and slice: both languages read it
    for part, theme, lang in ((p, t, lang) for p in parts for t in options.themes for lang in options.langs):
        notebook = notebooks[theme]
        declared = notebook.parameters
        if (theme, part) not in data_hashes:
            data_hashes[(theme, part)] = slices.slice_hash(found.data, theme, part)
        build_values = {"region": part.region, "year": part.year, **options.parameters}
        key_parameters = {"theme": theme, "lang": lang, **build_values}
        key_parameters = {k: v for k, v in key_parameters.items() if k in declared}
        passed = dict(key_parameters)
        if "processed_dir" in declared:
            passed["processed_dir"] = str(processed)
        if "previous_dir" in declared:
            passed["previous_dir"] = previous_dir
        components = {
            "notebook": notebook.hash,
            "data": data_hashes[(theme, part)],
            "library": found.library,
            "reference": found.reference,
            "parameters": sha256_json(key_parameters),
            "packages": sha256_json(found.packages),
            # the pages its navigation links (its place's and year's themes, its twin, the same
            # theme elsewhere): a new page re-renders the navigation of those it is linked from
            "pages": sha256_json(nav_pages(known, lang, part, theme)),
        }
        if "previous_dir" in declared:  # the summary's "what changed": its place and year's rows there
            # no previous edition shows as one equal to this data: no revised figures either way
            components["previous"] = slices.place_hash(found.previous_data or found.data, part)
        job = Job(
            number=len(jobs) + 1,
            theme=theme,
            lang=lang,
            part=part,
            notebook=notebook,
            parameters=passed,
            key_parameters=key_parameters,
            components=components,
            key=sha256_json(components),
            pages=tuple(pages),
        )
        action, reason = decide(job, entries.get(job.id), options.force, reports)
        jobs.append(replace(job, action=action, reason=reason))
    return jobs


def decide(job: Job, entry: Entry | None, force: bool, reports: Path) -> tuple[str, str]:
    """``("run" | "skip" | "fail", reason)`` for one job, given its manifest entry."""
    if not job.notebook.has_parameters_cell:
        return "fail", "the notebook has no cell tagged 'parameters'"
    if "lang" not in job.notebook.parameters:
        return "fail", "the notebook's parameters cell does not declare 'lang'"
    if force:
        return "run", "--force"
    if entry is None or entry.published is None:
        return "run", "never built"
    if entry.failure is not None:
        return "run", "failed last time"
    published = entry.published
    if published.key != job.key:
        old = published.inputs or {}
        changed = [CHANGE_NAMES[name] for name in job.components if old.get(name) != job.components[name]]
        return "run", ", ".join(changed) or "inputs changed"
    for kind, rel, digest, stat in (
        ("html", published.html, published.html_sha256, published.html_stat),
        ("ipynb", published.ipynb, published.ipynb_sha256, published.ipynb_stat),
    ):
        path = reports / (rel or "")
        if not rel or not path.is_file():
            return "run", f"published {kind} missing"
        if stat and stat_key(path) == stat:
            continue  # not written since it was published (editions hard-link it): no need to read it
        if file_sha256(path) != digest:
            return "run", f"published {kind} was modified"
    return "skip", "unchanged"
