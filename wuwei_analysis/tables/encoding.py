"""Detect a raw text file's encoding and decode it, reporting every undecodable byte sequence.

Raw tables come from many editors: UTF-8 with or without a BOM, UTF-16 from Excel, GBK/GB18030
from older Chinese software. A file in the wrong encoding is a problem naming the line, never
a silent mojibake.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}
# Tried in this order after the BOMs: strict UTF-8 first, because short Chinese UTF-8 text is
# often also valid GBK (e.g. "武威" reads as "姝﹀▉"); GB18030 is a superset of GBK and GB2312.
STRICT_CANDIDATES = ("utf-8", "gb18030")
# After this many bad byte sequences the rest of the file is decoded with replacement characters
# and not reported further: a few lines are enough to show the file is in the wrong encoding.
MAX_UNDECODABLE_REPORTED = 50
REPLACEMENT_CHAR = "\ufffd"
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what io.StringIO(newline="") and csv count as a line


class BadBytes(NamedTuple):
    """An undecodable byte sequence and the physical line it sits on."""

    line: int
    data: bytes


def detect_encoding(data: bytes) -> str:
    """Name the encoding of ``data``, raising ``UnicodeDecodeError`` if it decodes in none.

    A UTF-8 BOM gives ``'utf-8-sig'``, a UTF-16 BOM ``'utf-16'``; otherwise strict UTF-8 wins
    over GB18030 (a superset of GBK), so UTF-8 is never mis-read as GBK.
    """
    encoding = likely_encoding(data)
    codec, bom_length = _codec_and_bom(data, encoding)
    data[bom_length:].decode(codec)  # raises for bytes the best candidate cannot decode
    return encoding


def likely_encoding(data: bytes) -> str:
    """The encoding a file was most likely meant to be in, even if some bytes are bad."""
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    if data[:2] in UTF16_BOMS:
        return "utf-16"
    for candidate in STRICT_CANDIDATES:
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return _guess_damaged_encoding(data)


def _guess_damaged_encoding(data: bytes) -> str:
    """UTF-8 if most of its non-ASCII sequences are valid UTF-8, else GB18030."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT_CHAR)
    good = sum(1 for char in text if ord(char) > 0x7F) - bad
    return "utf-8" if good > bad else "gb18030"


def _codec_and_bom(data: bytes, encoding: str) -> tuple[str, int]:
    """The BOM-free codec to decode ``data`` with, and the length of the BOM to skip."""
    if encoding == "utf-8-sig":
        return "utf-8", len(UTF8_BOM)
    if encoding == "utf-16":
        return UTF16_BOMS.get(data[:2], "utf-16-le"), 2 if data[:2] in UTF16_BOMS else 0
    return encoding, 0


def decode_reporting(data: bytes, encoding: str) -> tuple[str, list[BadBytes]]:
    """Decode ``data``, replacing bad byte sequences by U+FFFD and noting their lines."""
    codec, position = _codec_and_bom(data, encoding)
    pieces: list[str] = []
    bad: list[BadBytes] = []
    line_breaks = 0
    while True:
        if len(bad) >= MAX_UNDECODABLE_REPORTED:
            pieces.append(data[position:].decode(codec, errors="replace"))
            break
        try:
            pieces.append(data[position:].decode(codec))
            break
        except UnicodeDecodeError as err:
            good = data[position : position + err.start].decode(codec)
            line_breaks += len(LINE_BREAK.findall(good))
            bad.append(BadBytes(line_breaks + 1, data[position + err.start : position + err.end]))
            pieces.extend((good, REPLACEMENT_CHAR))
            position += err.end
    return "".join(pieces), bad
