"""The landing page (``reports/index.html``): what this is, the source, scope, headline figures,
caveats, then the reports by place and year (summary first), and the downloads.

It reads the processed tables the build published beside it (``reports/data/``, see
:func:`wuwei_analysis.site_paths.data_path`) and the manifest's pages; build details (hashes,
times) stay in ``manifest.json``, linked from the footer. Every link comes from
:mod:`wuwei_analysis.site_paths`. Text is escaped by the template (autoescape).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from wuwei_analysis import catalogue, config, reference, site_paths

DOWNLOADS = (  # (label key, processed table) linked from the landing page
    ("download_indicators", "indicators.csv"),
    ("download_dictionary", "data_dictionary.csv"),
    ("download_measures", "measures.csv"),
    ("download_sources", "sources.csv"),
)


def _read(data_dir: Path | None, name: str) -> pd.DataFrame:
    path = data_dir / name if data_dir else None
    if path is None or not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


def _text(row: pd.Series | dict, column: str) -> str:
    """A cell that may be absent or blank (optional columns such as ``title_en``)."""
    value = row.get(column, "") if hasattr(row, "get") else ""
    return "" if value is None or pd.isna(value) else str(value).strip()


def sources(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    """Each source with title, our translation of it (English, when given), publisher and date."""
    words = reference.label_group("landing", lang)
    found = []
    for _, row in frame.iterrows():
        title_en = _text(row, "title_en")
        found.append(
            {
                "title": _text(row, "title"),
                "title_en": title_en if lang == "en" else "",
                "translated": words["our_translation"],  # marks title_en as our own translation
                "authors": _text(row, "authors") or words["not_recorded"],
                "publisher": _text(row, "publisher") or words["not_recorded"],
                "published": _text(row, "published") or words["not_recorded"],
            }
        )
    return found


def _color(value: str) -> str:
    """A ``#RRGGBB`` colour from ``themes.csv``, or blank: it goes into a ``style`` attribute."""
    return value if re.fullmatch(r"#[0-9A-Fa-f]{6}", value or "") else ""


def headlines(indicators: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    """The headline figures (``headlines.csv``) of the latest year, in theme order, each with its
    theme's colour (``themes.csv``), the one its charts use."""
    from wuwei_analysis.report import text_wrap
    from wuwei_analysis.report.commentary import format_value

    if indicators.empty:
        return []
    frame = indicators.astype({"value": float, "year": int})
    frame["value_high"] = pd.to_numeric(frame.get("value_high"), errors="coerce")
    latest = frame[frame["year"] == frame["year"].max()]
    themes = reference.themes()
    found = []
    chosen = [i for ids in catalogue.load().headlines.values() for i in ids]
    for indicator_id in chosen:
        match = latest[latest["indicator_id"] == indicator_id]
        for _, fig in match.head(1).iterrows():
            found.append(
                {
                    "theme": themes.get(fig["theme"], {}).get(f"name_{lang}", fig["theme"]),
                    "theme_id": fig["theme"],
                    "color": _color(themes.get(fig["theme"], {}).get("color", "")),  # as on its charts
                    "name": fig[f"name_{lang}"],
                    "name_words": text_wrap.words(str(fig[f"name_{lang}"])),  # breaks between words
                    "place": fig[f"region_{lang}"],
                    "value": format_value(fig, lang),
                }
            )
    return found


def report_groups(
    pages: list[site_paths.Page], lang: str, states: dict[site_paths.Page, str] | None = None
) -> list[dict[str, Any]]:
    """The pages of ``lang`` grouped by place and year (latest year first), summary first."""
    from wuwei_analysis.build.site_index import theme_name

    order = {t: i for i, t in enumerate((config.SUMMARY, *reference.theme_ids()))}
    mine = [p for p in pages if p.lang == lang]
    keys = sorted({(p.region, p.year) for p in mine}, key=lambda k: (-k[1], k[0]))
    groups = []
    for region, year in keys:
        here = sorted(
            (p for p in mine if (p.region, p.year) == (region, year)), key=lambda p: order.get(p.theme, 99)
        )
        place = reference.region_name(region, lang)
        groups.append(
            {
                "heading": f"{place} · {year}年" if lang == "zh" else f"{place}, {year}",
                "links": [
                    {
                        "text": theme_name(p.theme, lang),
                        "href": site_paths.page_path(*p),
                        "summary": p.theme == config.SUMMARY,
                        "theme": p.theme,
                        "region": p.region,
                        "year": p.year,
                        "state": (states or {}).get(p, "ok"),
                    }
                    for p in here
                ],
            }
        )
    return groups


def scope(indicators: pd.DataFrame, measures: pd.DataFrame, pages: list[site_paths.Page], lang: str) -> str:
    words = reference.label_group("landing", lang)
    regions = sorted({p.region for p in pages})
    years = sorted({p.year for p in pages}, reverse=True)
    sep = "、" if lang == "zh" else ", "
    return words["scope_text"].format(
        places=sep.join(reference.region_name(r, lang) for r in regions),
        years=sep.join(str(y) for y in years),
        figures=len(indicators),
        measures=len(measures),
    )


def sections(
    manifest: dict[str, Any], data_dir: Path | None, places: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One block per language: everything the landing page says, ready for the template.

    ``places`` names, per language, the places the site reports on (for the title)."""
    pages = site_paths.pages_from_manifest(manifest)
    indicators, measures = _read(data_dir, "indicators.csv"), _read(data_dir, "measures.csv")
    source_rows = _read(data_dir, "sources.csv")
    from wuwei_analysis.build.site_index import index_rows

    failed = sum(1 for e in manifest.get("notebooks", {}).values() if e.get("status") != "ok")
    states = {
        page: ("ok" if entry.get("status") == "ok" else "failed")
        for entry in manifest.get("notebooks", {}).values()
        for page in site_paths.pages_from_manifest({"notebooks": {"x": entry}})
    }
    blocks = []
    for lang in config.LANGS:
        words = reference.label_group("landing", lang)
        blocks.append(
            {
                "lang": lang,
                "html_lang": config.HTML_LANG.get(lang, lang),
                "words": words,
                "title": words["title"].format(places=(places or {}).get(lang) or words["default_places"]),
                "lang_name": words["lang_name"],  # the link to this block from the language bar
                "about": words["about"],
                "sources": sources(source_rows, lang),
                "scope": scope(indicators, measures, pages, lang),
                "headlines": headlines(indicators, lang),
                "caveats": [
                    words["caveat_one_source"],
                    words["caveat_incomplete"],
                    words["caveat_calculated"],
                ],
                "groups": report_groups(pages, lang, states),
                "failures": [row for row in index_rows(manifest, lang) if row["state"] == "failed"],
                "downloads": [
                    {"text": words[key], "href": site_paths.data_path(name)}
                    for key, name in DOWNLOADS
                    if data_dir is not None and (data_dir / name).is_file()
                ],
                "failed": words["failed"].format(count=failed) if failed else "",
            }
        )
    return blocks
