"""One build at a time per reports folder: ``reports/.wuwei-build.lock``, held with ``flock``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from wuwei_analysis import errors
from wuwei_analysis.build.folders import LOCK_NAME, writing
from wuwei_analysis.build.progress import now
from wuwei_analysis.build.site_index import display_time


@contextlib.contextmanager
def build_lock(reports: Path) -> Iterator[None]:
    """Hold ``reports/.wuwei-build.lock``; a second build gets :class:`BuildBusyError`.

    ``flock`` is released by the kernel when the holder exits, even on SIGKILL, so a killed
    build never leaves a stale lock behind. ``fcntl`` is imported here, not at the top, so that
    the commands that never build (``wuwei check``, ``wuwei clean``) import nothing POSIX-only.
    """
    import fcntl

    path = reports / LOCK_NAME
    with writing(reports, "create the build lock"):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise errors.BuildBusyError(
                f"another build is running in {errors.relative_name(reports)} ({holder}); "
                "wait for it to finish, then run again"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, started {display_time(now())}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
