"""Atomic file writes: a reader (or an interrupted run) sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: str) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # left by an interrupted earlier run
            stale.unlink(missing_ok=True)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def leftover_temporaries(out_dir: Path) -> list[str]:
    """Temporary files of write_atomically that an interrupted run left behind (`.NAME.XXXXXXXX.tmp`)."""
    if not out_dir.is_dir():
        return []
    return sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob(".*.tmp") if p.is_file())
