"""The pieces of the published site that are not notebooks: names, page headers, the index.

Theme and region names come from ``data/reference/`` (read with the standard library, so that a
no-op rebuild stays light); the index is rendered with Jinja2 from
``templates/report/site_index.html.j2`` when something changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wuwei_analysis import config, reference


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
    theme: str, lang: str, region: str, year: int, built_at: str, data_version: str
) -> dict[str, Any]:
    """Page language, title, header lines and footer of one report (see ``build_html``)."""
    labels = _labels("site", lang)
    name, place = theme_name(theme, lang), region_name(region, lang)
    if lang == "zh":
        title = f"{place}民生报告 · {name}（{year}年）"
        region_text = f"{place}（{region}）"
    else:
        title = f"{place} livelihood report · {name} ({year})"
        region_text = f"{place} ({region})"
    return {
        "html_lang": config.HTML_LANG.get(lang, lang),
        "title": title,
        "heading": title,
        "meta": [
            [labels["region"], region_text],
            [labels["year"], str(year)],
            [labels["built"], built_at],
        ],
        "footer": labels["footer"],
        "footer_meta": [[labels["data"], data_version]],
        "image_alt": f"{labels['chart']}: {name}",
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


def _groups(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The rows of one language, one group per place and year (latest year first)."""
    groups: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in rows:
        key = (row["region"], row["year"])
        if key not in groups:
            year = row["year"]
            when = "" if year is None else (f"{year}年" if lang == "zh" else str(year))
            sep = " · " if lang == "zh" else ", "
            heading = sep.join(part for part in (row["place"], when) if part)
            groups[key] = {"heading": heading, "region": row["region"], "year": year, "rows": []}
        groups[key]["rows"].append(row)
    return list(groups.values())


def render_index(manifest: dict[str, Any]) -> str:
    """``reports/index.html``: every report per language, with relative links."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR / "report")),
        autoescape=True,
        keep_trailing_newline=True,
    )
    langs = [
        lang for lang in config.LANGS if any(e.get("lang") == lang for e in manifest["notebooks"].values())
    ]
    langs += sorted({e.get("lang") for e in manifest["notebooks"].values()} - set(langs) - {None})
    sections = [
        {
            "lang": lang,
            "html_lang": config.HTML_LANG.get(lang, lang),
            "heading": _labels("site.status", lang)["heading"],
            "groups": _groups(index_rows(manifest, lang), lang),
        }
        for lang in langs
    ]
    codes = dict.fromkeys(c for c, _ in map(_place_and_year, sorted(manifest["notebooks"])) if c)
    places = {lang: "、" if lang == "zh" else ", " for lang in config.LANGS}
    places = {lang: sep.join(region_name(code, lang) for code in codes) for lang, sep in places.items()}
    failed = sum(1 for e in manifest["notebooks"].values() if e.get("status") != "ok")
    finished = display_time(manifest["finished_at"]) if manifest.get("finished_at") else ""
    return env.get_template("site_index.html.j2").render(
        manifest=manifest,
        sections=sections,
        failed=failed,
        finished=finished,
        html_lang=config.HTML_LANG["zh"],
        places=places,
    )
