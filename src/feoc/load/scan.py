"""Which files of a dataset folder are read, and what is reported instead (issue 15, class 2: a file named
`sanctions.YAML`, an unreadable subfolder or a FIFO were skipped silently and a listing was lost).

The rule, also in README.md ("The dataset format"):
- a regular file whose name ends in `.yaml` or `.yml`, in any case (`.YAML`, `.Yml`), is read;
- a regular file whose name ends in `.parquet` (any case) is read as a table of one record kind, named by the
  file (`entities.parquet`; issue 17, `feoc.load.parquet`); a Parquet file named after no kind is an input error;
- `.feoc-convert.sha256`, the list of files `feoc convert` wrote there, is not read and not reported;
- a name starting with `.` (a hidden file or folder: editors' backups, `.git`, feoc's own temporary
  import folders) is not read and is reported as skipped, once per hidden entry (not per file inside it);
- any other regular file (a README, the CSV a folder was imported from) is not read and is reported as skipped;
- a symbolic link to a folder is not followed (a link loop must not hang the loader) and is reported as skipped;
- a folder that cannot be listed, a FIFO, socket or device (never opened: opening one can block forever),
  and a YAML-named link that points nowhere are input errors naming the path: the data they may hold
  cannot be read, so no verdict is given without them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from feoc.data.problems import InputError, Problem

YAML_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIX = ".parquet"
CONVERT_MANIFEST = ".feoc-convert.sha256"  # what `feoc convert` wrote into a folder: its own file, not reported
_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


@dataclass
class FolderScan:
    """The YAML and Parquet files to read (sorted), one line per entry not read, and the entries that are input errors."""

    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_yaml_name(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES)


def is_table_name(name: str) -> bool:
    """A Parquet table of one record kind (`entities.parquet`)."""
    return name.lower().endswith(TABLE_SUFFIX)


def is_dataset_name(name: str) -> bool:
    return is_yaml_name(name) or is_table_name(name)


def _special(mode: int) -> str:
    return next((what for test, what in _SPECIAL if test(mode)), "not a regular file")


def scan_folder(folder: Path) -> FolderScan:
    """Walk `folder` (without following links to folders) and sort every entry into read, skipped or refused."""
    out = FolderScan()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            out.problems.append(Problem(str(current), 0, f"cannot list the folder ({exc.strerror or exc})",
                                        "make it readable (chmod u+rx) or move it out of the dataset folder"))
            continue
        for entry in entries:
            _sort_entry(entry, out, stack)
    out.files.sort()
    return out


def _sort_entry(entry: os.DirEntry[str], out: FolderScan, stack: list[Path]) -> None:
    path = Path(entry.path)
    if entry.name == CONVERT_MANIFEST:
        return
    if entry.name.startswith("."):
        out.skipped.append(f"{path}: hidden (name starts with `.`): not read")
        return
    try:
        if entry.is_dir(follow_symlinks=False):
            stack.append(path)
            return
        mode = entry.stat(follow_symlinks=True).st_mode  # stat never opens: a FIFO cannot block here
    except OSError as exc:
        if is_dataset_name(entry.name):
            out.problems.append(Problem(str(path), 0, f"cannot read the file ({exc.strerror or exc}: a broken link?)",
                                        "point the link at a file, or remove it"))
        else:
            out.skipped.append(f"{path}: a link that points nowhere: not read")
        return
    if stat.S_ISDIR(mode):
        out.skipped.append(f"{path}: a link to a folder: not followed (copy the folder in to have it read)")
    elif stat.S_ISREG(mode):
        if is_dataset_name(entry.name):
            out.files.append(path)
        else:
            out.skipped.append(f"{path}: not a .yaml, .yml or .parquet file: not read")
    else:
        out.problems.append(Problem(str(path), 0, f"{_special(mode)}, not a file: feoc never opens one",
                                    "remove it or move it out of the dataset folder"))


# neutral on how the path was given: `validate` and `convert` take it as an argument, the others as --data PATH
_GIVE_A_DATASET = "give the path of a dataset folder of YAML or Parquet files, or of one such file"


def dataset_scan(folder: Path) -> FolderScan:
    """The scan of a dataset path (a folder, or one YAML file or Parquet table); InputError if it cannot be read as a whole."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        raise InputError([Problem(str(folder), 0, "no such dataset folder or file", _GIVE_A_DATASET)]) from None
    if stat.S_ISREG(mode):
        return FolderScan(files=[folder])
    if not stat.S_ISDIR(mode):
        raise InputError([Problem(str(folder), 0, f"{_special(mode)}, not a dataset folder or file", _GIVE_A_DATASET)])
    scan = scan_folder(folder)
    if scan.problems:
        raise InputError(scan.problems)
    if not scan.files:
        raise InputError([Problem(str(folder), 0, "the folder holds no .yaml or .parquet files",
                                  "add dataset files, or give the path of another dataset folder")])
    return scan


__all__ = ["FolderScan", "dataset_scan", "is_dataset_name", "is_table_name", "is_yaml_name", "scan_folder"]
