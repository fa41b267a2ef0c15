"""Problems found in user input, and the exceptions that carry them.

A user mistake is reported as one or more :class:`Problem` rows (file, line,
column, value, rule, hint) and a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

# Exit statuses of the `wuwei` command (documented in the README).
EXIT_OK = 0
EXIT_FAILED = 1  # a notebook or report failed; the last good report is kept
EXIT_BAD_INPUT = 2  # raw data or parameters are invalid; nothing was written
EXIT_BUSY = 3  # another build holds the lock
EXIT_OUTPUT = 4  # the output folder cannot be written
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): stopped cleanly, nothing half-written
EXIT_TERMINATED = 143  # SIGTERM (cron's `timeout`, `kill`): handled like Ctrl-C

# OSError numbers that mean an output folder is unusable (read-only, full, not a folder, a file
# in the way), as opposed to a bug: reported as :class:`OutputError` and exit status 4.
# EISDIR: a folder where a file (the lock) should be; EINVAL: a pseudo-filesystem such as /proc.
OUTPUT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.EDQUOT,
        errno.ENOTDIR,
        errno.EEXIST,
        errno.EISDIR,
        errno.EINVAL,
    }
)


# C0 and C1 controls, DEL, line and paragraph separators and the bidirectional overrides: any of
# them printed raw can clear, retitle or reorder a terminal, or break a table row.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with control characters shown escaped (``\\x1b``, ``\\u202e``), safe for a terminal."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), str(text))


def printable_lines(text: str) -> str:
    """:func:`printable` for a message of several lines: the line breaks stay."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int | None = None
    column: str = ""
    value: str = ""
    rule: str = ""
    hint: str = ""

    def __str__(self) -> str:
        where = printable(self.file)
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {printable(repr(self.column))}"
        text = f"{where}: {printable(self.rule)}"
        if self.value != "":
            text += f" (value {printable(repr(self.value))})"
        if self.hint:
            text += f" — {printable(self.hint)}"
        return text


class WuweiError(Exception):
    """Base class for errors the `wuwei` command reports without a traceback."""

    exit_status = EXIT_FAILED


class DataError(WuweiError):
    """Raw data broke one or more rules; carries every problem found."""

    exit_status = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_key)
        super().__init__(
            f"{len(self.problems)} problem(s) in the raw data:\n" + format_problems(self.problems)
        )


class ParameterError(WuweiError):
    """A notebook or build parameter is unknown or has a value outside the allowed ones."""

    exit_status = EXIT_BAD_INPUT


class BuildBusyError(WuweiError):
    """Another build is running in the same reports folder."""

    exit_status = EXIT_BUSY


class OutputError(WuweiError):
    """An output folder cannot be written (read-only, full, missing)."""

    exit_status = EXIT_OUTPUT


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop the way Ctrl-C stops (exit 143 instead of 130)."""


def _problem_key(problem: Problem) -> tuple:
    return (problem.file, problem.line if problem.line is not None else -1, problem.column, problem.rule)


def format_problems(problems: list[Problem]) -> str:
    """Render problems one per line, sorted by file and line."""
    return "\n".join(str(p) for p in problems)


def relative_name(path: Path | str) -> str:
    """A short, stable name for a file in messages: relative to the cwd when possible."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
