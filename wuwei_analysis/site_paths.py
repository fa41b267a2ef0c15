"""Where each page and download of the published site lives, and the links between them.

One function, :func:`page_path`, maps a page (language, region code, year, theme) to its path
relative to the site root; every link between pages (navigation, the language twin, other years
and places, downloads) is computed from it, by the page templates and the tests alike. Changing
the site's layout is an edit to :func:`page_path` (and :func:`download_path`) only.

Which pages exist is not guessed from the disk: callers pass the pages of the build's plan or
manifest (:class:`Page` tuples).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import NamedTuple

from wuwei_analysis import config

INDEX = "index.html"
MANIFEST = "manifest.json"
DATA_DIR = "data"  # the full processed data and the data dictionary, linked from the landing page


class Page(NamedTuple):
    """One published page."""

    lang: str
    region: str  # administrative code, e.g. "620600"
    year: int
    theme: str  # a theme id or config.SUMMARY


def page_path(lang: str, region: str, year: int, theme: str) -> str:
    """The page's path relative to the site root (the one place the layout is decided)."""
    return f"{lang}/{region}/{year}/{theme}.html"  # places and years kept apart


def download_path(lang: str, region: str, year: int, theme: str) -> str:
    """The CSV of a page's figures, relative to the site root (published with its charts)."""
    return f"{lang}/{region}/{year}/figures/{theme}-figures.csv"


def data_path(name: str) -> str:
    """A processed table (``indicators.csv``, ``data_dictionary.csv`` …) relative to the site root."""
    return f"{DATA_DIR}/{name}"


def relative(from_path: str, to_path: str) -> str:
    """A link from the page at ``from_path`` to ``to_path`` (both relative to the site root)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def twin_lang(lang: str) -> str:
    """The other language of the site (zh ↔ en)."""
    others = [other for other in config.LANGS if other != lang]
    return others[0] if others else lang


def as_pages(pages: Iterable[Iterable]) -> list[Page]:
    """``pages`` as :class:`Page` tuples (region as text, year as int), duplicates dropped, in order."""
    seen: dict[Page, None] = {}
    for lang, region, year, theme in pages:
        seen.setdefault(Page(str(lang), str(region), int(year), str(theme)), None)
    return list(seen)


def pages_from_manifest(manifest: dict) -> list[Page]:
    """The published pages the manifest records (entries with an HTML page)."""
    found = []
    for entry in manifest.get("notebooks", {}).values():
        parameters = entry.get("parameters") or {}
        if not entry.get("html"):
            continue
        found.append(
            (
                entry.get("lang") or parameters.get("lang"),
                parameters.get("region", config.DEFAULT_REGION),
                parameters.get("year", config.DEFAULT_YEAR),
                entry.get("theme") or parameters.get("theme"),
            )
        )
    return as_pages(found)


def siblings(page: Page, pages: Iterable[Page]) -> dict[str, list[Page]]:
    """The pages a page links to besides the landing page.

    ``themes``: the other pages of its language, place and year (summary first);
    ``twin``: the same page in the other language (when built);
    ``elsewhere``: the same theme and language in other years and places.
    """
    pages = list(pages)
    twin = page._replace(lang=twin_lang(page.lang))
    return {
        "themes": [p for p in pages if (p.lang, p.region, p.year) == (page.lang, page.region, page.year)],
        "twin": [twin] if twin in pages and twin != page else [],
        "elsewhere": [
            p
            for p in pages
            if p.lang == page.lang
            and p.theme == page.theme
            and (p.region, p.year) != (page.region, page.year)
        ],
    }


def link(from_page: Page, to_page: Page) -> str:
    """A relative link between two pages."""
    return relative(page_path(*from_page), page_path(*to_page))


def link_to_root(from_page: Page, name: str) -> str:
    """A relative link from a page to a file at the site root (``index.html``, ``manifest.json``)."""
    return relative(page_path(*from_page), name)
