"""What a reader needs to reproduce a report: content hashes of the dataset and the rules, and the
source quotes behind every record a report uses (as numbered footnotes)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

from feoc.data.dataset import Dataset
from feoc.load.folder import dataset_files
from feoc.render.escape import md


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


class Footnotes:
    """Numbered footnotes quoting each distinct source once, in order of first use."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._labels: dict[int, list[str]] = {}

    def cite(self, record: Any, label: str) -> str:
        """Footnote references for a record's sources (empty when it has none)."""
        return self.cite_all([(record, label)])

    def cite_all(self, records: list[tuple[Any, str]]) -> str:
        """Footnote references for several records' sources, each source once."""
        refs: list[str] = []
        for record, label in records:
            refs += [r for r in self._refs(record, label) if r not in refs]
        return "".join(refs)

    def _refs(self, record: Any, label: str) -> list[str]:
        refs = []
        for src in getattr(record, "sources", ()) or ():
            key = (src.doc, src.quote)
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers) + 1
                self._labels[self._numbers[key]] = []
            n = self._numbers[key]
            if label not in self._labels[n]:
                self._labels[n].append(label)
            refs.append(f"[^{n}]")
        return refs

    def render(self) -> list[str]:
        lines = []
        for (doc, quote), n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            used = ", ".join(md(x) for x in self._labels[n])
            lines.append(f"[^{n}]: {md(doc)} — “{md(quote)}” (for: {used})")
        return lines


def holdings_between(dataset: Dataset, holder: str, entity: str, day: Any) -> list[Any]:
    return [h for h in dataset.holdings if h.holder == holder and h.entity == entity and h.in_force(day)]
