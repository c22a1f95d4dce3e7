"""Objects found by identity: the position of each of a list's objects by the address of the object it is.

Issue 17: a compact load's references are the entities' own id objects (`load/shared_ids.py`), so a reference is
found among the ids by the object it is, not by hashing or comparing its text, by the load (finding the holdings'
references) and by the bulk analysis (`determine/bulk_index.EntityIndex`). An address found is the very object;
one that is not found is some other object (equal text perhaps), for the caller to look up by its text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SLOTS = 8  # slots of the address table an object at most (4 bytes each): 32 MB at most at 1M, for its speed


class Addresses:
    """`objects` by their addresses: `self(addresses)` gives each address's position among them (int64) and the
    numbers of the addresses that are none of them. With `table`, a table of positions by address / 64 where its
    slots are few (at most `SLOTS` an object) and no two objects share one (a str object is 49 bytes or more: rarely;
    issue 17, time: 0.03 s against 0.11 s for the 1.5M holders of the 1M world); else, and without `table` (kept for
    a whole analysis: 12 bytes an object), the addresses sorted and searched."""

    def __init__(self, objects: Sequence[Any], table: bool = True):
        import numpy as np

        addresses = np.fromiter(map(id, objects), dtype=np.int64, count=len(objects))
        self.table = self._table(addresses) if table and len(objects) else None
        if self.table is None:
            order = np.argsort(addresses)
            self.order = order.astype(np.int32) if len(objects) < 1 << 31 else order
            self.sorted = addresses[order]

    def _table(self, addresses: Any) -> Any:
        import numpy as np

        self.low = int(addresses.min())
        slots = (addresses - self.low) >> 6
        if int(slots.max()) >= SLOTS * len(addresses):
            return None
        table = np.full(int(slots.max()) + 1, -1, dtype=np.int32 if len(addresses) < 1 << 31 else np.int64)
        table[slots] = np.arange(len(addresses))
        if not (table[slots] == np.arange(len(addresses))).all():  # two objects in one slot
            return None
        self.addresses = addresses
        return table

    def __call__(self, wanted: Any) -> tuple[Any, Any]:
        import numpy as np

        if self.table is not None:
            slots = (wanted - self.low) >> 6
            inside = (slots >= 0) & (slots < len(self.table))
            places = self.table[np.where(inside, slots, 0)].astype(np.int64)
            named = inside & (places >= 0)
            named[named] = self.addresses[places[named]] == wanted[named]
            return places, np.flatnonzero(~named)
        if not len(self.sorted):
            return np.zeros(len(wanted), dtype=np.int64), np.arange(len(wanted))
        at = np.minimum(np.searchsorted(self.sorted, wanted), len(self.sorted) - 1)
        return self.order[at].astype(np.int64), np.flatnonzero(self.sorted[at] != wanted)


__all__ = ["SLOTS", "Addresses"]
