"""Executed notebook → HTML for sharing: no code, no scripts, no external requests.

A reader opens the file offline, from mail or an intranet page. So the report:

- shows outputs and markdown only: no code cell input, no parameters or injected-parameters cell,
  no stderr (warnings stay in the ``.ipynb`` kept for analysts);
- embeds every image (PNG/SVG outputs and markdown attachments) as a ``data:`` URI; a chart
  with a phone rendering is a ``<picture>`` whose ``<source>`` (a ``data:`` image, nothing else)
  a narrow screen shows;
- loads nothing: the project's own template (``templates/report``) inlines a small stylesheet
  and has no MathJax, require.js, widget or mermaid script; :func:`make_inert` then removes
  scripts, event handlers, frames and any reference to another host that cell outputs carried
  (a link to a source keeps its text and shows its address as plain text); the page's content
  security policy lets a browser load nothing but embedded images and inline styles, and run
  no script, should anything have slipped through;
- has one short header (title, place, year and navigation): the notebook's own title block is
  left out (see :data:`wuwei_analysis.report.html.PAGE_HEADER_METADATA`);
- is checked: :func:`find_external_references` must find nothing, or the report fails.

nbconvert and BeautifulSoup are imported when a report is rendered, not at import time.
"""

from __future__ import annotations

import copy
import html
import re
import secrets
from html.parser import HTMLParser
from typing import Any

from wuwei_analysis import config

TEMPLATE_NAME = "report"
_NBCONVERT_ALT = "No description has been provided for this image"

# Cells left out of the HTML entirely (their tags).
REMOVED_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell"}
)
REMOVED_OUTPUT_TAGS = frozenset({"remove-output"})


# Output metadata the report library sets. The notebook's own title block is left out of the
# HTML, whose page header (title, place, year and navigation) replaces it; a chart's description
# becomes its ``alt`` text (see wuwei_analysis.report.html: PAGE_HEADER_METADATA, image_metadata).
def _is_page_header(output: Any) -> bool:
    return (output.get("metadata") or {}).get("wuwei", {}).get("part") == "header"


# Elements that run code, embed other documents or fetch things.
_ACTIVE_ELEMENTS = (
    "script",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "link",
    "base",
    "form",
    "portal",
    "audio",
    "video",
    "source",
    "track",
)
_URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "poster",
        "data",
        "background",
        "cite",
        "longdesc",
        "ping",
        "manifest",
        "codebase",
        "xlink:href",
        "imagesrcset",
    }
)
_SAFE_DATA_URI = re.compile(r"^\s*data:image/(png|jpe?g|gif|webp|svg\+xml)[;,]", re.I)
_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(?!\s*data:|#)[^)]*\)", re.I)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.I)

# What the check looks for: an attribute whose value reaches another host, a CSS url() or
# @import to one, or any script element. It reads the page with the standard library's
# tokenizer, independently of the BeautifulSoup pass in make_inert, and looks at markup only:
# text that merely mentions an address (escaped data, a quoted source) is not a reference.
_REMOTE = re.compile(r"(?:^|[\s,])(?:(?:https?|ftp|wss?):)?//", re.I)
_CSS_REMOTE = re.compile(r"url\(\s*['\"]?\s*(?:(?:https?|ftp):)?//|@import\b", re.I)


class _ReferenceFinder(HTMLParser):
    """Collects the places in a page that would load from another host or run a script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append("<script>")
        self._in_style = tag == "style"
        for name, value in attrs:
            value = value or ""
            if name in _URL_ATTRIBUTES and _REMOTE.search(value):
                self.found.append(f'{tag} {name}="{value}"')
            elif name == "style" and _CSS_REMOTE.search(value):
                self.found.append(f'{tag} style="{value}"')

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [m.group(0) for m in _CSS_REMOTE.finditer(data)]


def find_external_references(html: str) -> list[str]:
    """Every place in ``html`` that would make a browser contact another host, or run a script."""
    finder = _ReferenceFinder()
    finder.feed(html)
    finder.close()
    return finder.found


class ExternalReferenceError(ValueError):
    """The rendered HTML would still contact another host."""


def render_report(nb: Any, context: dict[str, Any]) -> str:
    """Render an executed notebook (``nbformat.NotebookNode``) as a shareable HTML page.

    ``context`` fills the page head, header and footer: ``html_lang``, ``title``, ``heading``,
    ``meta`` (``[label, value]`` pairs under the heading), ``footer``, ``footer_meta`` (pairs in
    the footer), and ``image_alt`` (text for images that carry no description of their own).
    """
    return _render(nb, context, set_aside=True)


def _render(nb: Any, context: dict[str, Any], set_aside: bool) -> str:
    reader = prepare_notebook(nb)
    images = _ImagesAside(reader) if set_aside else None
    body, _ = _exporter().from_notebook_node(reader, resources={"wuwei": context})
    if context.get("image_alt"):  # nbconvert's placeholder for images without a description
        body = body.replace(f'alt="{_NBCONVERT_ALT}"', f'alt="{html.escape(context["image_alt"])}"')
    soup = _soup(body)  # one parse and one serialisation for both passes (each pass costs ~0.05 s)
    _drop_inline_styles(soup)
    body = make_inert(soup)
    leftovers = find_external_references(body)
    if leftovers:
        raise ExternalReferenceError(f"HTML still refers to other hosts: {leftovers[:3]}")
    return images.put_back(body) if images else body


# Embedded images are most of a page's bytes (a chart is ~100-200 kB of base64, twice with its
# phone drawing), and every pass over the page (the template, both parsers, the serialiser, the
# check) walked them character by character. A payload of base64 characters holds no markup and
# no address, and HTML escaping leaves it as it is, so it is set aside as a short stand-in of
# base64 characters while the page is rendered and checked, and put back at the end.
_BASE64 = re.compile(r"[A-Za-z0-9+=][A-Za-z0-9+/=\s]*")  # not starting with "/": no "//" after ","
_ASIDE_MIMES = ("image/png", "image/jpeg", "application/vnd.wuwei.phone-png+base64")  # chart_files.PHONE_MIME


class _ImagesAside:
    """The base64 image payloads of a notebook's outputs, swapped for stand-ins (in place)."""

    def __init__(self, nb: Any) -> None:
        self.payloads: list[str] = []
        self.token = "wuweiImage" + secrets.token_hex(8)
        for cell in nb.cells:
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = output.get("data") or {}
                for mime in _ASIDE_MIMES:
                    value = data.get(mime)
                    if isinstance(value, str) and _BASE64.fullmatch(value):
                        data[mime] = f"{self.token}{len(self.payloads)}Z"
                        self.payloads.append(value)

    def put_back(self, page: str) -> str:
        return re.sub(rf"{self.token}(\d+)Z", lambda m: self.payloads[int(m.group(1))], page)


def _soup(html: str) -> Any:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def drop_inline_styles(html: str) -> str:
    """Remove the report parts' inline styles (for untrusted notebooks in JupyterLab, see
    ``report.html.INLINE``): on a published page its own stylesheets style the parts."""
    soup = _soup(html)
    _drop_inline_styles(soup)
    return str(soup)


def _drop_inline_styles(soup: Any) -> None:
    for part in soup.find_all(class_="wuwei-report"):
        for tag in [part, *part.find_all(True)]:
            tag.attrs.pop("style", None)


def prepare_notebook(nb: Any) -> Any:
    """A copy of ``nb`` holding only what a reader sees."""
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVED_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            outputs = [] if tags & REMOVED_OUTPUT_TAGS else cell.get("outputs", [])
            cell.outputs = [
                o
                for o in outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not _is_page_header(o)
            ]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


_EXPORTER = None


def _exporter():
    """One configured HTMLExporter per process (building its Jinja environment costs ~0.2 s)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(config.TEMPLATES_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            exclude_anchor_links=True,
            optimistic_validation=True,  # validate once, not after each of its 12 preprocessors
            mathjax_url="",
            require_js_url="",
            jquery_url="",
            mermaid_js_url="",
            mermaid_layout_elk_js_url="",
            jupyter_widgets_base_url="",
            widget_renderer_url="",
        )
    return _EXPORTER


def make_inert(html: str | Any) -> str:
    """Remove scripts, handlers, frames and references to other hosts from an HTML page.

    A link to another host becomes its text followed by the address in plain text, so a reader
    still sees where a figure comes from without the page linking out. ``html`` is text or an
    already parsed page (a BeautifulSoup, which is changed in place).
    """
    soup = _soup(html) if isinstance(html, str) else html
    for element in soup.find_all(_ACTIVE_ELEMENTS):
        if not _is_picture_source(element):
            element.decompose()
    for meta in soup.find_all("meta"):  # refresh, set-cookie…; a content security policy only restricts
        if meta.get("http-equiv") and str(meta.get("http-equiv")).lower() != "content-security-policy":
            meta.decompose()
    for style in soup.find_all("style"):
        style.string = _inert_css(style.get_text())
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            value = tag.attrs[name]
            text = " ".join(value) if isinstance(value, list) else str(value)
            lower = name.lower()
            if lower.startswith("on"):
                del tag.attrs[name]
            elif lower == "style":
                tag.attrs[name] = _inert_css(text)
            elif lower in _URL_ATTRIBUTES and not _is_local(
                text, allow_image_data=lower in ("src", "srcset")
            ):
                del tag.attrs[name]
                if tag.name == "a" and lower == "href" and _SCHEME.match(text or "") is not None:
                    _show_address(soup, tag, text)
    return str(soup)


def _is_picture_source(element: Any) -> bool:
    """A chart's phone rendering: ``<source srcset="data:image/…">`` in a ``<picture>``, nothing else."""
    return (
        element.name == "source"
        and element.parent is not None
        and element.parent.name == "picture"
        and set(element.attrs) <= {"media", "srcset", "type"}
        and bool(_SAFE_DATA_URI.match(str(element.get("srcset", ""))))
    )


def _is_local(value: str, *, allow_image_data: bool) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return True
    if allow_image_data and _SAFE_DATA_URI.match(value):
        return True
    if value.startswith("//") or value.startswith("\\\\"):
        return False
    scheme = _SCHEME.match(value)
    if scheme is None:
        return not _REMOTE.search(value)  # a relative path inside the reports folder
    return scheme.group(1).lower() == "mailto"


def _show_address(soup, anchor, address: str) -> None:
    if not address.lower().startswith(("http:", "https:", "ftp:")):
        return
    if address.strip() in anchor.get_text():
        return
    note = soup.new_tag("span", attrs={"class": "external-address"})
    note.string = f" ({address.strip()})"
    anchor.insert_after(note)


def _inert_css(css: str) -> str:
    css = _CSS_IMPORT.sub("", css)
    return _CSS_URL.sub("none", css)
