"""Open published reports the way a reader does: headless Chromium, ``file://``, offline.

:class:`Browser` drives Debian's ``/usr/bin/chromium`` through Playwright with a fresh profile,
aborts and counts every request that is not ``file:`` or ``data:``, and records console errors,
page errors, failed loads and dialogs (which it dismisses). :meth:`Browser.visit` opens one page,
waits for its images, measures it with :data:`MEASURE_JS` and can save a full-page screenshot.
No browser is downloaded: ``.ci/run`` installs ``chromium`` and ``fonts-noto-cjk``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900  # the window a reader opens the report in
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
TIMEOUT_MS = 20_000

MISSING = (
    "the browser tests drive Debian's Chromium at {path}, which is not installed here. "
    ".ci/run installs it (apt-get install chromium fonts-noto-cjk); on another system install a "
    "Chromium and set WUWEI_CHROMIUM to its path."
)


def chromium_path() -> str:
    """The Chromium to drive; fails the test (never skips it) when there is none."""
    path = os.environ.get("WUWEI_CHROMIUM") or CHROMIUM
    if not Path(path).is_file():
        path = shutil.which("chromium") or path
    if not Path(path).is_file():
        pytest.fail(MISSING.format(path=path), pytrace=False)
    return path


@dataclass
class Visit:
    """What one page did and looked like."""

    url: str
    measures: dict[str, Any]
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_loads: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    screenshot: Path | None = None


class Browser:
    """One headless Chromium with a fresh profile; use as a context manager."""

    def __init__(self) -> None:
        self.external_requests: list[str] = []
        self._profile = tempfile.TemporaryDirectory(prefix="wuwei-chromium-")

    def __enter__(self) -> Browser:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:  # pragma: no cover - the dev extras install it
            pytest.fail(
                "the browser tests need the playwright package: .venv/bin/pip install -e '.[dev]'",
                pytrace=False,
            )
        executable = chromium_path()
        self._playwright = sync_playwright().start()
        try:
            self.context = self._playwright.chromium.launch_persistent_context(
                self._profile.name,
                executable_path=executable,
                headless=True,
                args=ARGS,
                viewport={"width": WIDTH, "height": HEIGHT},
                device_scale_factor=1,
                locale="zh-CN",
                service_workers="block",
                accept_downloads=False,
            )
        except Exception:
            self._playwright.stop()
            raise
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.context.close()
        finally:
            self._playwright.stop()
            self._profile.cleanup()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.external_requests.append(url)
            route.abort()

    def visit(self, path: Path | str, screenshot: Path | None = None, click_links: bool = False) -> Visit:
        """Open a local file, measure it, optionally click every link on it and take a screenshot."""
        page = self.page
        url = Path(path).resolve().as_uri() if not str(path).startswith("file:") else str(path)
        visit = Visit(url, {})
        started = len(self.external_requests)

        def on_console(message) -> None:
            if message.type == "error":
                visit.console_errors.append(message.text)

        def on_dialog(dialog) -> None:
            visit.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_failed(request) -> None:
            visit.failed_loads.append(f"{request.url[:120]} ({request.failure})")

        handlers = {
            "console": on_console,
            "pageerror": lambda error: visit.page_errors.append(str(error)),
            "dialog": on_dialog,
            "requestfailed": on_failed,
        }
        for event, handler in handlers.items():
            page.on(event, handler)
        try:
            page.goto(url, wait_until="load")
            page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            visit.measures = page.evaluate(MEASURE_JS)
            if click_links:
                visit.measures["clicked"] = page.evaluate(CLICK_LINKS_JS)
                page.wait_for_timeout(100)
                visit.measures["pwned_after_clicks"] = page.evaluate("window.__pwned !== undefined")
                visit.measures["url_after_clicks"] = page.url.split("#")[0]
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(screenshot), full_page=True)
                visit.screenshot = screenshot
        finally:
            for event, handler in handlers.items():
                page.remove_listener(event, handler)
        # aborted external requests also show up as failed loads; count them once
        visit.external_requests = self.external_requests[started:]
        visit.failed_loads = [
            f for f in visit.failed_loads if not any(f.startswith(u[:120]) for u in visit.external_requests)
        ]
        return visit


# Everything measured in the page, in one round trip. Rectangles are CSS pixels at 1280 px.
MEASURE_JS = r"""
() => {
  const han = /\p{Script=Han}/u;
  const rect = el => el.getBoundingClientRect();
  const visible = el => { const r = rect(el); return r.width > 0 && r.height > 0; };
  const text = el => (el.textContent || '').replace(/\s+/g, ' ').trim();
  const main = document.querySelector('main') || document.body;
  const mainRect = rect(main);
  const doc = document.documentElement;

  // headings and table headers, with their text
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(visible).map(text);
  const tableHeaders = [...document.querySelectorAll('th')].filter(visible).map(text);

  // images: decoded, and how large they are drawn against their natural size
  const images = [...document.images].map(img => ({
    src: img.getAttribute('src') ? img.getAttribute('src').slice(0, 40) : '',
    alt: img.getAttribute('alt'),
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    width: rect(img).width,
    right: rect(img).right,
  }));

  // tables: drawn width against the column, and whether a scroll box holds them
  const tables = [...document.querySelectorAll('table')].map(table => {
    let box = table.parentElement;
    while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    const scrolls = Boolean(box && box !== document.body);
    return {
      width: rect(table).width,
      right: rect(table).right,
      left: rect(table).left,
      scrollBox: scrolls,
      boxRight: scrolls ? rect(box).right : null,
    };
  });

  // text boxes that overlap one another (not one inside the other), or spill out of themselves
  const blocks = [...document.querySelectorAll(
    'h1,h2,h3,h4,p,li,th,td,pre,blockquote,img,.report-meta-item,footer')].filter(visible);
  const overlaps = [];
  for (let i = 0; i < blocks.length && overlaps.length < 10; i++) {
    const a = blocks[i], ra = rect(a);
    for (let j = i + 1; j < blocks.length; j++) {
      const b = blocks[j];
      if (a.contains(b) || b.contains(a)) continue;
      const rb = rect(b);
      const dx = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const dy = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (dx > 2 && dy > 2) {
        overlaps.push(`${a.tagName} "${text(a).slice(0, 30)}" / ${b.tagName} "${text(b).slice(0, 30)}"`);
        if (overlaps.length >= 10) break;
      }
    }
  }
  const spills = blocks
    .filter(el => el.tagName !== 'IMG' && getComputedStyle(el).overflowX === 'visible'
                  && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    .map(el => `${el.tagName} "${text(el).slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`)
    .slice(0, 10);

  // CJK: draw each distinct Han character of the page's text in the font of the element that
  // holds it. A font that lacks a glyph draws the same box for every character ("tofu"), so
  // distinct characters must give distinct, inked bitmaps, unlike an unassigned code point.
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const signature = (ch, font) => {
    g.clearRect(0, 0, 64, 64);
    g.font = `48px ${font}`;
    g.fillStyle = '#000';
    g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    const data = g.getImageData(0, 0, 64, 64).data;
    let hash = 0, ink = 0;
    for (let k = 3; k < data.length; k += 4) {
      if (data[k] > 0) ink++;
      hash = (Math.imul(hash, 31) + data[k]) >>> 0;
    }
    return { hash, ink };
  };
  const cjkSamples = [];
  for (const el of document.querySelectorAll('h1,h2,td,li,p')) {
    const chars = [...new Set([...text(el)].filter(ch => han.test(ch)))].slice(0, 6);
    if (chars.length < 2) continue;
    const font = getComputedStyle(el).fontFamily;
    const tofu = signature('\u0378', font);
    const sigs = chars.map(ch => signature(ch, font));
    cjkSamples.push({
      tag: el.tagName,
      chars: chars.join(''),
      font,
      distinct: new Set(sigs.map(s => s.hash)).size,
      inked: sigs.filter(s => s.ink > 20).length,
      likeTofu: sigs.filter(s => s.hash === tofu.hash).length,
    });
    if (cjkSamples.length >= 6) break;
  }

  const onAttributes = [...document.querySelectorAll('*')]
    .flatMap(el => [...el.attributes].filter(a => /^on/i.test(a.name)).map(a => `${el.tagName}[${a.name}]`));
  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    href: a.getAttribute('href'), resolved: a.href, text: text(a),
  }));

  return {
    lang: doc.getAttribute('lang'),
    title: document.title,
    h1: document.querySelectorAll('h1').length,
    headings, tableHeaders, images, tables, overlaps, spills, cjkSamples, onAttributes, links,
    bodyText: document.body.innerText,
    scripts: document.scripts.length,
    frames: document.querySelectorAll('iframe,frame,object,embed').length,
    codeElements: document.querySelectorAll(
      '.jp-InputArea,.jp-InputPrompt,.jp-CodeMirrorEditor,.cm-editor,.highlight,.jp-InputArea-editor').length,
    scrollWidth: doc.scrollWidth,
    viewportWidth: window.innerWidth,
    mainLeft: mainRect.left,
    mainRight: mainRect.right,
    mainWidth: mainRect.width,
    contentWidth: main.clientWidth - parseFloat(getComputedStyle(main).paddingLeft)
                  - parseFloat(getComputedStyle(main).paddingRight),
    pwned: window.__pwned !== undefined,
  };
}
"""

# Click every link that stays on the page as a reader would: in-page anchors, and anything that
# would run instead of navigating (javascript:). Links to other files are left alone.
CLICK_LINKS_JS = r"""
() => {
  const here = location.href.split('#')[0];
  const links = [...document.querySelectorAll('a[href]')]
    .filter(a => a.protocol === 'javascript:' || a.href.split('#')[0] === here);
  for (const a of links) a.click();
  return links.length;
}
"""
