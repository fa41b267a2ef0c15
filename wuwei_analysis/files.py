"""Atomic writes and SHA-256 hashes: the one writer and the one hasher of the package.

Every file the package writes goes through :func:`atomic_path`: the new content lands in a
temporary file beside the target, is fsynced, and replaces the target in one step, so a reader
never sees a half-written file and a failed write leaves the previous file intact.

Standard library only: the build's no-op path hashes files with it and must stay light.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

NEW_FILE_MODE = 0o666  # narrowed by the umask, as for any newly created file
HASH_CHUNK_BYTES = 1 << 20


# --- writing -----------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(path: Path, scratch: Path | None = None, *, sync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The temporary file (``.{name}.{random}.tmp``) is created empty; write to it inside the
    block. It is fsynced and renamed onto ``path`` when the block ends normally, and removed if
    the block raises, leaving any previous ``path`` untouched. Parent folders are created.
    ``scratch`` is a folder on the same file system to hold the temporary instead (the build's
    staging folder, so that a killed build leaves nothing beside the published files).
    ``sync=False`` leaves out the fsyncs, for a file that need not outlive a crash (the build's
    chart cache, deleted with its staging folder): the rename is still atomic for every reader.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _create_temporary(Path(scratch) / path.name if scratch else path)
    try:
        yield temporary
        if sync:
            _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync:
        _fsync_directory(path.parent)


def _create_temporary(path: Path) -> Path:
    """Create a new empty file ``.{name}.{random}.tmp`` in the folder of ``path``."""
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, NEW_FILE_MODE)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate


def _fsync(path: Path) -> None:
    """Flush a file's content to disk."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk where the platform allows it."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        # Some file systems (network mounts) refuse fsync on folders; the data itself is synced.
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write_bytes(path: Path, data: bytes, scratch: Path | None = None, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (``scratch`` and ``sync``: see :func:`atomic_path`)."""
    with atomic_path(path, scratch, sync=sync) as temporary:
        temporary.write_bytes(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, without newline translation."""
    atomic_write_bytes(path, text.encode(encoding))


def write_files(files: dict[Path, bytes]) -> None:
    """Write several files so that none is replaced unless all were written in full.

    Every file goes to a temporary beside its target first; only then are they renamed into
    place. A failure while writing (a full disk, say) leaves every previous file as it was.
    """
    with contextlib.ExitStack() as stack:
        for path, data in files.items():
            Path(stack.enter_context(atomic_path(path))).write_bytes(data)


# --- hashes ------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` encoded as UTF-8."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_json(value: Any) -> str:
    """Hex SHA-256 of a JSON-able value, independent of dict order."""
    return sha256_text(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def stat_key(path: Path) -> str:
    """``size:mtime_ns`` of a file: what changes when it is written, read without reading it."""
    found = Path(path).stat()
    return f"{found.st_size}:{found.st_mtime_ns}"
