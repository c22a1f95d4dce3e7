"""The entities' id order sorted ahead, on the second core, while a compact load reads the tables after them.

Issue 17, time: the bulk path sorts every entity's id once (`data/id_order.py`: 0.7 s at 10^6 entities on this
machine, ~13 s at 10^7), on one core, after the load; while the load reads the holdings table, the second core is
mostly idle. Arrow sorts without the GIL, so the sort runs in a thread beside that read once the last file that may
hold entities has been read, and the load hands the order over with the list it sorted (`SortedIds`).

Only for a folder of Parquet tables, which the load reads in this process (no worker process is forked while the
thread runs), and only where the entities' ids are one list of many (`AHEAD_FROM`): exactly what `id_order` would
be given later, the very object, so the order is the same by construction. The thread is joined before the load
returns; a load that fails leaves it to end on its own (a daemon thread: it holds nothing but the ids)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feoc.data.id_order import ARROW_FROM, SortedIds, id_order
from feoc.load.parquet import table_kind
from feoc.load.scan import is_table_name

AHEAD_FROM = ARROW_FROM  # ids: below this the sort takes milliseconds, not worth a thread


class OrderAhead:
    """Told of each file the load has taken in (`taken`), it starts the sort once every file that may hold entities
    is in; `sorted_ids` waits for it and gives the order of the list it sorted."""

    def __init__(self, files: Sequence[Path], compact: bool):
        tables_only = compact and bool(files) and all(is_table_name(path.name) for path in files)
        self._waiting = {str(path) for path in files if table_kind(path) == "entities"} if tables_only else set()
        self._side: Any = None
        self._sorted: SortedIds | None = None

    def taken(self, name: str, id_parts: Sequence[Sequence[str]]) -> None:
        """File `name` is in; `id_parts`: the entities' ids read so far, one part a file."""
        if not self._waiting:
            return
        self._waiting.discard(name)
        if self._waiting or len(id_parts) != 1:
            return
        ids = id_parts[0]
        if type(ids) is not list or len(ids) < AHEAD_FROM:  # the column the load keeps as it is (`ColumnBuilder`)
            return
        from feoc.load.workers import Beside

        def sort() -> None:
            # the pool's pages are given back by the load after each table, not from this thread meanwhile
            self._sorted = SortedIds(ids, id_order(ids, give_back=False))
        self._side = Beside(sort)

    def sorted_ids(self) -> SortedIds | None:
        """The sort's result, once the thread has ended (joined here: no thread is left for a later fork)."""
        side, self._side = self._side, None
        if side is not None:
            side.join()
        return self._sorted
