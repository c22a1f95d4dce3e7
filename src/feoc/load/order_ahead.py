"""The entities' id order sorted ahead, in a thread, while a compact load goes on.

Issue 17, time: the bulk path sorts every entity's id once (`data/id_order.py`: 0.7 s at 10^6 entities on this
machine, ~13 s at 10^7), on one core, after the load. Arrow sorts without the GIL, so the sort runs in a thread once
the last file that may hold entities has been read: for tables, beside the read of the holdings table (whose Arrow
decoding shares the cores with it: the load takes a little longer, the analysis's sort is gone; bench/README.md,
session 28), and the load hands the order over with the list it sorted (`SortedIds`).

Only where the caller asks (`load_dataset(sort_ids=True)`: `feoc screen`'s bulk path; not `feoc convert`, which
would sort for nothing) and only from `AHEAD_FROM` ids. A folder of Parquet tables, which the load reads in this
process (no worker process is forked while the thread runs), starts the sort as soon as its entities table is in,
where the ids are one part (`taken`). Any other folder (YAML files, which may each hold entities and are read by
forked workers; entities in several tables) starts it once every file is read and the workers are gone (`all_in`),
beside the rest of the load: the holdings' references (`share_entity_ids`), the rows and the pending checks, up to
the Dataset, which takes the order (a 1M YAML screen's sort, ~1 s, left the analysis's path: bench/README.md,
session 30). Always on exactly what `id_order` would be given later, the very object, so the order is the same by
construction. The thread is joined before the load returns, and when anything in the load fails (a caller may fork
next: `OrderAhead` is a context around all of it); only Ctrl-C leaves it, a daemon thread, to end with the process.
The sort is only ever a head start: a thread that cannot start, or a sort that fails, leaves the order to the bulk
path, which sorts (and fails) as it always did."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from feoc.data.id_order import ARROW_FROM, SortedIds, id_order
from feoc.load.parquet import table_kind
from feoc.load.scan import is_table_name

AHEAD_FROM = ARROW_FROM  # ids: below this the sort takes milliseconds, not worth a thread


class OrderAhead:
    """Told of each file the load has taken in (`taken`), it starts the sort once every file that may hold entities
    is in, or, for a folder where that cannot be known while reading, once every file is read (`all_in`);
    `sorted_ids` waits for it and gives the order of the list it sorted. A context around the whole load: anything
    that fails in it joins the thread on the way out (not Ctrl-C, which stops at once)."""

    def __init__(self, files: Sequence[Path], wanted: bool):
        """`wanted`: a compact load asked for the order (`load_dataset(sort_ids=True)`), else nothing is sorted."""
        tables_only = wanted and bool(files) and all(is_table_name(path.name) for path in files)
        self._waiting = {str(path) for path in files if table_kind(path) == "entities"} if tables_only else set()
        self._wanted = wanted
        self._side: Any = None
        self._sorted: SortedIds | None = None

    def __enter__(self) -> OrderAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is not None and not issubclass(kind, KeyboardInterrupt):
            self.sorted_ids()

    def taken(self, name: str, id_parts: Sequence[Sequence[str]]) -> None:
        """File `name` is in; `id_parts`: the entities' ids read so far, one part a file."""
        if not self._waiting:
            return
        self._waiting.discard(name)
        if self._waiting or len(id_parts) != 1 or len(id_parts[0]) < AHEAD_FROM:
            return
        self._start(id_parts[0])  # the column the load keeps as it is (`ColumnBuilder.column`: its one part)

    def all_in(self, ids: Sequence[str]) -> None:
        """Every file is in and read (no worker left to fork); `ids`: the entities' id column as the load keeps it.
        Sorted now where no sort was started: a folder with YAML files or with entities in several tables, whose
        ids come in a part a file."""
        if self._wanted and self._side is None and self._sorted is None and len(ids) >= AHEAD_FROM:
            self._start(ids)

    def _start(self, ids: Sequence[str]) -> None:
        from feoc.load.workers import Beside

        def sort() -> None:
            self._sorted = SortedIds(ids, id_order(ids))
        try:
            self._side = Beside(sort)
        except RuntimeError:  # no thread to be had: the bulk path sorts
            self._side = None

    def sorted_ids(self) -> SortedIds | None:
        """The sort's result, once the thread has ended (joined here: no thread is left for a later fork); None
        where nothing was sorted or the sort failed."""
        side, self._side = self._side, None
        if side is not None:
            try:
                side.join()
            except Exception:  # the bulk path sorts again and raises what is real (out of memory, say)
                self._sorted = None
        return self._sorted
