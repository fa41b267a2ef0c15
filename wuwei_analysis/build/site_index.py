"""The pieces of the published site that are not notebooks: names, page headers, the index.

Theme and region names come from ``data/reference/`` (read with the standard library, so that a
no-op rebuild stays light); the index is rendered with Jinja2 from
``templates/report/site_index.html.j2`` when something changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from wuwei_analysis import config, reference, site_paths
from wuwei_analysis.site_paths import Page


def _labels(group: str, lang: str) -> dict[str, str]:
    """The labels of ``group`` in ``lang`` (English for a language the labels do not have)."""
    return reference.label_group(group, lang if lang in config.LANGS else "en")


def theme_names() -> dict[str, dict[str, str]]:
    """``{theme: {"zh": name, "en": name}}`` from ``themes.csv``, plus the summary."""
    names = {config.SUMMARY: {lang: reference.labels(lang)["site.summary"] for lang in config.LANGS}}
    for theme, row in reference.themes().items():
        names[theme] = {"zh": row["name_zh"], "en": row["name_en"]}
    return names


def display_time(iso: str) -> str:
    """``2025-06-30T18:22:05+08:00`` → ``2025-06-30 18:22 (UTC+08:00)``."""
    stamp = dt.datetime.fromisoformat(iso)
    offset = stamp.strftime("%z")
    return f"{stamp:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})" if offset else f"{stamp:%Y-%m-%d %H:%M}"


def theme_name(theme: str, lang: str) -> str:
    return theme_names().get(theme, {}).get(lang) or theme.replace("_", " ").capitalize()


def region_name(region: str, lang: str) -> str:
    """A region's name in ``lang``, from its code or any of its names (see ``reference.region_name``)."""
    return reference.region_name(region, lang)


def report_context(
    theme: str,
    lang: str,
    region: str,
    year: int,
    pages: list[tuple] | None = None,
) -> dict[str, Any]:
    """Page language, title, header lines, navigation and footer of one report (see ``build_html``).

    The header names the place and year only: when a page was built and from which data are
    build details, kept in the manifest (linked from the landing page's footer) and in the page's
    ``wuwei-data-version`` meta tag, not shown to the reader.

    ``pages`` are the site's pages of this build (:class:`~wuwei_analysis.site_paths.Page`
    tuples, from the plan); the navigation links to those only. None: this page alone.
    """
    labels = _labels("site", lang)
    name, place = theme_name(theme, lang), region_name(region, lang)
    if lang == "zh":
        title = f"{place}民生报告 · {name}（{year}年）"
        region_text = f"{place}（{region}）"
    else:
        title = f"{place} livelihood report · {name} ({year})"
        region_text = f"{place} ({region})"
    page = Page(lang, str(region), int(year), theme)
    return {
        "html_lang": config.HTML_LANG.get(lang, lang),
        "title": title,
        "heading": title,
        "meta": [
            [labels["region"], region_text],
            [labels["year"], str(year)],
        ],
        "footer": labels["footer"],
        "image_alt": f"{labels['chart']}: {name}",
        "nav": navigation(page, site_paths.as_pages(pages or [page])),
    }


def _page_label(page: Page, lang: str) -> str:
    place = region_name(page.region, lang)
    return f"{place} {page.year}年" if lang == "zh" else f"{place}, {page.year}"


def navigation(page: Page, pages: list[Page]) -> dict[str, Any]:
    """The links of a page's navigation bar, every one computed by :mod:`site_paths`."""
    words = _labels("nav", page.lang)
    order = {t: i for i, t in enumerate((config.SUMMARY, *reference.theme_ids()))}
    near = site_paths.siblings(page, pages)
    themes = sorted(near["themes"], key=lambda p: order.get(p.theme, len(order)))
    twin = near["twin"][0] if near["twin"] else None
    return {
        "label": words["label"],
        "home": {"text": words["home"], "href": site_paths.link_to_root(page, site_paths.INDEX)},
        "themes_label": words["themes"],
        "themes": [
            {"text": theme_name(p.theme, p.lang), "href": site_paths.link(page, p), "current": p == page}
            for p in themes
        ],
        "twin": (
            {
                "text": words["twin"],
                "href": site_paths.link(page, twin),
                "lang": config.HTML_LANG.get(twin.lang, twin.lang),
            }
            if twin
            else None
        ),
        "elsewhere_label": words["elsewhere"],
        "elsewhere": [
            {"text": _page_label(p, page.lang), "href": site_paths.link(page, p)} for p in near["elsewhere"]
        ],
        "download": {
            "text": words["download"],
            "href": site_paths.relative(site_paths.page_path(*page), site_paths.download_path(*page)),
        },
    }


# --- index ---------------------------------------------------------------------------------


def _place_and_year(job_id: str) -> tuple[str, int | None]:
    """The region code and year of a manifest entry (``zh/620600/2025/urban``)."""
    parts = job_id.split("/")
    if len(parts) == 4 and parts[2].isdigit():
        return parts[1], int(parts[2])
    return "", None


def index_rows(manifest: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row per report of ``lang`` in the manifest: latest year first, then place, then theme."""
    order = {theme: i for i, theme in enumerate((*reference.theme_ids(), config.SUMMARY))}
    entries = [
        (*_place_and_year(job_id), e)
        for job_id, e in manifest.get("notebooks", {}).items()
        if e.get("lang") == lang
    ]
    entries.sort(key=lambda t: (-(t[1] or 0), t[0], order.get(t[2]["theme"], len(order)), t[2]["theme"]))
    words = _labels("site.status", lang)
    rows = []
    for region, year, entry in entries:
        published = bool(entry.get("html"))
        if entry.get("status") == "ok":
            status, state = words["ok"], "ok"
        else:
            status, state = (words["failed_kept"] if published else words["failed_none"]), "failed"
        rows.append(
            {
                "theme": entry["theme"],
                "region": region,
                "year": year,
                "place": region_name(region, lang) if region else "",
                "name": theme_name(entry["theme"], lang),
                "html": entry.get("html"),
                "ipynb": entry.get("ipynb"),
                "built_at": display_time(entry["built_at"]) if entry.get("built_at") else "",
                "data_version": entry.get("data_version", ""),
                "status": status,
                "state": state,
                "error": entry.get("error") or "",
                "failed_ipynb": entry.get("failed_ipynb"),
            }
        )
    return rows


def render_index(manifest: dict[str, Any], data_dir: Path | None = None) -> str:
    """``reports/index.html``, the landing page (see :mod:`wuwei_analysis.build.landing`).

    ``data_dir`` holds the processed CSVs published with the site (``reports/data``); without it
    the page has no headline figures, source details or downloads.
    """
    import jinja2

    from wuwei_analysis.build import landing

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR / "report")),
        autoescape=True,
        keep_trailing_newline=True,
    )
    codes = dict.fromkeys(c for c, _ in map(_place_and_year, sorted(manifest["notebooks"])) if c)
    places = {lang: "、" if lang == "zh" else ", " for lang in config.LANGS}
    places = {lang: sep.join(region_name(code, lang) for code in codes) for lang, sep in places.items()}
    return env.get_template("site_index.html.j2").render(
        sections=landing.sections(manifest, data_dir, places),
        manifest_href=site_paths.MANIFEST,
        html_lang=config.HTML_LANG["zh"],
        places=places,
        data_version=manifest.get("current_data_version") or manifest.get("data_version") or "",
    )
