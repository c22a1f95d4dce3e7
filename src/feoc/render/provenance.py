"""The source quotes behind every record a report uses, as numbered footnotes (the content hashes that
make a report reproducible are computed where the files are read: `feoc.load.hashes`)."""

from __future__ import annotations

from typing import Any

from feoc.data.dataset import Dataset
from feoc.render.sanitize import md


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
            # the doc is the citation: its URL stays a live link (every other dataset text breaks them)
            used = ", ".join(md(x) for x in self._labels[n])
            lines.append(f"[^{n}]: {md(doc, links=True)} — “{md(quote)}” (for: {used})")
        return lines


def holdings_between(dataset: Dataset, holder: str, entity: str, day: Any) -> list[Any]:
    return [h for h in dataset.holdings if h.holder == holder and h.entity == entity and h.in_force(day)]
