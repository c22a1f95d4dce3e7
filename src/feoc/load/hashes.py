"""Content hashes of the inputs (a dataset folder, a rules folder): a report names them so that a reader can
reproduce it from the very same files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from feoc.load.folder import dataset_files


def content_hash(root: Path, files: Iterable[Path]) -> str:
    """sha256 over (relative path, bytes) of each file, in sorted order: independent of where the folder is."""
    digest = hashlib.sha256()
    base = root if root.is_dir() else root.parent
    for path in sorted(files, key=lambda p: p.relative_to(base).as_posix()):
        digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dataset_hash(folder: Path) -> str:
    return content_hash(folder, dataset_files(folder))


def rules_hash(folder: Path) -> str:
    return content_hash(folder, (p for p in folder.rglob("*.yaml") if p.is_file()))
