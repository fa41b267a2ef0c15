"""What a build tells the person running it: one line per event, colour only on a terminal."""

from __future__ import annotations

import datetime as dt
import os
from typing import TextIO

from wuwei_analysis.errors import printable, printable_lines


def now() -> str:
    """The local time, to the second, as ISO 8601 with its offset (what the manifest records)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Progress:
    """One line per event; colour only on a terminal (and never with ``NO_COLOR``)."""

    _COLOURS = {"ok": "32", "FAIL": "31;1", "skip": "2", "run": "36", "plan": "36"}

    def __init__(self, stream: TextIO):
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty()) and os.environ.get("NO_COLOR") is None

    def job(self, number: int, total: int, label: str, verb: str, detail: str, attempts: int = 1) -> None:
        """``[ 3/14] ok    health/en  12.3s``: one notebook's step."""
        width = len(str(total))
        word = f"{verb:<5}"
        if self.tty:
            word = f"\033[{self._COLOURS.get(verb, '0')}m{word}\033[0m"
        retry = f" (kernel start retried {attempts - 1}x)" if attempts > 1 else ""
        label, detail = printable(label), printable_lines(detail)  # only our colour codes stay raw
        self._print(f"[{number:>{width}}/{total}] {word} {label:<24} {detail}{retry}")

    def note(self, text: str) -> None:
        self._print(printable_lines(text))

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)
