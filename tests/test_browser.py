"""The published reports, opened the way a reader opens them: headless Chromium, file://, offline.

One build of every report from the bundled data into a temporary folder, and one build of
health and the summary (both languages) from processed data whose names are markup and script
payloads. The browser follows every link on ``index.html``, opens each report with every request
that is not ``file:`` or ``data:`` aborted and counted, measures the page once
(``browser_support.MEASURE_JS``) and writes a full-page screenshot at 1280 px to
``screenshots/`` (ignored by git) for a developer to look at. The tests then check what was
measured: nothing external, no errors, images decoded, language and title, no code, headings in
the report's language, nothing overlapping or wider than the page, CJK drawn as characters, and
payloads that stay text.

Needs ``/usr/bin/chromium`` (``.ci/run`` installs it and a CJK font); fails, never skips, without it.
"""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path
from urllib.parse import unquote, urlparse

import browser_support as bs
import pandas as pd
import processed_fixture as pf
import pytest

from wuwei_analysis import config, reference, site_paths
from wuwei_analysis.build import run as build
from wuwei_analysis.build import site_index as build_site
from wuwei_analysis.report import chart_style

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = config.PROJ_ROOT / "screenshots"
# The city's 2025 pages (the build is narrowed to the city: its districts' pages are the same code).
CITY = f"{config.DEFAULT_REGION}/{config.DEFAULT_YEAR}"
# The city and one county of the bundled data (古浪县, whose village has a figure), so that a reader
# can go from one place to another; 凉州区 has the same kind of pages and is left out for time.
COUNTY = "620622"
PLACES = (config.DEFAULT_REGION, COUNTY)
REPORTS = tuple(
    f"{lang}/{region}/{config.DEFAULT_YEAR}/{theme}"
    for region in PLACES
    for lang in config.LANGS
    for theme in (*reference.theme_ids(), config.SUMMARY)
)
PAGES = ("index", *REPORTS)
ESCAPED_THEMES = ("health", config.SUMMARY)
ESCAPED = tuple(f"{lang}/{CITY}/{theme}" for lang in config.LANGS for theme in ESCAPED_THEMES)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CODE = re.compile(
    r"^\s*(?:from\s+\w[\w.]*\s+import\b|import\s+\w)|\b(?:report|summary)\.(?:setup|show_\w+)\(|"
    r"\bprocessed_dir\b|\breports_dir\b|\bTraceback\b|\bctx\s*=",
    re.M,
)
# A chart may be drawn smaller than its natural size, but not so small that its text is hard to
# read: charts are 1200 px wide (charts.WIDTH_IN at the saved DPI) for a ~900 px column.
MIN_CHART_SCALE = 0.6

# Names and descriptions in the escaping build: each would run script, open a dialog or load
# something if it reached the page as markup or as a link.
PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "[x](javascript:window.__pwned=1)",
    '<a href="javascript:window.__pwned=1">click</a>',
    '<svg onload="window.__pwned=1"></svg>',
    "<img src=x onerror=alert(1)>",
    '"><iframe src="javascript:alert(1)"></iframe>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<img src="https://example.org/track.png">',  # escaped, it shows as text and loads nothing
)


# --------------------------------------------------------------------------- builds and visits


def _build(reports: Path, processed: Path, **options) -> None:
    log = io.StringIO()
    status = build.run_build(
        build.BuildOptions(processed_dir=processed, reports_dir=reports, log=log, **options)
    )
    assert status == 0, log.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Every report from the bundled data, cleaned into and published under a temporary folder."""
    bs.chromium_path()  # fail before building when there is no browser
    root = tmp_path_factory.mktemp("browser-site")
    _build(root / "reports", root / "processed", regions=PLACES)
    return root


def _with_payloads(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    columns = [c for c in ("name_zh", "name_en", "description_zh", "description_en") if c in frame]
    for i, column in enumerate(columns):
        frame[column] = [f"{PAYLOADS[(i + j) % len(PAYLOADS)]} {j}" for j in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def escaped_site(site, tmp_path_factory) -> Path:
    """Health and the summary built from processed data whose names and sources are payloads."""
    root = tmp_path_factory.mktemp("browser-escaped")
    processed = site / "processed"
    tables = {
        name: pd.read_parquet(processed / f"{name}.parquet") for name in ("indicators", "measures", "sources")
    }
    pf.write_processed(
        root / "processed",
        _with_payloads(tables["indicators"]),
        _with_payloads(tables["measures"]),
        tables["sources"].assign(title=PAYLOADS[0], authors=PAYLOADS[1]),
    )
    _build(root / "reports", root / "processed", clean=False, themes=ESCAPED_THEMES, langs=config.LANGS,
           regions=(config.DEFAULT_REGION,))  # fmt: skip
    return root


@pytest.fixture(scope="module")
def browser():
    with bs.Browser() as session:
        yield session


def _shot(name: str) -> Path:
    return SCREENSHOTS / f"{name.replace('/', '-')}.png"


@pytest.fixture(scope="module")
def visits(browser, site) -> dict[str, bs.Visit]:
    """The index, then every report its links lead to (key ``zh/health``)."""
    index = browser.visit(site / "reports" / "index.html", screenshot=_shot("index"))
    found = {"index": index}
    for link in index.measures["links"]:
        if link["href"].endswith(".html"):
            key = link["href"][: -len(".html")]
            found[key] = browser.visit(link["resolved"], screenshot=_shot(key))
    return found


@pytest.fixture(scope="module")
def escaped_visits(browser, escaped_site) -> dict[str, bs.Visit]:
    reports = escaped_site / "reports"
    return {
        key: browser.visit(reports / f"{key}.html", screenshot=_shot(f"escaped-{key}"), click_links=True)
        for key in ESCAPED
    }


def _visit(visits: dict[str, bs.Visit], page: str) -> bs.Visit:
    assert page in visits, f"index.html has no link to {page}.html"
    return visits[page]


def _lang(page: str) -> str:
    return "zh" if page == "index" else page.split("/")[0]


def _theme(page: str) -> str:
    return page.split("/")[-1]  # zh/620600/2025/health


# --------------------------------------------------------------------------- index and links


def test_every_link_on_the_index_resolves_and_every_report_loads(visits):
    links = visits["index"].measures["links"]
    html = sorted(link["href"] for link in links if link["href"].endswith(".html"))
    assert html == sorted(f"{page}.html" for page in REPORTS)
    for link in links:
        url = urlparse(link["resolved"])
        assert url.scheme == "file", link
        assert Path(unquote(url.path)).is_file(), f"index links to a missing file: {link['href']}"
    for page in REPORTS:
        measures = visits[page].measures
        assert measures["title"] and measures["headings"], f"{page}.html did not load"


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
def test_nothing_external_no_errors_no_script(visits, page):
    visit = _visit(visits, page)
    assert visit.external_requests == []
    assert visit.console_errors == []
    assert visit.page_errors == []
    assert visit.failed_loads == []
    assert visit.dialogs == []
    measures = visit.measures
    assert measures["scripts"] == 0 and measures["frames"] == 0
    assert measures["onAttributes"] == []


@pytest.mark.parametrize("page", PAGES)
def test_language_and_title(visits, page):
    measures = _visit(visits, page).measures
    assert measures["lang"] == config.HTML_LANG[_lang(page)]
    title = measures["title"]
    if page == "index":
        assert "武威" in title and "Wuwei" in title
    else:
        assert build_site.theme_name(_theme(page), _lang(page)) in title
        assert str(config.DEFAULT_YEAR) in title
        assert build_site.region_name(page.split("/")[1], _lang(page)) in title


@pytest.fixture(scope="module")
def themes_with_figures(site) -> set[str]:
    rows = pd.read_parquet(site / "processed" / "indicators.parquet")
    return {(region, theme) for region in PLACES for theme in _themes_with_figures(rows, region)}


def _themes_with_figures(rows: pd.DataFrame, region: str) -> set[str]:
    """The themes a place's report has figures for (its own, or of places below it)."""
    themes = set(rows[rows["region_code"].astype(str).isin(reference.region_family(region))]["theme"])
    return themes | {config.SUMMARY} if themes else themes


@pytest.mark.parametrize("page", REPORTS)
def test_every_image_is_decoded_and_described(visits, page, themes_with_figures):
    images = _visit(visits, page).measures["images"]
    if (page.split("/")[1], _theme(page)) in themes_with_figures:
        assert images, "a report with figures shows its charts"
    for image in images:
        assert image["complete"] and image["naturalWidth"] > 0, image
        assert image["alt"], image


@pytest.mark.parametrize("page", REPORTS)
def test_no_input_code_is_visible(visits, page):
    measures = _visit(visits, page).measures
    assert measures["codeElements"] == 0
    found = CODE.search(measures["bodyText"])
    assert found is None, f"code on the page: {found.group(0)!r}"


@pytest.mark.parametrize("page", REPORTS)
def test_headings_are_in_the_report_language(visits, page):
    measures = _visit(visits, page).measures
    headings = measures["headings"]
    assert headings[0] == measures["title"] and measures["h1"] == 1, "one header, whose title is the page's"
    if _lang(page) == "zh":
        assert [h for h in headings if not HAN.search(h)] == []
        # column headers too, except codes such as SHA-256
        assert [
            h for h in measures["tableHeaders"] if not HAN.search(h) and not re.fullmatch(r"[A-Z0-9-]+", h)
        ] == []
    else:
        assert [h for h in headings + measures["tableHeaders"] if HAN.search(h)] == []


@pytest.mark.parametrize("page", PAGES)
def test_text_fits_and_nothing_overlaps_at_1280px(visits, page):
    m = _visit(visits, page).measures
    assert m["viewportWidth"] == bs.WIDTH
    assert m["scrollWidth"] <= m["viewportWidth"], "the page scrolls sideways"
    assert 600 <= m["mainWidth"] <= 960, "a readable column"
    assert m["overlaps"] == []
    assert m["spills"] == []
    for table in m["tables"]:  # the bundled data's tables fit the column without scrolling
        assert table["left"] >= m["mainLeft"] - 1 and table["right"] <= m["mainRight"] + 1, table
    for image in m["images"]:
        assert image["right"] <= m["mainRight"] + 1, image
        if image["naturalWidth"] >= 400:  # a chart: drawn large enough to read
            assert image["width"] >= min(image["naturalWidth"], m["mainWidth"]) * MIN_CHART_SCALE, image


@pytest.mark.parametrize("page", PAGES)
def test_cjk_text_is_drawn_as_characters(visits, page):
    samples = _visit(visits, page).measures["cjkSamples"]
    if _lang(page) == "zh":
        assert samples, "a Chinese page has Chinese text"
    for sample in samples:
        count = len(sample["chars"])
        assert sample["distinct"] == count and sample["inked"] == count and sample["likeTofu"] == 0, (
            f"{sample['chars']} in {sample['font']} is drawn as boxes: install a CJK font "
            "(.ci/run installs fonts-noto-cjk)"
        )


def test_a_screenshot_of_every_page_is_written_for_a_developer(visits):
    for page, visit in visits.items():
        assert visit.screenshot is not None and visit.screenshot.is_file(), page
        width, height = struct.unpack(">II", visit.screenshot.read_bytes()[16:24])
        assert width == bs.WIDTH and height >= bs.HEIGHT - 1, (page, width, height)
    ignored = (config.PROJ_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/screenshots/" in ignored


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("page", ESCAPED)
def test_names_that_are_markup_stay_text_and_run_nothing(escaped_visits, page):
    visit = escaped_visits[page]
    m = visit.measures
    assert visit.dialogs == [], "a payload opened a dialog"
    assert not m["pwned"] and not m["pwned_after_clicks"], "a payload ran"
    assert m["url_after_clicks"] == visit.url.split("#")[0], "a link navigated away"
    assert visit.external_requests == [] and visit.console_errors == [] and visit.page_errors == []
    assert m["scripts"] == 0 and m["frames"] == 0 and m["onAttributes"] == []
    hrefs = [link["href"] for link in m["links"]]
    # in-page links, and the navigation's relative links to the site's own pages and downloads
    assert all(h.startswith("#") or not re.match(r"[a-z]+:|/", h) for h in hrefs), hrefs
    assert m["clicked"] >= sum(h.startswith("#") for h in hrefs)  # every in-page link was clicked
    # the names are on the page, as text
    text = m["bodyText"]
    assert "<script>window.__pwned=1</script>" in text or "<img src=x onerror=" in text
    assert "[x](javascript:window.__pwned=1)" in text
    assert m["scrollWidth"] <= m["viewportWidth"], "long names make the page scroll sideways"
    for table in m["tables"]:
        assert table["right"] <= m["mainRight"] + 1 or (
            table["scrollBox"] and table["boxRight"] <= m["mainRight"] + 1
        )


# --------------------------------------------------------------------------- reader-first pages (issue 12)

READER_WIDTHS = (390, 1280)  # a phone and a desk
SERIOUS = {"serious", "critical"}


def _page_of(key: str) -> site_paths.Page:
    lang, region, year, theme = key.split("/")
    return site_paths.Page(lang, region, int(year), theme)


# What a chart's text measures on the page: SMALLEST_PT (no chart text is smaller, test_charts
# checks) scaled by how wide the picture is drawn against the width it was drawn at. 11 CSS px is
# the smallest text size Apple's Human Interface Guidelines allow on a phone (11 pt), and what the
# issue's "legible on a 390 px phone" is measured against.
MIN_CHART_TEXT_PX = 11
CHART_JS = r"""
() => [...document.images].filter(img => img.naturalWidth >= 400).map(img => {
  const boxes = [];
  for (let el = img.parentElement; el && el !== document.body; el = el.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1) {
      boxes.push(el.className || el.tagName);
    }
  }
  const rect = img.getBoundingClientRect();
  return {alt: (img.alt || '').slice(0, 40), width: rect.width, left: rect.left, right: rect.right,
          naturalWidth: img.naturalWidth, phone: img.currentSrc !== img.src, scrollingBoxes: boxes};
})
"""


@pytest.fixture(scope="module")
def reader_pages(browser, site) -> dict[str, dict]:
    """Every page at 390 and 1280 px: page width, charts, its links, an axe audit, a screenshot per width."""
    from axe_playwright_python.sync_playwright import Axe

    reports = site / "reports"
    axe, found = Axe(), {}
    page = browser.page
    for key in ("index", *REPORTS):
        path = reports / (site_paths.INDEX if key == "index" else site_paths.page_path(*_page_of(key)))
        result: dict = {"widths": {}, "charts": {}}
        for width in READER_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            result["widths"][width] = page.evaluate(
                "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
            )
            result["charts"][width] = page.evaluate(CHART_JS)
            shot = SCREENSHOTS / "reader" / f"{key.replace('/', '-')}-{width}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
        result["links"] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        result["axe"] = [v for v in axe.run(page).response["violations"] if v.get("impact") in SERIOUS]
        found[key] = result
    page.set_viewport_size({"width": bs.WIDTH, "height": bs.HEIGHT})
    print(f"\nscreenshots at 390 and 1280 px: {SCREENSHOTS / 'reader'}")
    return found


@pytest.mark.parametrize("width", READER_WIDTHS)
def test_no_page_scrolls_sideways(reader_pages, width):
    wide = {
        k: v["widths"][width]
        for k, v in reader_pages.items()
        if v["widths"][width]["scroll"] > v["widths"][width]["client"]
    }
    assert not wide, f"pages wider than a {width} px window: {wide}"


def _chart_text_px(chart: dict) -> float:
    """The smallest text of a chart as drawn, in CSS px (see MIN_CHART_TEXT_PX)."""
    frame = chart_style.PHONE if chart["phone"] else chart_style.DESK
    drawn_in = chart["naturalWidth"] / frame.dpi  # the phone drawing may be trimmed: its own width
    return chart_style.SMALLEST_PT * chart["width"] / (drawn_in * 72)


@pytest.mark.parametrize("width", READER_WIDTHS)
def test_charts_fit_the_window_scroll_nowhere_and_their_text_is_legible(reader_pages, width):
    charts = [(key, c) for key, result in reader_pages.items() for c in result["charts"][width]]
    assert len(charts) >= 10, "the bundled data's pages show charts"
    for key, chart in charts:
        where = (key, width, chart["alt"])
        assert chart["left"] >= 0 and chart["right"] <= width, where
        assert chart["scrollingBoxes"] == [], where
        assert chart["phone"] == (width <= chart_style.PHONE_MAX_PX), where  # the drawing made for it
        assert _chart_text_px(chart) >= MIN_CHART_TEXT_PX, (where, round(_chart_text_px(chart), 1))


def test_every_page_links_the_landing_page_and_its_language_twin(reader_pages):
    for key, result in reader_pages.items():
        if key == "index":
            continue
        page = _page_of(key)
        twin = page._replace(lang=site_paths.twin_lang(page.lang))
        links = set(result["links"])
        assert site_paths.link_to_root(page, site_paths.INDEX) in links, key
        assert site_paths.link(page, twin) in links, key
        assert site_paths.relative(site_paths.page_path(*page), site_paths.download_path(*page)) in links, key


def test_the_landing_page_leads_to_every_page_and_the_data(reader_pages, site):
    links = set(reader_pages["index"]["links"])
    for key in reader_pages:
        if key != "index":
            assert site_paths.page_path(*_page_of(key)) in links, key
    for name in ("indicators.csv", "data_dictionary.csv"):
        assert site_paths.data_path(name) in links
        assert (site / "reports" / site_paths.data_path(name)).is_file()
    assert site_paths.MANIFEST in links


def test_accessibility_audit_finds_nothing_serious(reader_pages):
    problems = {
        key: [(v["id"], v["impact"], len(v["nodes"])) for v in result["axe"]]
        for key, result in reader_pages.items()
        if result["axe"]
    }
    assert not problems, problems


def _click(page, selector: str, expect: str) -> None:
    """Click what a reader sees (Playwright waits until it is visible and clickable), then check
    the page it led to."""
    with page.expect_navigation():
        page.locator(selector).first.click()
    assert page.url.endswith(expect), (selector, page.url, expect)


def test_a_reader_on_a_phone_goes_from_the_landing_page_to_another_place_and_back_by_clicking(browser, site):
    """At 390 px: landing page → the county's elderly-care page (zh) → its English twin → another
    theme → the same theme in the city → the landing page, each step a click on a visible link."""
    page = browser.page
    page.set_viewport_size({"width": 390, "height": 844})
    county = site_paths.Page("zh", COUNTY, config.DEFAULT_YEAR, "elderly_care")
    english = county._replace(lang="en")
    urban = english._replace(theme="urban")
    city = urban._replace(region=config.DEFAULT_REGION)
    try:
        page.goto((site / "reports" / site_paths.INDEX).as_uri())
        _click(page, f'#zh a[href="{site_paths.page_path(*county)}"]', site_paths.page_path(*county))
        assert build_site.region_name(COUNTY, "zh") in page.title()
        _click(page, "nav a.site-twin", site_paths.page_path(*english))
        assert page.locator("html").get_attribute("lang") == "en"
        _click(
            page,
            f'.site-themes a:text-is("{build_site.theme_name("urban", "en")}")',
            site_paths.page_path(*urban),
        )
        place = build_site.region_name(config.DEFAULT_REGION, "en")
        _click(page, f'.site-elsewhere a:has-text("{place}")', site_paths.page_path(*city))
        assert place in page.title() and build_site.theme_name("urban", "en") in page.title()
        _click(page, "nav a.site-home", site_paths.INDEX)
        assert page.locator("h1").first.is_visible()
    finally:
        page.set_viewport_size({"width": bs.WIDTH, "height": bs.HEIGHT})
