"""Where each loaded record came from: its file and index (`Dataset.origins`), and its `file:line`.

The index is compact (one entry per run of records read from one file, not one per record) and is
consulted only when a problem is reported; lines are found by composing the file only then.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Mapping

from feoc.data.dataset import Dataset, Origin
from feoc.data.problems import Problem
from feoc.data.yamlio import LineFinder
from feoc.load.parquet import where
from feoc.load.scan import is_table_name
from feoc.load.validation import record_message


class OriginRuns(Mapping):
    """`(kind, position) -> Origin`, built on access from runs of records that came from one file."""

    def __init__(self) -> None:
        self._runs: dict[str, list[tuple[int, str, int]]] = defaultdict(list)  # kind -> [(first pos, file, first index)]
        self._starts: dict[str, list[int]] = defaultdict(list)
        self._count: dict[str, int] = defaultdict(int)

    def add_run(self, kind: str, file: str, indexes: list[int] | range) -> None:
        """Records `indexes` of `file` (ascending) were appended, in order, to the records of `kind`."""
        pos = self._count[kind]
        if isinstance(indexes, range) and indexes.step == 1:  # the usual case: the whole list was valid
            if indexes:
                self._runs[kind].append((pos, file, indexes.start))
                self._starts[kind].append(pos)
            self._count[kind] = pos + len(indexes)
            return
        prev = None
        for offset, index in enumerate(indexes):
            if prev is None or index != prev + 1:
                self._runs[kind].append((pos + offset, file, index))
                self._starts[kind].append(pos + offset)
            prev = index
        self._count[kind] = pos + len(indexes)

    def __getitem__(self, key: tuple[str, int]) -> Origin:
        kind, pos = key
        if kind not in self._runs or not isinstance(pos, int) or not 0 <= pos < self._count[kind]:
            raise KeyError(key)
        run = self._runs[kind][bisect.bisect_right(self._starts[kind], pos) - 1]
        return Origin(run[1], kind, run[2] + pos - run[0])

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for kind, count in self._count.items():
            for pos in range(count):
                yield (kind, pos)

    def __len__(self) -> int:
        return sum(self._count.values())


class Locator:
    """Turns (kind, position in Dataset) into file:line, composing each file at most once."""

    def __init__(self, dataset: Dataset, finders: dict[str, LineFinder]):
        self.dataset, self.finders = dataset, finders

    def __call__(self, kind: str, position: int, *rest: str | int) -> tuple[str, int]:
        origin = self.dataset.origins.get((kind, position))
        if origin is None:
            return (self.dataset.source_label, 0)
        finder = self.finders.get(origin.file)
        return origin.file, finder.line((kind, origin.index) + rest) if finder else 0

    def problem(self, kind: str, position: int, path: tuple, message: str, fix: str, *, record: bool = False) -> Problem:
        """A problem of one record: at its `file:line` in YAML (`record`: after `entities[3] field:`, the form of
        a problem found in one record), at `row N, column X` in a Parquet table (issue 17), the same words after."""
        origin = self.dataset.origins.get((kind, position))
        if origin is not None and is_table_name(origin.file):
            column = ".".join(str(step) for step in path)
            return Problem(origin.file, 0, f"{where(origin.index, column or None)}: {message}", fix)
        file, line = self(kind, position, *path)
        if record:
            message = record_message(kind, self.index(kind, position), str(path[0]) if path else "record", message)
        return Problem(file, line, message, fix)

    def place(self, kind: str, position: int, *path: str | int) -> str:
        """`file:line`, or `file (row N, column X)` for a table: where a record is, to name it in another problem."""
        origin = self.dataset.origins.get((kind, position))
        if origin is not None and is_table_name(origin.file):
            return f"{origin.file} ({where(origin.index, '.'.join(map(str, path)) or None)})"
        file, line = self(kind, position, *path)
        return f"{file}:{line}"

    def index(self, kind: str, position: int) -> int:
        """The record's index in the list of its file (its position when it came from no file)."""
        origin = self.dataset.origins.get((kind, position))
        return origin.index if origin is not None else position
