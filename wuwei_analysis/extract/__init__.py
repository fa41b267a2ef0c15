"""Draft figure rows from an article's text, for an analyst to review (``wuwei extract``).

``text`` reads the article, ``figures`` finds the figures and the numbers that are not figures,
``context`` guesses theme, status, period, place, name and quote, ``draft`` builds the rows and the
summary. Word lists live in ``data/reference/extract_keywords.csv``.
"""

from __future__ import annotations

from pathlib import Path

from wuwei_analysis import config
from wuwei_analysis.errors import EXIT_BAD_INPUT, WuweiError, relative_name
from wuwei_analysis.extract.draft import DRAFT_COLUMNS, Draft, Options, draft_article, summary, write_draft
from wuwei_analysis.extract.text import ArticleError, read_article

__all__ = ["DRAFT_COLUMNS", "Draft", "Options", "ArticleError", "extract", "run"]


class RawFolderError(WuweiError):
    """The draft would land in data/raw/, which only an analyst writes, after review."""

    exit_status = EXIT_BAD_INPUT


def extract(article: Path | str, options: Options | None = None) -> Draft:
    """Read `article` and draft its figure rows."""
    return draft_article(read_article(article), options or Options())


def run(
    article: Path | str, out: Path | str, options: Options | None = None, raw_dir: Path = config.RAW_DATA_DIR
) -> str:
    """`wuwei extract`: refuse an output in the raw folder, draft, write, and return the summary."""
    out = Path(out)
    target, raw = out.resolve(), Path(raw_dir).resolve()
    if target == raw or raw in target.parents:
        raise RawFolderError(
            f"{relative_name(out)}: refusing to write a draft into {relative_name(raw_dir)}/ "
            "(review it first, then copy the rows there yourself)"
        )
    draft = extract(article, options)
    write_draft(draft, out)
    return summary(draft, relative_name(out))
