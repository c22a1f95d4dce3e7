"""References found where they are read: a YAML file's holdings that name an entity of the same file get that entity's
position in the worker that scans the file (`load.yaml_scan`), so the load looks up only the others.

Issue 17, time: `load.shared_ids` looked up each of the 1M world's 3.1M references among all 10^6 ids in the load's
one process (0.8 s, serial). In that world nearly every entity column and most holder columns name an entity of the
same file: a worker finds them among the file's 10^5 ids, in parallel, and the load adds where the file's entities
start (`base`, set as the load takes the file) and looks up only the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feoc.data.columns import ArrowTexts


class PlacedTexts(ArrowTexts):
    """References as Arrow text (`ArrowTexts`) and where each one's entity is: `places[i]`, the position among the
    ids of the file the reference was read from (-1: not an id of that file), plus `base`, where that file's
    entities start among all the load's (set by the load). Joined across files, `base` is 0 and the places are
    positions among all the entities."""

    __slots__ = ("base", "places")

    def __init__(self, chunks: Sequence[Any], places: Any, base: int = 0):
        super().__init__(chunks)
        self.places, self.base = places, base

    def release(self) -> None:
        super().release()
        self.places = self.places[:0]


def placed(references: ArrowTexts, ids: Any) -> PlacedTexts:
    """`references` with the position of each among `ids` (an Arrow text array: one file's entity ids, in order):
    by the compiled table of `load.id_table`, else by Arrow's look-up, each position it finds checked to name the
    very reference, as `shared_ids` checks it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from feoc.load import id_table  # numba: for a bulk load only

    text = pa.chunked_array(references.chunks, type=pa.string()).combine_chunks()
    table = id_table.table(ids)  # compiled, where it can read them (issue 17, time: 0.1 s a file of the 1M world)
    places = None if table is None else table.positions([text], beside=False)  # the load's other worker: the other core
    if places is not None:
        return PlacedTexts([text], places.astype(np.int32))
    found = pc.index_in(text, value_set=ids)
    if not named(ids, found, text):
        raise ValueError("Arrow's look-up named another text")  # never seen: the caller leaves the texts as they are
    return PlacedTexts([text], found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32))


def named(ids: Any, found: Any, wanted: Any) -> bool:
    """Whether each position Arrow's look-up `found` (among `ids`, null: none) names the very text of `wanted`:
    its answer is taken only where it is checked (here and in `shared_ids._Finder`)."""
    import pyarrow.compute as pc

    hit = found.is_valid()
    return pc.all(pc.equal(ids.take(found.filter(hit)), wanted.filter(hit))).as_py() is not False


def joined(parts: Sequence[PlacedTexts]) -> PlacedTexts:
    """The parts of one column, in the load's order, as one column whose places are among all the load's entities."""
    import numpy as np

    places = np.concatenate([np.where(p.places >= 0, p.places.astype(np.int64) + p.base, -1) for p in parts])
    return PlacedTexts([chunk for p in parts for chunk in p.chunks], places)


def positions(columns: Sequence[PlacedTexts], find: Any) -> list[Any]:
    """Each reference's position among all the entities (-1: none), column by column: its place and the base, else `find`
    (`shared_ids._Finder`) among all the ids, for the references that name an entity of another file, those of
    every column looked up in one call (the ids hashed once)."""
    import numpy as np
    import pyarrow as pa

    out = [np.where(column.places >= 0, column.places.astype(np.int64) + column.base, -1) for column in columns]
    missed = [np.flatnonzero(places < 0) for places in out]
    at = getattr(find, "at", None)  # the compiled table reads the missed texts where they lie (issue 17, time)
    found_at = [at(column.chunks, rows) if at is not None and len(rows) else None for column, rows in zip(columns, missed)]
    if all(found is not None or not len(rows) for found, rows in zip(found_at, missed)):
        for places, rows, found in zip(out, missed, found_at):
            if found is not None:
                places[rows] = found
        return out
    texts = [chunk for column, at in zip(columns, missed) if len(at)
             for chunk in pa.chunked_array(column.chunks, type=pa.string()).take(pa.array(at)).chunks]
    if texts:
        found = find(ArrowTexts(texts))
        starts = np.cumsum([0] + [len(at) for at in missed])
        for places, at, lo in zip(out, missed, starts.tolist()):
            places[at] = found[lo:lo + len(at)]
    return out


__all__ = ["PlacedTexts", "joined", "named", "placed", "positions"]
