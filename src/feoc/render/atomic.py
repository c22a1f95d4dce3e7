"""Atomic file writes: a reader (or an interrupted run) sees the old file or the new one, never half of one.

Files are created by `mkstemp`, which makes them mode 0600; they are given the mode a plain `open()` would
have given them (0666 less the umask) before the rename, so a report folder is as readable as any other file
the user writes (issue 15, class 7: "written files become mode 0600 instead of following the umask").
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from pathlib import Path

_UMASK_LINE = re.compile(r"^Umask:\s*([0-7]+)$", re.M)


@functools.cache
def file_mode() -> int:
    """0666 less the process umask, read once. Linux shows the umask in /proc/self/status, which reads it
    without changing it; elsewhere it is set and put back at once (os.umask is the only portable reader)."""
    try:
        found = _UMASK_LINE.search(Path("/proc/self/status").read_text(encoding="ascii", errors="replace"))
    except OSError:
        found = None
    if found:
        mask = int(found.group(1), 8)
    else:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: Path, content: str, tidy: bool = True) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over the target.

    The caller holds the folder's lock (render/outdir.py) when other runs may write the same file: the
    temporary files of earlier, interrupted runs for the same name are removed here, and without the lock
    that could be another live run's temporary file (issue 15: two runs at once). `tidy=False` leaves
    that to the caller (a report run tidies its whole folder once, rather than listing it per file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        for stale in temporaries_of(path) if tidy else []:  # left by an interrupted earlier run
            stale.unlink(missing_ok=True)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_TEMPORARY = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")  # mkstemp's shape: .NAME. + 8 of [a-z0-9_] + .tmp


def temporary_owner(entry: str) -> str | None:
    """The file name a temporary file of `write_atomically` belongs to (`.NAME.XXXXXXXX.tmp` → NAME), or None
    for any other name: a user's `.NAME.backup.tmp` is not ours to remove (issue 15, class 1: every `.*.tmp`
    below the folder was removed)."""
    found = _TEMPORARY.fullmatch(entry)
    return found.group(1) if found else None


def temporaries_of(path: Path) -> list[Path]:
    """The temporary files `write_atomically` may have left for `path`, and nothing else."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / name for name in sorted(names) if temporary_owner(name) == path.name]
