"""Read an article (.txt in UTF-8 or GB18030, or an .html page) into plain text, and cut it into
paragraphs, sentences and clauses by character offsets.

Offsets index the text exactly as read (after line endings are unified), so a quote cut from it is
verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wuwei_analysis.errors import EXIT_BAD_INPUT, WuweiError, relative_name

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
# Tags whose text is never article text.
DROPPED_TAGS = ("script", "style", "noscript", "template", "head")
# Tags that end a line in the rendered page; text inside inline tags (<span>73</span>所) stays joined.
BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "figcaption", "figure", "title",
)  # fmt: skip
SENTENCE_END = "。！？!?；;"
CLAUSE_END = SENTENCE_END + "，,：:"


class ArticleError(WuweiError):
    """The article cannot be read: missing, undecodable, or of a kind we do not read."""

    exit_status = EXIT_BAD_INPUT


@dataclass(frozen=True)
class Article:
    """An article's plain text and where it came from."""

    path: Path
    text: str

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return self.text.count("\n", 0, offset) + 1


def read_article(path: Path | str) -> Article:
    """Read a .txt (UTF-8, then GB18030) or .html file into an `Article`; ArticleError otherwise."""
    path = Path(path)
    name = relative_name(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        known = ", ".join(TEXT_SUFFIXES + HTML_SUFFIXES)
        kind = f"{suffix} files" if suffix else "a file without a suffix"
        raise ArticleError(f"{name}: cannot read {kind} (use {known})")
    if not path.is_file():
        raise ArticleError(f"{name}: no such file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"{name}: cannot be read ({error.strerror})") from error
    text = _decode(data, name)
    if suffix in HTML_SUFFIXES:
        text = html_text(text)
    return Article(path=path, text=text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (strictly, BOM allowed) first, so UTF-8 is never misread as GB18030; then GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ArticleError(f"{name}: not UTF-8 or GB18030 text")


def html_text(markup: str) -> str:
    """The visible text of an HTML page: scripts and styles dropped, one line per block element."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (line.strip() for line in soup.get_text("").splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True)
class Span:
    """A piece of the text by offsets [start, end)."""

    start: int
    end: int


def paragraph_at(text: str, offset: int) -> Span:
    """The line (a paragraph of the article) holding `offset`."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return Span(start, len(text) if end < 0 else end)


def _bounded(text: str, offset: int, stops: str, within: Span) -> Span:
    start = offset
    while start > within.start and text[start - 1] not in stops:
        start -= 1
    end = offset
    while end < within.end and text[end] not in stops:
        end += 1
    return Span(start, end)


def sentence_at(text: str, offset: int) -> Span:
    """The sentence (up to 。！？；) holding `offset`, within its paragraph."""
    return _bounded(text, offset, SENTENCE_END, paragraph_at(text, offset))


def clause_at(text: str, offset: int) -> Span:
    """The clause (up to ，：or a sentence end) holding `offset`, within its paragraph."""
    return _bounded(text, offset, CLAUSE_END, paragraph_at(text, offset))
