"""`-` for standard input where a command reads one file (issue 18): `feoc import ftm - --out DIR`, `feoc import
csv - --out DIR`, `feoc test -`.

A FILE argument that is a FIFO or a device is refused without being opened (load/ftm.py, load/csv_master.py,
load/scan.py: opening a named pipe nobody writes to blocks forever, `/dev/zero` never ends). `-` is the explicit
opt-in to a stream: standard input is read whole, up to `MAX_FILE_BYTES` (64 MiB, the bound of a dataset file;
a larger input is refused, never cut short: save it to a file and name the file), before any of it is
parsed. Problems name the file `<stdin>`, with the line numbers of what was read. Empty input is an input error
naming what was expected. A file really named `-` is written `./-`.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from feoc.data.problems import InputError, Problem
from feoc.data.yamlio import MAX_FILE_BYTES

STDIN = "-"
STDIN_NAME = "<stdin>"


def is_stdin(path: Path | str) -> bool:
    """Whether the FILE argument is `-` (standard input); `./-` is a file of that name."""
    return str(path) == STDIN


def read_stdin(what: str) -> bytes:
    """All of standard input, at most MAX_FILE_BYTES; InputError naming `<stdin>` if it is closed, empty or
    larger. `what` says what was expected (`FtM JSON lines`) for the fix."""
    stream = sys.stdin
    if stream is None:  # started with stdin closed (`<&-`)
        raise InputError([Problem(STDIN_NAME, 0, "standard input is closed", f"pipe {what} into feoc, or name the file")])
    try:
        raw = getattr(stream, "buffer", None)  # a text stream without bytes underneath (a test's StringIO): its text
        data = raw.read(MAX_FILE_BYTES + 1) if raw is not None else stream.read(MAX_FILE_BYTES + 1).encode("utf-8")
    except (OSError, ValueError) as exc:
        raise InputError([Problem(STDIN_NAME, 0, f"cannot read standard input ({exc})",
                                  f"pipe {what} into feoc, or name the file")]) from None
    if not data:
        raise InputError([Problem(STDIN_NAME, 0, "standard input is empty", f"pipe {what} into feoc, e.g. "
                                  "`cat FILE | feoc …`, or name the file")])
    if len(data) > MAX_FILE_BYTES:
        raise InputError([Problem(STDIN_NAME, 0, f"standard input is over the {MAX_FILE_BYTES} byte limit",
                                  "save it to a file and name the file (FtM JSON lines of any size are read "
                                  "from a file line by line)" if what.startswith("FtM") else
                                  "save it to a file and split it")])
    return data


def read_bounded(path: Path, what: str, fix: str) -> bytes:
    """The bytes of the regular file `path`, at most MAX_FILE_BYTES, for the importers that read one file whole
    (`import bods`, `import csv`, `import gleif`). InputError naming the file: a device, FIFO or folder (never
    opened: opening a named pipe nobody writes to blocks) with the fix `what` (e.g. "give a CSV file"); a file
    over the limit with the fix `fix` (how to split it); a file that cannot be read."""
    name = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(name, 0, "not a regular file (a device, FIFO or folder)", what)])
        if info.st_size > MAX_FILE_BYTES:
            raise InputError([Problem(name, 0, f"file is {info.st_size} bytes, over the {MAX_FILE_BYTES} byte limit",
                                      fix)])
        return path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise InputError([Problem(name, 0, f"cannot read the file ({exc.strerror})", "check the path")]) from None
